"""Complaint letters: one per target (the lender, or a regulator), in formal Chinese.

A letter is plain text rendered from templates/escalations/letter.txt, which is Chinese
whatever the page's language: the bodies read Chinese. The same text feeds every
format (print page, plain text to paste into a portal, PDF). A borrower who edits it
saves a LetterDraft, and from then on every format shows the edited text until they
reset it.

The filer's mobile number appears in full only to the filer; anyone else sees it masked,
in a generated letter and in a saved draft alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import audit_record
from complaints import permissions
from complaints.models import (
    Channel,
    Complaint,
    ContactedParty,
    FilerRelation,
    HarassmentKind,
    Incident,
    Institution,
    Lender,
    Outcome,
    registry_revision_of,
)
from complaints.services import ComplaintError
from evidence.models import Evidence
from lib import versions
from lib.china import CHINA_TZ, china_day
from lib.phones import mask_phone
from lib.templatetags.fragments import code_release, fragment_key
from regulators.models import Regulator, RegulatorKind
from regulators.routing import supervised_institution
from regulators.selectors import DIRECTORY_VERSION

from .conduct import RULES_VERSION, Breach, breaches_for_complaint
from .legal_basis import citations_for
from .models import EscalationChannel, EscalationStatus, LetterDraft, LetterPdf
from .services import BOUND_BY_LENDER_RULE, LENDER_DEADLINE_DAYS, complaint_institution_ids

TARGET_KEY = re.compile(r"^(lender|institution|regulator)-(\d{1,12})$")
# The longest letter that may be saved or made into a PDF: about fifteen printed pages,
# which WeasyPrint renders in a few seconds.
MAX_LETTER_CHARS = 20000

# The letter's own wording, independent of the interface's translations.
KIND_ZH = {
    HarassmentKind.THIRD_PARTIES: "向本人的家人、朋友、同事等第三方催收（“爆通讯录”）",
    HarassmentKind.THREATS: "威胁、恐吓",
    HarassmentKind.INSULTS: "辱骂、使用侮辱性或淫秽语言",
    HarassmentKind.PUBLIC_SHAMING: "公开羞辱、散布本人个人信息",
    HarassmentKind.NIGHT_CALLS: "在22:00至次日8:00期间催收",
    HarassmentKind.EXCESSIVE_FREQUENCY: "频繁拨打电话或发送信息",
    HarassmentKind.IMPERSONATION: "冒充公检法机关或伪造法律文书",
    HarassmentKind.VISIT: "上门催收（住所或工作单位）",
    HarassmentKind.UNLAWFUL_FEES: "索要违法违规费用",
    HarassmentKind.OTHER: "其他不当催收行为",
}
CHANNEL_ZH = {
    Channel.CALL: "电话",
    Channel.SMS: "短信",
    Channel.IM: "微信/QQ/群聊",
    Channel.APP: "App推送",
    Channel.VISIT: "上门",
    Channel.LETTER: "信件或包裹",
    Channel.SOCIAL: "社交媒体发帖",
    Channel.OTHER: "其他方式",
}
CONTACTED_ZH = {
    ContactedParty.SELF: "本人",
    ContactedParty.FAMILY: "本人的家人",
    ContactedParty.FRIENDS: "本人的朋友",
    ContactedParty.COLLEAGUES: "本人的同事或工作单位",
    ContactedParty.CONTACT_LIST: "本人通讯录中的联系人",
    ContactedParty.EMERGENCY_CONTACT: "本人的紧急联系人",
    ContactedParty.PUBLIC: "不特定公众",
    ContactedParty.OTHER: "其他人员",
}
RELATION_ZH = {
    FilerRelation.SELF: "借款人本人",
    FilerRelation.FAMILY: "借款人的亲属",
    FilerRelation.FRIEND: "借款人的朋友",
    FilerRelation.COLLEAGUE: "借款人的同事或工作单位",
    FilerRelation.OTHER: "被催收人员联系的第三人",
}
OUTCOME_ZH = {
    Outcome.STOP_THIRD_PARTIES: "立即停止联系、骚扰本人的家人、朋友、同事及通讯录中的其他人员",
    Outcome.STOP_HARASSMENT: "立即停止威胁、辱骂等一切骚扰行为，依法合规催收",
    Outcome.APOLOGY: "向本人作出书面道歉",
    Outcome.DELETE_DATA: "删除违规收集的本人通讯录等个人信息，并停止向第三方提供",
    Outcome.CORRECT_RECORDS: "更正本人征信及债务记录中的错误信息",
    Outcome.REMOVE_POSTS: "删除在网络或公共场所发布的有关本人的信息",
    Outcome.FAIR_REPAYMENT: "在不收取违法违规费用的前提下，与本人协商合理的还款方案",
    Outcome.INVESTIGATE: "调查并依法处理相关催收人员及催收机构",
}
ESCALATION_CHANNEL_ZH = {
    EscalationChannel.HOTLINE: "热线电话",
    EscalationChannel.ONLINE: "网上投诉平台",
    EscalationChannel.EMAIL: "电子邮件",
    EscalationChannel.POST: "邮寄",
    EscalationChannel.IN_PERSON: "现场",
    EscalationChannel.APP: "App或客服渠道",
}
ESCALATION_STATUS_ZH = {
    EscalationStatus.SENT: "尚未答复",
    EscalationStatus.ACKNOWLEDGED: "已确认收到，尚未答复",
    EscalationStatus.OVERDUE: "逾期未答复",
    EscalationStatus.ANSWERED: "已答复",
    EscalationStatus.CLOSED: "已结束",
}
EVIDENCE_KIND_ZH = {
    Evidence.Kind.RECORDING: "录音",
    Evidence.Kind.IMAGE: "图片",
    Evidence.Kind.DOCUMENT: "文档",
    Evidence.Kind.CHAT: "聊天记录",
}
NAME_PLACEHOLDER = "【请填写真实姓名】"
PHONE_PLACEHOLDER = "【请填写联系电话】"


@dataclass(frozen=True)
class LetterTarget:
    lender: Lender | None = None  # the brand
    regulator: Regulator | None = None
    institution: Institution | None = None  # the lender of record, or the platform's operator

    @property
    def key(self) -> str:
        if self.regulator:
            return f"regulator-{self.regulator.pk}"
        if self.institution:
            return f"institution-{self.institution.pk}"
        return f"lender-{self.lender.pk}"  # type: ignore[union-attr]

    @property
    def name(self) -> str:
        if self.regulator:
            return self.regulator.name_zh
        return self.institution.name if self.institution else self.lender.name  # type: ignore[union-attr]

    @property
    def party(self) -> Lender | Institution | None:
        """The lender or company the letter goes to, when it is not a regulator."""
        return self.institution or self.lender

    def draft_filter(self) -> Q:
        if self.regulator:
            return Q(regulator=self.regulator)
        return Q(institution=self.institution) if self.institution else Q(lender=self.lender)


def resolve_target(complaint: Complaint, key: str) -> LetterTarget | None:
    """The target a URL names, if it may receive a letter about this complaint.

    A brand must be the complaint's own; an institution its funder, the brand's operator
    or one of the brand's current funders; a regulator any entry of the directory, since
    an advocate may pick one the route did not.
    """
    match = TARGET_KEY.match(key or "")
    if not match:
        return None
    kind, pk = match[1], int(match[2])
    if kind == "lender":
        return LetterTarget(lender=complaint.lender) if pk == complaint.lender_id else None
    if kind == "institution":
        if pk not in complaint_institution_ids(complaint):
            return None
        institution = Institution.objects.filter(pk=pk).first()
        return LetterTarget(institution=institution) if institution else None
    regulator = Regulator.objects.filter(pk=pk).first()
    return LetterTarget(regulator=regulator) if regulator else None


def _filer_phone(complaint: Complaint) -> str:
    return complaint.filer.phone or ""


def _mask_for(viewer: Any, complaint: Complaint, text: str) -> str:
    """The filer's number masked for anyone but the filer (also in an edited draft)."""
    phone = _filer_phone(complaint)
    if phone and not permissions.can_see_filer_phone(viewer, complaint):
        text = text.replace(phone, mask_phone(phone))
    return text


def _breach_rows(breaches: list[Breach]) -> list[dict[str, Any]]:
    """A breach as the letter cites it: the rule's Chinese name, what was found, its source."""
    return [
        {
            "name": b.rule.name_zh,
            "detail": b.detail_zh,
            "source": b.rule.source,
            "confirmed": b.rule.confirmed,
        }
        for b in breaches
    ]


# A letter names this many of a series' numbers, then says how many more there are.
_LETTER_NUMBERS = 30


def _series_zh(incident: Incident) -> str:
    """A series in the letter's words: how many, until when, from which numbers."""
    if not incident.is_series:
        return ""
    parts = []
    if incident.ended_at is not None:
        parts.append(f"持续至{timezone.localtime(incident.ended_at, CHINA_TZ):%H:%M}")
    if incident.series_count:
        parts.append(f"共{incident.series_count}次")
    numbers = [n.number for n in incident.numbers.all()]
    if numbers:
        shown = "、".join(numbers[:_LETTER_NUMBERS])
        more = f"等{len(numbers)}个号码" if len(numbers) > _LETTER_NUMBERS else f"（{len(numbers)}个号码）"
        parts.append(f"使用号码：{shown}{more}")
    return "，".join(parts)


def _incident_rows(complaint: Complaint, incidents: list[Incident]) -> list[dict[str, Any]]:
    breaches = breaches_for_complaint(complaint, incidents=incidents)
    rows = []
    for incident in incidents:
        found = breaches.get(incident.pk, [])
        rows.append(
            {
                "occurred_at": incident.occurred_at,
                "channel": CHANNEL_ZH.get(incident.channel, incident.channel),
                "kind": KIND_ZH.get(incident.kind, incident.kind),
                "collector_id": incident.collector_id,
                "series": _series_zh(incident),
                # Third parties' numbers never go into a letter: they did not consent.
                # "Contacted: me" says nothing a letter from me needs to say.
                "contacted": ""
                if incident.contacted == ContactedParty.SELF
                else CONTACTED_ZH.get(incident.contacted, ""),
                "contacted_count": incident.contacted_count,
                # The template ends the sentence with "。": one the borrower typed would double it.
                "description": " ".join(incident.description.split()).rstrip("。.！!；;，, "),
                # What the conduct-rule checks find; a rule they can only point out is
                # worded as "may break", never stated as broken.
                "breaches": _breach_rows([b for b in found if not b.possible]),
                "possible_breaches": _breach_rows([b for b in found if b.possible]),
            }
        )
    return rows


def letter_evidence(complaint: Complaint) -> QuerySet[Evidence]:
    """The evidence a letter lists (and the legal-step page): every file not withdrawn, oldest first."""
    return complaint.evidence.filter(withdrawn_at__isnull=True).order_by("created", "pk")


def _previous_escalations(complaint: Complaint, target: LetterTarget) -> list[dict[str, Any]]:
    """Where the complaint went before: regulators ask whether the lender was tried."""
    rows = []
    for escalation in complaint.escalations.select_related("lender", "regulator", "institution").exclude(
        status=EscalationStatus.DRAFTED
    ):
        if target.regulator and escalation.regulator_id == target.regulator.pk:
            continue
        if target.lender and escalation.lender_id == target.lender.pk:
            continue
        if target.institution and escalation.institution_id == target.institution.pk:
            continue
        rows.append(
            {
                "name": escalation.target_name,
                "sent_at": escalation.sent_at,
                "channel": ESCALATION_CHANNEL_ZH.get(escalation.channel, ""),
                "reference": escalation.reference,
                "status": ESCALATION_STATUS_ZH.get(escalation.status, ""),
                "unsatisfied": escalation.satisfied is False,
            }
        )
    return rows


def letter_context(
    *, complaint: Complaint, target: LetterTarget, viewer: Any, now: datetime
) -> dict[str, Any]:
    filer = complaint.filer
    phone = _filer_phone(complaint)
    if phone and not permissions.can_see_filer_phone(viewer, complaint):
        phone = mask_phone(phone)
    incidents = list(complaint.incidents.prefetch_related("numbers"))
    kinds = list(dict.fromkeys(incident.kind for incident in incidents))
    regulator_kind = target.regulator.kind if target.regulator else ""
    evidence = letter_evidence(complaint)
    # The lender of record: the funder the borrower named, else the brand's only known one.
    record, _is_guess = supervised_institution(complaint)
    return {
        "complaint": complaint,
        "target": target,
        "to_lender": target.party is not None,
        "to_operator": target.institution is not None
        and record is not None
        and target.institution.pk != record.pk
        and target.institution.pk == complaint.lender.operator_id,
        "is_cyberspace": regulator_kind == RegulatorKind.CYBERSPACE,
        "filer_name": filer.display_name.strip() or NAME_PLACEHOLDER,
        "relation": RELATION_ZH.get(complaint.filer_relation, ""),
        "is_borrower": complaint.filer_relation == FilerRelation.SELF,
        "phone": phone or PHONE_PLACEHOLDER,
        "lender": complaint.lender,
        "funding": record,
        "funding_named": complaint.funding_institution_id is not None,
        "summary": complaint.summary.strip(),
        "incidents": _incident_rows(complaint, incidents),
        # A letter cites only what was checked against the official text: a lender who
        # finds one wrong article number discounts the whole letter. The rest is told to
        # the borrower beside the letter (letter_cautions), never inside it.
        "citations": [
            c
            for c in citations_for(
                kinds=kinds, outcomes=complaint.desired_outcomes, regulator_kind=regulator_kind
            )
            if c.confirmed
        ],
        "requests": [OUTCOME_ZH[code] for code in complaint.desired_outcomes if code in OUTCOME_ZH],
        "evidence": [
            {
                "name": e.original_name,
                "kind": EVIDENCE_KIND_ZH.get(e.kind, ""),
                "sha256": e.sha256,
                "caption": e.caption,
            }
            for e in evidence
        ],
        "previous": _previous_escalations(complaint, target),
        "lender_deadline_days": LENDER_DEADLINE_DAYS,
        # The rule binds banks and consumer finance companies; others are asked to follow it.
        "lender_rule_binding": target.party is not None and target.party.licence_type in BOUND_BY_LENDER_RULE,
        "today": timezone.localtime(now),
    }


@dataclass(frozen=True)
class Caution:
    """Something the letter leaves out or states without a source, for the borrower and
    the advocate to know before sending (shown beside the letter, not in it)."""

    heading: str
    note: str


def letter_cautions(*, complaint: Complaint, target: LetterTarget) -> list[Caution]:
    """What the letter does not cite because its text was not checked: unchecked
    citations, and the conduct rules whose source is unchecked (the letter names the
    conduct, not the source)."""
    incidents = list(complaint.incidents.all())
    kinds = list(dict.fromkeys(incident.kind for incident in incidents))
    regulator_kind = target.regulator.kind if target.regulator else ""
    cautions = [
        Caution(heading=c.heading, note=c.caveat_text)
        for c in citations_for(
            kinds=kinds, outcomes=complaint.desired_outcomes, regulator_kind=regulator_kind
        )
        if not c.confirmed
    ]
    seen = set()
    for found in breaches_for_complaint(complaint, incidents=incidents).values():
        for breach in found:
            rule = breach.rule
            if not rule.confirmed and rule.source and rule.source not in seen:
                seen.add(rule.source)
                cautions.append(
                    Caution(
                        heading=rule.source,
                        note=_(
                            "Not checked against the official text: the letter names the conduct, "
                            "not this source."
                        ),
                    )
                )
    if target.party is not None:
        cautions.append(
            Caution(
                heading="《银行业保险业消费投诉处理管理办法》",
                note=_(
                    "The %(days)d-day deadline for the answer comes from this rule; its article "
                    "number was not checked, so the letter gives none."
                )
                % {"days": LENDER_DEADLINE_DAYS},
            )
        )
    return cautions


def letter_generate(*, complaint: Complaint, target: LetterTarget, viewer: Any, now: datetime) -> str:
    """The letter as the complaint's facts make it today."""
    context = letter_context(complaint=complaint, target=target, viewer=viewer, now=now)
    # Dates and any label rendered in the template follow Chinese conventions.
    with translation.override("zh-hans"):
        text = render_to_string("escalations/letter.txt", context)
    # The template's tags leave blank lines behind; at most one blank line between blocks.
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def _generated_key(*, complaint: Complaint, target: LetterTarget, viewer: Any, now: datetime) -> str:
    """What the generated letter is made of, without reading it: the complaint row with
    its brand, funder and filer (its `revision` moves with every incident, file,
    escalation and funder of the brand: complaints/revisions.py), the target's row, what
    the viewer may see of the filer's number, the directory and conduct rules' versions,
    the code, and China's date (the letter is dated, and funders hold from a date)."""
    return fragment_key(
        "letter-text",
        [
            code_release(),
            complaint,
            complaint.lender,
            complaint.funding_institution,
            complaint.filer,
            registry_revision_of(complaint),
            target.key,
            target.regulator,
            target.institution,
            target.lender,
            permissions.can_see_filer_phone(viewer, complaint),
            versions.many([DIRECTORY_VERSION, RULES_VERSION]),
            china_day(now),
        ],
        csrf=False,
    )


def letter_generate_cached(*, complaint: Complaint, target: LetterTarget, viewer: Any, now: datetime) -> str:
    """letter_generate, kept until the complaint or anything it names changes, or the day
    ends in China: the letter's page, its PDF's waiting page and its text download are
    opened again and again while nothing changes (the PDF page refreshes every 3 s)."""
    key = _generated_key(complaint=complaint, target=target, viewer=viewer, now=now)
    text = cache.get(key)
    if text is None:
        text = letter_generate(complaint=complaint, target=target, viewer=viewer, now=now)
        local = now.astimezone(CHINA_TZ)
        midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        cache.set(key, text, int((midnight - local).total_seconds()) + 1)
    return text


def letter_draft_get(*, complaint: Complaint, target: LetterTarget) -> LetterDraft | None:
    return LetterDraft.objects.filter(target.draft_filter(), complaint=complaint).first()


@dataclass
class Letter:
    text: str
    draft: LetterDraft | None
    # The draft was saved before the latest incident or evidence was added.
    stale: bool = False


def letter_for(
    *, complaint: Complaint, target: LetterTarget, viewer: Any, now: datetime, cached: bool = False
) -> Letter:
    """The letter to show `viewer`: their saved draft if any, else a fresh one (`cached`:
    from letter_generate_cached; sending generates it anew, under its lock)."""
    draft = letter_draft_get(complaint=complaint, target=target)
    if draft is None:
        generate = letter_generate_cached if cached else letter_generate
        return Letter(text=generate(complaint=complaint, target=target, viewer=viewer, now=now), draft=None)
    stale = (
        complaint.incidents.filter(created__gt=draft.updated).exists()
        or complaint.evidence.filter(created__gt=draft.updated).exists()
    )
    return Letter(text=_mask_for(viewer, complaint, draft.text), draft=draft, stale=stale)


def letter_open(
    *, complaint: Complaint, target: LetterTarget, viewer: Any, now: datetime, how: str
) -> Letter:
    """`letter_for`, for a person opening the letter (`how`: page, text, pdf, edit): the
    letter carries the borrower's story and numbers, so each opening is in the audit trail."""
    shown = letter_for(complaint=complaint, target=target, viewer=viewer, now=now, cached=True)
    audit_record(actor=viewer, action=Action.VIEW_LETTER, complaint=complaint, detail=f"{target.key} {how}")
    return shown


@transaction.atomic
def letter_draft_save(
    *, complaint: Complaint, target: LetterTarget, actor: Any, text: str, now: datetime
) -> LetterDraft:
    """Keep the edited letter. Not on the timeline: wording is work in progress, and the
    escalation recorded when it is sent is what the case history needs."""
    if not permissions.can_edit_letter(actor, complaint):
        raise ComplaintError(_("You cannot edit letters for this complaint."))
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise ComplaintError(_("The letter is empty. To start again from the complaint, reset it."))
    if len(text) > MAX_LETTER_CHARS:
        raise ComplaintError(
            _("The letter can be at most %(most)d characters; this one has %(length)d. Please shorten it.")
            % {"most": MAX_LETTER_CHARS, "length": len(text)}
        )
    phone = _filer_phone(complaint)
    if phone and not permissions.can_see_filer_phone(actor, complaint):
        # A caseworker edited the masked text; the filer gets their full number back.
        text = text.replace(mask_phone(phone), phone)
    draft = letter_draft_get(complaint=complaint, target=target)
    if draft is None:
        draft = LetterDraft(
            complaint=complaint,
            lender=target.lender,
            regulator=target.regulator,
            institution=target.institution,
        )
    draft.text = text + "\n"
    draft.updated_by = actor
    draft.updated = now
    draft.save()
    # PDFs of the old wording go: it may hold what the borrower just took out.
    letter_pdfs_delete(LetterPdf.objects.filter(complaint=complaint, target_key=target.key))
    return draft


def letter_draft_reset(*, complaint: Complaint, target: LetterTarget, actor: Any) -> None:
    """Drop the edited text: the letter is generated from the complaint again."""
    if not permissions.can_edit_letter(actor, complaint):
        raise ComplaintError(_("You cannot edit letters for this complaint."))
    LetterDraft.objects.filter(target.draft_filter(), complaint=complaint).delete()
    letter_pdfs_delete(LetterPdf.objects.filter(complaint=complaint, target_key=target.key))


def letter_pdfs_delete(pdfs: QuerySet[LetterPdf]) -> int:
    """Delete rendered PDFs: the rows now, their files once the transaction commits."""
    names = [name for name in pdfs.values_list("file", flat=True) if name]
    count, _deleted = pdfs.delete()
    if names:
        storage = LetterPdf._meta.get_field("file").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in names], robust=True)
    return count


# --- PDF ------------------------------------------------------------------------------


def _letter_css() -> str:
    path = finders.find("css/letter.css")
    return Path(path).read_text(encoding="utf-8") if path else ""


def letter_pdf(*, text: str, title: str) -> bytes:
    """The letter as a PDF with the Noto CJK font embedded (subset) by WeasyPrint.

    The HTML is ours and every user string in it is escaped; even so, WeasyPrint may
    fetch only data: URLs, so a `file:` or `http:` reference slipped into it could
    read nothing from the disk or the network. Fonts come from fontconfig, not the
    fetcher (Debian's fonts-noto-cjk).
    """
    # Imported here: WeasyPrint loads pango through cffi, which only the PDF view needs.
    from weasyprint import HTML

    html = render_to_string(
        "escalations/letter_pdf.html", {"text": text, "title": title, "css": _letter_css()}
    )
    return HTML(string=html, url_fetcher=pdf_url_fetcher(), base_url=None).write_pdf()


def pdf_url_fetcher() -> Any:
    """WeasyPrint's fetcher, allowed data: URLs only (no file:, http:, ftp:), no redirects."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)

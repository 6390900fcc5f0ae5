"""Letters: what they say, who sees the full phone number, edited drafts, the PDF."""

from __future__ import annotations

import io
import logging
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from complaints.models import Channel, HarassmentKind
from complaints.services import ComplaintError
from escalations import letters
from escalations.letters import LetterTarget, resolve_target
from escalations.models import ConductRule
from escalations.services import escalation_record
from tests.escalations.conftest import CST, HASHES, RECORDED, add_evidence
from tests.factories import IncidentFactory, InstitutionFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=CST)


def generate(complaint, target, viewer):
    return letters.letter_generate(complaint=complaint, target=target, viewer=viewer, now=NOW)


def test_it_lists_the_incidents_with_dates(letter_case, lender_target, borrower):
    text = generate(letter_case, lender_target, borrower)

    assert "2026年11月20日 21:30" in text
    assert "打给我母亲，说我欠钱不还" in text
    assert "本人的家人" in text
    assert "2026年11月21日 23:40" in text
    assert "说要来家里找我" in text


def test_it_names_the_lender_and_the_funding_institution(letter_case, lender_target, borrower):
    text = generate(letter_case, lender_target, borrower)

    assert "闪电借客户投诉处理部门" in text
    assert "某某消费金融有限公司" in text
    assert letter_case.reference in text


def test_it_addresses_the_institution_of_record_with_its_credit_code(letter_case, borrower):
    funder = letter_case.funding_institution
    target = resolve_target(letter_case, f"institution-{funder.pk}")

    text = generate(letter_case, target, borrower)

    assert text.startswith("关于某某消费金融有限公司（通过“闪电借”App/平台）违规催收行为的投诉")
    assert "某某消费金融有限公司客户投诉处理部门" in text
    assert "被投诉机构：某某消费金融有限公司（统一社会信用代码：91500000MA5U7X0000）" in text
    assert "借款渠道：通过“闪电借”App/平台" in text
    assert "推定" not in text  # the borrower named this funder


def test_it_refuses_a_letter_to_an_institution_the_complaint_does_not_name(letter_case):
    stranger = InstitutionFactory(name="无关银行")

    assert resolve_target(letter_case, f"institution-{stranger.pk}") is None


def test_it_cites_the_laws_with_their_articles(letter_case, lender_target, borrower):
    text = generate(letter_case, lender_target, borrower)

    # Third parties: the Civil Code and the PIPL, both confirmed.
    assert "《中华人民共和国民法典》第1033条第（一）项" in text
    assert "《中华人民共和国个人信息保护法》第10条" in text
    # Threats: the public-security law's current numbering is unconfirmed, so the letter
    # leaves it out (the page beside the letter says so); the Criminal Law is confirmed.
    assert "治安管理处罚法" not in text
    assert "未经核实" not in text
    assert "《中华人民共和国刑法》第293条之一" in text


def test_the_cautions_beside_the_letter_name_what_it_leaves_out(letter_case, lender_target, conduct_rules):
    cautions = letters.letter_cautions(complaint=letter_case, target=lender_target)

    headings = [c.heading for c in cautions]
    assert "《中华人民共和国治安管理处罚法》第42条（2012年修正文本）" in headings
    assert any("现行序号未经核实" in c.note for c in cautions)
    assert "《银行业保险业消费投诉处理管理办法》" in headings  # the lender's deadline
    assert "中国银行业协会《金融机构个人消费类贷款催收工作指引（试行）》" in headings  # a rule's source


def test_the_letter_page_shows_the_cautions_outside_the_letter(client, letter_case, lender_target, borrower):
    from django.urls import reverse

    client.force_login(borrower)

    page = client.get(
        reverse("regulators:letter", args=[letter_case.reference, lender_target.key])
    ).content.decode()

    aside = page[page.index('class="letter-cautions"') : page.index('class="letter-body"')]
    assert "治安管理处罚法" in aside
    letter = page[page.index('class="letter-body"') :]
    assert "未经核实" not in letter


def test_it_marks_the_lender_rule_unconfirmed_and_only_a_yardstick_for_a_platform(
    letter_case, lender_target, borrower
):
    text = generate(letter_case, lender_target, borrower)

    assert "参照《银行业保险业消费投诉处理管理办法》" in text
    assert "条款序号未经核实" not in text  # said beside the letter, not to the lender


def test_it_lists_every_evidence_hash(letter_case, lender_target, borrower):
    text = generate(letter_case, lender_target, borrower)

    for sha256 in HASHES:
        assert sha256 in text
    assert "通话录音.png" in text and "短信截图.png" in text


def test_it_leaves_out_withdrawn_evidence(letter_case, lender_target, borrower):
    add_evidence(letter_case, "撤回.png", "c3" * 32, withdrawn_at=timezone.now())

    assert "c3" * 32 not in generate(letter_case, lender_target, borrower)


def test_it_asks_for_what_the_borrower_wants(letter_case, lender_target, borrower):
    text = generate(letter_case, lender_target, borrower)

    assert "立即停止联系、骚扰本人的家人" in text
    assert "书面道歉" in text


def test_it_shows_the_full_number_to_the_filer_only(letter_case, lender_target, borrower, advocate):
    assert "13911112222" in generate(letter_case, lender_target, borrower)
    for_advocate = generate(letter_case, lender_target, advocate)
    assert "13911112222" not in for_advocate
    assert "139****2222" in for_advocate


def test_a_regulator_letter_tells_where_it_went_before(letter_case, borrower, cyberspace):
    escalation_record(
        complaint=letter_case,
        actor=borrower,
        lender=letter_case.lender,
        channel="app",
        sent_at=NOW - timedelta(days=20),
        reference="KF-889",
        now=NOW - timedelta(days=20),
    )

    text = generate(letter_case, LetterTarget(regulator=cyberspace), borrower)

    assert "中央网信办违法和不良信息举报中心：" in text
    assert "向闪电借投诉（编号：KF-889）" in text
    assert "《中华人民共和国个人信息保护法》第65条" in text


def test_an_edited_letter_replaces_the_generated_one(letter_case, lender_target, borrower):
    letters.letter_draft_save(
        complaint=letter_case, target=lender_target, actor=borrower, text="我自己写的信", now=NOW
    )

    shown = letters.letter_for(complaint=letter_case, target=lender_target, viewer=borrower, now=NOW)

    assert shown.text.strip() == "我自己写的信"
    assert shown.draft is not None
    assert not shown.stale


def test_an_edited_letter_keeps_the_number_masked_for_others(letter_case, lender_target, borrower, advocate):
    text = generate(letter_case, lender_target, borrower)
    letters.letter_draft_save(complaint=letter_case, target=lender_target, actor=borrower, text=text, now=NOW)

    shown = letters.letter_for(complaint=letter_case, target=lender_target, viewer=advocate, now=NOW)

    assert "13911112222" not in shown.text and "139****2222" in shown.text


def test_an_advocates_edit_gives_the_filer_their_number_back(letter_case, lender_target, borrower, advocate):
    text = generate(letter_case, lender_target, advocate)
    letters.letter_draft_save(complaint=letter_case, target=lender_target, actor=advocate, text=text, now=NOW)

    shown = letters.letter_for(complaint=letter_case, target=lender_target, viewer=borrower, now=NOW)

    assert "13911112222" in shown.text


def test_it_says_when_an_edited_letter_misses_new_evidence(letter_case, lender_target, borrower):
    letters.letter_draft_save(
        complaint=letter_case, target=lender_target, actor=borrower, text="旧信", now=NOW
    )
    add_evidence(letter_case, "新证据.png", "d4" * 32, created=NOW + timedelta(hours=1))

    shown = letters.letter_for(complaint=letter_case, target=lender_target, viewer=borrower, now=NOW)

    assert shown.stale


def test_reset_brings_back_the_generated_letter(letter_case, lender_target, borrower):
    letters.letter_draft_save(
        complaint=letter_case, target=lender_target, actor=borrower, text="旧信", now=NOW
    )

    letters.letter_draft_reset(complaint=letter_case, target=lender_target, actor=borrower)

    shown = letters.letter_for(complaint=letter_case, target=lender_target, viewer=borrower, now=NOW)
    assert shown.draft is None
    assert HASHES[0] in shown.text


def test_a_stranger_cannot_save_a_letter(letter_case, lender_target, other_borrower):
    with pytest.raises(ComplaintError):
        letters.letter_draft_save(
            complaint=letter_case, target=lender_target, actor=other_borrower, text="x", now=NOW
        )


def test_an_empty_letter_is_refused(letter_case, lender_target, borrower):
    with pytest.raises(ComplaintError):
        letters.letter_draft_save(
            complaint=letter_case, target=lender_target, actor=borrower, text="  ", now=NOW
        )


def test_the_pdf_text_extracts_in_chinese(letter_case, lender_target, borrower):
    text = generate(letter_case, lender_target, borrower)

    pdf = letters.letter_pdf(text=text, title="投诉信")

    reader = PdfReader(io.BytesIO(pdf))
    extracted = "".join(page.extract_text() for page in reader.pages)
    assert "违规催收行为的投诉" in extracted.replace("\n", "")
    assert "个人信息保护法" in extracted
    assert "说要来家里找我" in extracted
    # A hash may wrap across lines in the PDF; its characters are all there.
    assert HASHES[0] in extracted.replace("\n", "").replace(" ", "")


def test_the_pdf_embeds_its_cjk_font(letter_case, lender_target, borrower):
    pdf = letters.letter_pdf(text=generate(letter_case, lender_target, borrower), title="投诉信")

    fonts = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            fonts.append((str(font["/BaseFont"]), "/FontFile2" in descriptor or "/FontFile3" in descriptor))
    assert fonts
    assert all(embedded for _name, embedded in fonts)
    assert any("CJK" in name for name, _embedded in fonts)


def test_the_pdf_font_is_subset_by_harfbuzz(letter_case, lender_target, borrower, caplog):
    # WeasyPrint falls back to fontTools without HarfBuzz's subsetter (Debian's
    # libharfbuzz-subset0): the same PDF, but about 9 s a letter instead of 0.3.
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        letters.letter_pdf(text=generate(letter_case, lender_target, borrower), title="投诉信")

    assert not [r for r in caplog.records if "fontTools instead of HarfBuzz" in r.getMessage()]


def test_the_pdf_prints_markup_as_text(letter_case, lender_target, borrower):
    pdf = letters.letter_pdf(text=generate(letter_case, lender_target, borrower), title="投诉信")

    extracted = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert 'src="file:///etc/passwd"' in extracted


@pytest.mark.parametrize("url", ["file:///etc/passwd", "http://169.254.169.254/", "ftp://example.org/x"])
def test_the_pdf_fetcher_refuses_everything_but_data_urls(url):
    fetcher = letters.pdf_url_fetcher()

    with pytest.raises(ValueError):
        fetcher.fetch(url)


def test_the_pdf_fetcher_reads_data_urls():
    response = letters.pdf_url_fetcher().fetch("data:text/plain;base64,5L2g5aW9")

    assert response.read().decode() == "你好"


# --- Conduct-rule breaches ------------------------------------------------------------


def incident_block(text: str, when: str) -> str:
    """The incident line starting at `when`, with the breach lines under it."""
    first, *rest = text[text.index(when) :].split("\n")
    block = [first]
    for line in rest:
        if not line.startswith("   "):
            break
        block.append(line)
    return "\n".join(block)


def test_it_cites_the_rules_each_incident_breaks_with_their_source(
    letter_case, lender_target, borrower, conduct_rules
):
    text = generate(letter_case, lender_target, borrower)

    call = incident_block(text, "2026年11月20日 21:30")
    sms = incident_block(text, "2026年11月21日 23:40")
    # An unchecked source is not cited: the conduct is, with what was found.
    assert "涉嫌违反：“向无关第三方催收”" in call
    assert "依据" not in call and "未经核实" not in call
    assert "夜间" not in call  # 21:30 is before quiet hours
    assert "“夜间催收（22:00至次日8:00）”（北京时间23:40，属22:00至08:00时段）" in sms
    assert "“恐吓、威胁”" in sms
    # The CBA's night rule is about calls and visits; this was an SMS.
    assert "夜间致电或上门" not in sms


def test_it_drops_the_caveat_once_an_admin_confirmed_the_rule(
    letter_case, lender_target, borrower, conduct_rules
):
    ConductRule.objects.filter(code="cba-third-parties").update(confirmed=True)

    call = incident_block(generate(letter_case, lender_target, borrower), "2026年11月20日 21:30")

    assert "“向无关第三方催收”（依据：中国银行业协会《金融机构个人消费类贷款催收工作指引（试行）》）" in call


def test_it_words_a_possible_breach_as_one_to_check(letter_case, lender_target, borrower, conduct_rules):
    IncidentFactory(
        complaint=letter_case,
        created=RECORDED,
        occurred_at=datetime(2026, 11, 22, 15, 0, tzinfo=CST),
        channel=Channel.VISIT,
        kind=HarassmentKind.VISIT,
    )

    visit = incident_block(generate(letter_case, lender_target, borrower), "2026年11月22日 15:00")

    assert "请一并核查是否违反：“上门催收须不少于2人”" in visit
    assert "涉嫌违反" not in visit


def test_it_cites_no_rule_that_is_switched_off(letter_case, lender_target, borrower, conduct_rules):
    ConductRule.objects.update(active=False)

    assert "涉嫌违反" not in generate(letter_case, lender_target, borrower)


def test_a_description_ending_in_a_full_stop_gets_only_one(borrower):
    from django.utils import timezone

    from complaints.models import Status
    from escalations.letters import letter_generate, resolve_target
    from tests.factories import ComplaintFactory, IncidentFactory

    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    IncidentFactory(complaint=complaint, description="说明天上门执行。")
    target = resolve_target(complaint, f"lender-{complaint.lender_id}")

    text = letter_generate(complaint=complaint, target=target, viewer=borrower, now=timezone.now())

    assert "上门执行。" in text
    assert "上门执行。。" not in text

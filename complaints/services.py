"""Everything that changes a complaint. Views validate input, then call one of these.

Each service checks who acts and the current state, raises ComplaintError with a
message for the user when the move is not allowed, and writes the timeline in the
same transaction as the change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.models import Consent
from audit.models import Action
from audit.services import audit_record
from lib import versions
from lib.china import CHINA_TZ
from lib.dates import past_day_problem, past_moment_problem
from lib.phones import parse_number_list

from . import hooks, permissions, registry, workflow
from .models import (
    COMPLAINTS_VERSION,
    SERIES_NUMBERS_LIMIT,
    Complaint,
    Incident,
    IncidentNumber,
    Lender,
    Status,
    TimelineEvent,
    normalize_collector_id,
)


class ComplaintError(Exception):
    """A change the role or the state does not allow; the message is for the user."""


COMPLAINT_FIELDS = (
    "filer_relation",
    "summary",
    "desired_outcomes",
    "province",
    "loan_amount",
    "loan_date",
    "is_overdue",
)
INCIDENT_FIELDS = (
    "occurred_at",
    "channel",
    "kind",
    "collector_id",
    "contacted",
    "contacted_count",
    "third_party_number",
    "description",
    "series_count",
    "ended_at",
)


def lender_find(name: str) -> Lender | None:
    """The brand a name refers to: its name, an alias, its pinyin or initials (merges followed)."""
    return registry.brand_find(name)


def lender_resolve(*, name: str, named_by: Any) -> Lender:
    """A known lender, or a new unconfirmed one that waits for an admin."""
    name = _lender_name(name)
    return lender_find(name) or _lender_add(name=name, named_by=named_by)


def lender_resolve_id(*, name: str, named_by: Any) -> int:
    """lender_resolve's lender, as its id: what a filing stores. A known name is answered
    from the cache (registry.brand_id_find)."""
    name = _lender_name(name)
    found = registry.brand_id_find(name)
    return found if found is not None else _lender_add(name=name, named_by=named_by).pk


def _lender_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ComplaintError(_("Please name the lender."))
    return name


def _lender_add(*, name: str, named_by: Any) -> Lender:
    lender, created = Lender.objects.get_or_create(
        name=name[:120], defaults={"named_by": named_by, "confirmed": False}
    )
    if created:
        registry.brands_changed()
    return lender


def incident_description_limit() -> int:
    return Incident._meta.get_field("description").max_length or 5000


def incidents_check(*, complaint: Complaint | None, new: list[Mapping[str, Any]]) -> None:
    """Refuse incidents a complaint cannot take: too many in all, or one too long.

    Every incident becomes a paragraph of every letter (and of its PDF), so an unbounded
    list is unbounded work for whoever renders one. Forms check lengths too; this is the
    rule for every caller. The caller holds the complaint's row lock, so two requests
    cannot both take the last place.
    """
    limit = incident_description_limit()
    for data in new:
        length = len(data.get("description") or "")
        if length > limit:
            raise ComplaintError(
                _(
                    "An incident's description can be at most %(limit)d characters; this one has "
                    "%(length)d. Keep the collector's exact words and shorten the rest."
                )
                % {"limit": limit, "length": length}
            )
    most = settings.COMPLAINT_MAX_INCIDENTS
    have = complaint.incidents.count() if complaint is not None and complaint.pk else 0
    if have + len(new) > most:
        raise ComplaintError(
            _(
                "A complaint can hold at most %(most)d incidents (this one has %(have)d, and you "
                "added %(added)d). Describe repeated calls or messages together in one incident, "
                "for example “about 40 calls from 3 numbers, 1–10 May”."
            )
            % {"most": most, "have": have, "added": len(new)}
        )


def incident_room(complaint: Complaint) -> int:
    """How many more incidents the complaint can take."""
    return max(0, settings.COMPLAINT_MAX_INCIDENTS - complaint.incidents.count())


def _apply_incident(incident: Incident, data: Mapping[str, Any], *, now: datetime) -> None:
    occurred_at = data.get("occurred_at")
    if occurred_at is not None:
        problem = past_moment_problem(occurred_at, now=now)
        if problem:
            raise ComplaintError(problem)
    for field in INCIDENT_FIELDS:
        if field in data:
            setattr(incident, field, data[field] if data[field] is not None else "")
    if incident.contacted_count == "":
        incident.contacted_count = None
    if incident.series_count == "":
        incident.series_count = None
    if incident.ended_at == "":
        incident.ended_at = None
    _check_series(incident)
    incident.collector_id_normalized = normalize_collector_id(incident.collector_id)


def _check_series(incident: Incident) -> None:
    """A series runs forward within one Beijing day: the daily limits of the conduct rules
    count all its calls on that day (escalations.conduct)."""
    start, end = incident.occurred_at, incident.ended_at
    if end is None:
        return
    if incident.series_count is None:
        raise ComplaintError(_("Say how many calls or messages the series had."))
    if end < start:
        raise ComplaintError(_("A series cannot end before it starts."))
    if end.astimezone(CHINA_TZ).date() != start.astimezone(CHINA_TZ).date():
        raise ComplaintError(
            _("A series is recorded a day at a time (Beijing time): record the next day as another.")
        )


def series_numbers(data: Mapping[str, Any]) -> list[str]:
    """The numbers of a series as the caller gave them (a pasted text or a list), normalised,
    each once; refused when there are too many."""
    raw = data.get("series_numbers") or []
    numbers, _bad = parse_number_list(raw if isinstance(raw, str) else "\n".join(raw))
    if len(numbers) > SERIES_NUMBERS_LIMIT:
        raise ComplaintError(
            _("At most %(limit)d numbers in one series; this list has %(count)d.")
            % {"limit": SERIES_NUMBERS_LIMIT, "count": len(numbers)}
        )
    return numbers


def _numbers_rows(incident: Incident, numbers: list[str]) -> list[IncidentNumber]:
    return [IncidentNumber(incident=incident, complaint_id=incident.complaint_id, number=n) for n in numbers]


def incident_collector_keys(complaint: Complaint, incidents: Iterable[Incident]) -> list[str]:
    """Every collector key the complaint's incidents name: their own numbers and their series'."""
    incidents = list(incidents)
    keys = {i.collector_id_normalized for i in incidents}
    # Only a series has numbers of its own (incident_add gives one a count): most
    # complaints have none, and no query is spent on them.
    if any(i.is_series for i in incidents):
        keys.update(IncidentNumber.objects.filter(complaint=complaint).values_list("number", flat=True))
    return sorted(k for k in keys if k)


def timeline_log(
    complaint: Complaint,
    *,
    kind: str,
    actor: Any,
    now: datetime,
    note: str = "",
    code: str = "",
    params: dict[str, Any] | None = None,
    from_status: str = "",
    to_status: str = "",
    internal: bool = False,
) -> TimelineEvent:
    """One timeline entry. What the system says goes in `code` and `params` (rendered in
    each reader's language, see complaints/timeline_text.py); `note` is only for what a
    person typed, shown as typed."""
    event = _timeline_row(
        complaint,
        now=now,
        params=params,
        kind=kind,
        actor=actor,
        note=note,
        code=code,
        from_status=from_status,
        to_status=to_status,
        internal=internal,
    )
    event.save(force_insert=True)
    return event


def _timeline_row(
    complaint: Complaint, *, now: datetime, params: dict[str, Any] | None = None, **fields: Any
) -> TimelineEvent:
    """timeline_log's entry, not saved yet: for writing several in one INSERT."""
    return TimelineEvent(complaint=complaint, created=now, params=params or {}, **fields)


def case_activity_emit(
    kind: str, complaint: Complaint, actor: Any, now: datetime, object_id: int, detail: str = ""
) -> None:
    """Tell whom it concerns once this is committed (complaints.hooks.case_activity): a
    rollback tells nobody, and a broker or mail server down never undoes the change.
    For every app that emits (cases, evidence, escalations), so each does it the same way."""
    event = hooks.CaseActivity(
        kind=kind, complaint=complaint, actor=actor, at=now, object_id=object_id, detail=detail
    )
    transaction.on_commit(lambda: hooks.case_activity(event), robust=True)


@transaction.atomic
def complaint_save_draft(
    *,
    filer: Any,
    lender_name: str,
    funding_name: str = "",
    data: Mapping[str, Any],
    incidents: Iterable[Mapping[str, Any]] = (),
    complaint: Complaint | None = None,
    now: datetime | None = None,
) -> Complaint:
    """Create a draft, or update one the filer owns; new incidents are appended."""
    saved, _added = _save_draft(
        filer=filer,
        lender_name=lender_name,
        funding_name=funding_name,
        data=data,
        incidents=incidents,
        complaint=complaint,
        now=now,
    )
    return saved


def complaint_file(
    *,
    filer: Any,
    lender_name: str,
    funding_name: str = "",
    data: Mapping[str, Any],
    incidents: Iterable[Mapping[str, Any]] = (),
    complaint: Complaint | None = None,
    now: datetime | None = None,
) -> Complaint:
    """Save the draft and submit it, in one transaction: the filing form's "submit".

    The same rules as complaint_save_draft then complaint_submit, in fewer round trips
    (one BEGIN and COMMIT, and the draft's row lock is the submission's). Should either
    refuse, nothing is saved and ComplaintError is raised: the caller may then save the
    draft alone, so that nothing typed is lost."""
    now = now or timezone.now()

    def submitted_row(new: Complaint, built: list[Incident]) -> None:
        # A new complaint is checked as the submission would be, then written submitted
        # in its one INSERT (an UPDATE fewer, and one round trip).
        _transition_check(complaint=new, actor=filer, to_status=Status.SUBMITTED, named=built)
        new.status = Status.SUBMITTED
        new.submitted_at = now

    with transaction.atomic():
        saved, added = _save_draft(
            filer=filer,
            lender_name=lender_name,
            funding_name=funding_name,
            data=data,
            incidents=incidents,
            complaint=complaint,
            now=now,
            bump=False,  # the submission bumps it, in this transaction
            log_created=False,  # written with the submission's entry
            before_insert=submitted_row,
        )
        # Locked already: a new complaint is seen by nobody before the commit, and a
        # draft being edited was locked by _save_draft. A new complaint's incidents are
        # the ones just added: they are not read back.
        return _transition(
            complaint=saved,
            actor=filer,
            to_status=Status.SUBMITTED,
            now=now,
            locked=True,
            incidents=added if complaint is None else None,
            created_by=filer if complaint is None else None,
            inserted=complaint is None,
        )


def _save_draft(
    *,
    filer: Any,
    lender_name: str,
    funding_name: str,
    data: Mapping[str, Any],
    incidents: Iterable[Mapping[str, Any]],
    complaint: Complaint | None,
    now: datetime | None,
    bump: bool = True,
    log_created: bool = True,
    before_insert: Callable[[Complaint, list[Incident]], None] | None = None,
) -> tuple[Complaint, list[Incident]]:
    """complaint_save_draft's work, in the caller's transaction: the complaint, and the
    incidents it added. `bump`: False when the caller bumps the complaints' version itself
    in the same transaction (complaint_file, whose submission does); `log_created`: False
    when the caller writes a new complaint's "created" entry itself (complaint_file, with
    the submission's, in one INSERT). `before_insert`: called with a new complaint and
    its incidents, all unsaved, just before they are written; it may refuse
    (ComplaintError) or change the complaint's row (complaint_file submits it)."""
    now = now or timezone.now()
    incidents = list(incidents)
    # Lengths first, before anything is written; the count once the draft is locked.
    incidents_check(complaint=None, new=incidents)
    lender_id = lender_resolve_id(name=lender_name, named_by=filer)
    funding = (
        registry.institution_resolve(name=funding_name, named_by=filer) if funding_name.strip() else None
    )
    if complaint is None:
        complaint = Complaint(filer=filer, status=Status.DRAFT, created=now, status_changed_at=now)
        is_new = True
    else:
        complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if not permissions.can_edit_details(filer, complaint):
            raise ComplaintError(_("Only a draft can be edited, and only by the person who filed it."))
        incidents_check(complaint=complaint, new=incidents)
        is_new = False
    if data.get("loan_date"):
        problem = past_day_problem(data["loan_date"], today=timezone.localdate(now))
        if problem:
            raise ComplaintError(problem)
    complaint.lender_id = lender_id
    complaint.funding_institution = funding
    for field in COMPLAINT_FIELDS:
        if field in data:
            setattr(complaint, field, data[field])
    if complaint.summary is None:
        complaint.summary = ""
    new_incidents = []
    numbers = []
    for incident_data in incidents:
        # A new complaint has no id yet: each incident takes it when it is written below.
        incident = Incident(complaint=complaint, created_by=filer, created=now)
        _apply_incident(incident, incident_data, now=now)
        found = series_numbers(incident_data)
        if found and incident.series_count is None:
            incident.series_count = len(found)  # each number called at least once
        new_incidents.append(incident)
        numbers.append(found)
    if is_new and before_insert is not None:
        before_insert(complaint, new_incidents)
    complaint.save()
    if is_new and log_created:
        timeline_log(complaint, kind=TimelineEvent.Kind.CREATED, actor=filer, now=now)
    # One INSERT for all of them: incidents have no save() logic or per-row signal to skip.
    Incident.objects.bulk_create(new_incidents)
    IncidentNumber.objects.bulk_create(
        [
            row
            for incident, found in zip(new_incidents, numbers, strict=True)
            for row in _numbers_rows(incident, found)
        ]
    )
    if bump:
        versions.bump(COMPLAINTS_VERSION)
    return complaint, new_incidents


@transaction.atomic
def incident_add(
    *, complaint: Complaint, actor: Any, data: Mapping[str, Any], now: datetime | None = None
) -> Incident:
    now = now or timezone.now()
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if not permissions.can_add_incident(actor, complaint):
        raise ComplaintError(_("You cannot add incidents to this complaint."))
    incidents_check(complaint=complaint, new=[data])
    incident = Incident(complaint=complaint, created_by=actor, created=now)
    _apply_incident(incident, data, now=now)
    numbers = series_numbers(data)
    if numbers and incident.series_count is None:
        incident.series_count = len(numbers)  # each number called at least once
    incident.save()
    IncidentNumber.objects.bulk_create(_numbers_rows(incident, numbers))
    versions.bump(COMPLAINTS_VERSION)
    if not complaint.is_draft:
        hooks.collectors_changed([incident.collector_id_normalized, *numbers])
        # Drafts are still being written; after filing, each new incident is news.
        timeline_log(
            complaint,
            kind=TimelineEvent.Kind.INCIDENT,
            actor=actor,
            now=now,
            # The code, not its label: each reader sees it in their own language.
            code="incident",
            params={"kind": incident.kind},
        )
        if actor.pk == complaint.filer_id:
            case_activity_emit(hooks.Activity.INCIDENT_ADDED, complaint, actor, now, incident.pk)
    return incident


def submission_problems(
    *, filer: Any, summary: str, has_incidents: bool, session: Any = None
) -> dict[str, str]:
    """What stops a complaint from being submitted, by the field to fix: the filing form
    shows each beside its field, and `complaint_transition` refuses with all of them.
    `session`: the filing form's request's, which may already know the consent."""
    problems = {}
    if not (summary or "").strip():
        problems["summary"] = _("Please describe what happened before you submit.")
    if not has_incidents:
        problems["incidents"] = _("Please record at least one incident before you submit.")
    # Incidents name relatives and colleagues, recordings carry their voices: sensitive
    # information that advocates may see only with the filer's recorded consent (PIPL 29).
    if not account_services.has_consented(filer, Consent.Purpose.SENSITIVE, session=session):
        problems["consent_sensitive"] = _(
            "Please agree to how sensitive information is handled before you submit."
        )
    return problems


@transaction.atomic
def complaint_transition(
    *,
    complaint: Complaint,
    actor: Any,
    to_status: str,
    note: str = "",
    now: datetime | None = None,
    by_escalation: bool = False,
    code: str = "",
    params: dict[str, Any] | None = None,
) -> Complaint:
    """Move a complaint to `to_status` if the workflow allows it for this actor.

    The row is locked first, so two people pressing buttons at once cannot both act on
    the same old status. "Waiting for the lender / a regulator" only comes with an
    escalation (`by_escalation`, escalations.services). Submitting needs a summary, an
    incident and the filer's consent. Writes the timeline and the audit trail.
    """
    return _transition(
        complaint=complaint,
        actor=actor,
        to_status=to_status,
        note=note,
        now=now,
        by_escalation=by_escalation,
        code=code,
        params=params,
    )


def _transition_allowed(
    *,
    complaint: Complaint,
    actor: Any,
    src: str,
    to_status: str,
    note: str = "",
    code: str = "",
    by_escalation: bool = False,
) -> None:
    """The workflow's rules for a move from `src` to `to_status` by this actor: raises
    ComplaintError. What a submission needs besides is `_submission_check`'s."""
    if to_status not in Status.values:
        raise ComplaintError(_("Unknown status."))
    if src == to_status:
        raise ComplaintError(_("The complaint already has this status."))
    if (src, to_status) not in workflow.TRANSITIONS:
        raise ComplaintError(
            _("A complaint cannot go from “%(src)s” to “%(dst)s”.")
            % {"src": Status(src).label, "dst": Status(to_status).label}
        )
    if not workflow.is_allowed(src, to_status, permissions.actor_kinds(actor, complaint)):
        raise ComplaintError(_("You are not allowed to make this change."))
    if to_status in workflow.ESCALATION_ONLY and not by_escalation:
        raise ComplaintError(
            _("Record where you sent the complaint (under “Escalations”): the status follows from it.")
        )
    # A system's reason (a message code) counts as one: reopening on a follow-up's answer.
    if workflow.needs_reason(src, to_status) and not note and not code:
        raise ComplaintError(_("Please say why."))


def _submission_check(*, complaint: Complaint, actor: Any, named: list[Incident] | None) -> None:
    """A (first or renewed) submission's needs: raises ComplaintError with all that is
    missing. `named`: the complaint's incidents when the caller holds them all (a first
    submission); None to ask the database whether it has any."""
    problems = submission_problems(
        # The person pressing "submit" is the filer: their object already knows.
        filer=actor if getattr(actor, "pk", None) == complaint.filer_id else complaint.filer,
        summary=complaint.summary,
        has_incidents=bool(named) if named is not None else complaint.incidents.exists(),
    )
    if problems:
        raise ComplaintError(" ".join(problems.values()))


def _transition_check(*, complaint: Complaint, actor: Any, to_status: str, named: list[Incident]) -> None:
    """Every rule of moving this complaint, as it is in memory (not yet written), to
    `to_status`; `named`: all its incidents (complaint_file, before the INSERT)."""
    _transition_allowed(complaint=complaint, actor=actor, src=complaint.status, to_status=to_status)
    if to_status == Status.SUBMITTED:
        _submission_check(complaint=complaint, actor=actor, named=named)


def _transition(
    *,
    complaint: Complaint,
    actor: Any,
    to_status: str,
    note: str = "",
    now: datetime | None = None,
    by_escalation: bool = False,
    locked: bool = False,
    code: str = "",
    params: dict[str, Any] | None = None,
    incidents: list[Incident] | None = None,
    created_by: Any = None,
    inserted: bool = False,
) -> Complaint:
    """complaint_transition's work, in the caller's transaction. `locked`: the caller
    holds the row's lock on this very object in this transaction (complaint_file).
    `incidents`: every incident the complaint has, when the caller holds them all (it
    has just made the complaint and them, in this transaction). `created_by`: the caller
    has just made the complaint and left its "created" entry to be written here, before
    this change's, in the same INSERT. `inserted`: the caller checked this change
    (`_transition_check`) and wrote the new complaint's row with it already, so it comes
    from a draft and only what goes with the change is left to write."""
    now = now or timezone.now()
    if not locked:
        complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    note = (note or "").strip()
    src = Status.DRAFT if inserted else complaint.status
    if not inserted:
        _transition_allowed(
            complaint=complaint,
            actor=actor,
            src=src,
            to_status=to_status,
            note=note,
            code=code,
            by_escalation=by_escalation,
        )
    # Collector profiles leave drafts out: entering or leaving one changes the counts of the
    # numbers its incidents name. A first submission also needs to know there are incidents.
    first_submission = to_status == Status.SUBMITTED and (inserted or complaint.submitted_at is None)
    if not (first_submission or Status.DRAFT in (src, to_status)):
        named = []
    elif incidents is not None:
        named = incidents
    else:
        named = list(
            complaint.incidents.only("pk", "complaint", "collector_id_normalized", "series_count", "ended_at")
        )
    keys = incident_collector_keys(complaint, named) if named else []
    if to_status == Status.SUBMITTED and not inserted:
        # A first submission (also a discarded draft reopened) or a reopening: either way
        # the complaint goes (again) to people who read it.
        _submission_check(complaint=complaint, actor=actor, named=named if first_submission else None)
    if first_submission:
        complaint.submitted_at = now
        # Tell the borrower it arrived without waiting for the next scheduled sweep. If the
        # broker is down, robust=True keeps the submission; the scheduled sweep catches up.
        transaction.on_commit(hooks.submitted, robust=True)
    hooks.collectors_changed(keys)
    complaint.status = to_status
    complaint.status_changed_at = now
    if not inserted:
        complaint.save(update_fields=["status", "status_changed_at", "submitted_at", "updated"])
    versions.bump(COMPLAINTS_VERSION)
    change = _timeline_row(
        complaint,
        kind=TimelineEvent.Kind.STATUS,
        actor=actor,
        now=now,
        note=note,
        code=code,
        params=params,
        from_status=src,
        to_status=to_status,
    )
    if created_by is None:
        change.save(force_insert=True)
        event = change
    else:
        # The two rows timeline_log would write, in their order, in one INSERT.
        created = _timeline_row(complaint, kind=TimelineEvent.Kind.CREATED, actor=created_by, now=now)
        _created, event = TimelineEvent.objects.bulk_create([created, change])
    audit_record(actor=actor, action=Action.STATUS_CHANGE, complaint=complaint, detail=to_status)
    # The borrower hears when someone else moved their complaint; a draft's moves are
    # the filer's alone.
    if src != Status.DRAFT and getattr(actor, "pk", None) != complaint.filer_id:
        case_activity_emit(hooks.Activity.STATUS_CHANGED, complaint, actor, now, event.pk, detail=to_status)
    return complaint


def complaint_submit(*, complaint: Complaint, actor: Any, now: datetime | None = None) -> Complaint:
    return complaint_transition(complaint=complaint, actor=actor, to_status=Status.SUBMITTED, now=now)


def lenders_matching(query: str, limit: int = 20) -> list[Lender]:
    """Brands for the filing form's suggestions: confirmed ones, by any name or pinyin."""
    return registry.brands_matching(query, limit=limit)


@transaction.atomic
def complaint_set_lenders(
    *,
    complaint: Complaint,
    actor: Any,
    brand_name: str,
    funder_name: str,
    now: datetime | None = None,
) -> Complaint:
    """Name the brand and the funder (the lender in the loan contract) at any time before
    closing. A funder that matches no institution becomes an unconfirmed one for admins.
    The route is worked out from the complaint each time it is shown, so a new funder
    changes it at once; the timeline says so in the borrower's words."""
    now = now or timezone.now()
    # Only the complaint's row is locked: PostgreSQL cannot lock the nullable side of the
    # outer join that fetches the funder.
    complaint = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("lender", "funding_institution")
        .get(pk=complaint.pk)
    )
    if not permissions.can_change_lenders(actor, complaint):
        raise ComplaintError(_("You cannot change the lender of this complaint."))
    brand = lender_resolve(name=brand_name, named_by=actor)
    funder = registry.institution_resolve(name=funder_name, named_by=actor) if funder_name.strip() else None
    old_brand, old_funder = complaint.lender, complaint.funding_institution
    if brand.pk == old_brand.pk and (funder and funder.pk) == (old_funder and old_funder.pk):
        return complaint
    complaint.lender = brand
    complaint.funding_institution = funder
    complaint.save(update_fields=["lender", "funding_institution", "updated"])
    versions.bump(COMPLAINTS_VERSION)
    if not complaint.is_draft:
        params: dict[str, Any] = {}
        if brand.pk != old_brand.pk:
            params.update(old_brand=old_brand.name, new_brand=brand.name)
        if (funder and funder.pk) != (old_funder and old_funder.pk):
            params.update(
                old_funder=old_funder.name if old_funder else "", new_funder=funder.name if funder else ""
            )
        timeline_log(
            complaint,
            kind=TimelineEvent.Kind.EDITED,
            actor=actor,
            now=now,
            code="lenders_changed",
            params=params,
        )
    return complaint

"""The reminder sweep: plan what is due, cancel what no longer applies, send what waits.

Safe to run any number of times, on any number of workers at once:
- planning inserts with the unique (recipient, kind, object, due moment) constraint, so a
  second sweep finds the reminder already there and creates nothing;
- sending claims each delivery with a conditional UPDATE; only the sweep whose UPDATE
  changed the row sends it.
Services take `now`; nothing here reads the clock itself.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import cached_property
from time import monotonic
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, connection, transaction
from django.db.models import DateTimeField, Exists, ExpressionWrapper, F, Min, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import events
from accounts.models import Role
from cases import followups as case_followups
from cases.models import FollowUp, InfoRequest
from complaints.hooks import Activity, CaseActivity
from complaints.models import Complaint, Incident, Status, TimelineEvent
from escalations import workdays
from escalations.services import answered_ids_subquery, awaiting_answer
from lib.china import CHINA_TZ
from lib.sms import sms_backend
from regulators.models import Regulator

from .models import Channel, Delivery, Kind, Preference, Reminder

logger = logging.getLogger(__name__)

QUIET_START, QUIET_END = time(21, 0), time(8, 0)
MAX_ATTEMPTS = 5
# A send claimed this long ago without an outcome belongs to a worker that died.
STALE_CLAIM = timedelta(minutes=10)

DRAFT_AFTER = timedelta(hours=24)
REVIEW_AFTER = timedelta(hours=48)
INFO_AFTER = timedelta(days=3)
DUE_SOON = timedelta(days=2)
LIMITATION = timedelta(days=3 * 365)
CLOSED = (Status.RESOLVED, Status.CLOSED)
# Reminders of one kind planned per sweep at most; the rest wait for the next sweep.
PER_SWEEP = 500
# The bell's count is forgotten whenever a reminder changes; this only bounds a miss.
UNREAD_SECONDS = 300


@dataclass
class Due:
    """A reminder the planner found due, before it exists."""

    recipient: Any
    kind: str
    object_id: int
    due_at: datetime
    complaint: Complaint | None = None
    params: dict[str, Any] = field(default_factory=dict)


# Quiet hours ---------------------------------------------------------------------------


def preference_for(user: Any) -> Preference:
    pref = getattr(user, "_notification_preference", None)
    if pref is None:
        pref = Preference.objects.filter(user=user).first() or Preference(user=user)
        user._notification_preference = pref
    return pref


def channels_for(user: Any) -> list[str]:
    pref = preference_for(user)
    channels = [Channel.APP]
    if pref.email and user.email:
        channels.append(Channel.EMAIL)
    if pref.sms and user.phone:
        channels.append(Channel.SMS)
    return channels


def send_after(user: Any, channel: str, now: datetime) -> datetime:
    """When a channel may be used: at once, or at 08:00 Beijing time after quiet hours."""
    if channel == Channel.APP or not preference_for(user).quiet_hours:
        return now
    local = now.astimezone(CHINA_TZ)
    if local.time() >= QUIET_START:
        return datetime.combine(local.date() + timedelta(days=1), QUIET_END, CHINA_TZ)
    if local.time() < QUIET_END:
        return datetime.combine(local.date(), QUIET_END, CHINA_TZ)
    return now


# What each kind says ------------------------------------------------------------------


@dataclass(frozen=True)
class _StoredComplaint:
    """All the texts read of a complaint, from the reminder's own data: the inbox renders
    a page of reminders with no complaint joined in."""

    reference: str

    def get_absolute_url(self) -> str:
        return ""  # the link is the reminder's own, stored


def _stored_params(due: Due) -> dict[str, Any]:
    return {**due.params, "_ref": due.complaint.reference} if due.complaint is not None else dict(due.params)


def reminder_text(reminder: Reminder) -> tuple[str, str]:
    """Title and body in the active language, for the reader of the inbox. What a person
    wrote (an advocate's request) is in the data as written; the rest is said again
    through gettext. A reminder from before its data was kept shows its stored text."""
    if reminder.params is None:
        return reminder.title, reminder.body
    params = dict(reminder.params)
    ref = params.pop("_ref", None)
    due = Due(
        recipient=None,
        kind=reminder.kind,
        object_id=reminder.object_id,
        due_at=reminder.due_at,
        complaint=_StoredComplaint(ref) if ref is not None else None,  # type: ignore[arg-type]
        params=params,
    )
    try:
        title, body, _link = _text(due)
    except (KeyError, TypeError, ValueError):
        return reminder.title, reminder.body
    return title[:200], body


def _text(due: Due) -> tuple[str, str, str]:
    """Title, body and link, in the recipient's language."""
    if due.kind in TOLD_KINDS:
        return _activity_text(due)
    p = due.params
    complaint = due.complaint
    ref = complaint.reference if complaint else ""
    link = complaint.get_absolute_url() if complaint else ""
    if due.kind == Kind.SUBMITTED:
        return (
            _("We received your complaint %(ref)s") % {"ref": ref},
            _(
                "Next: send it to the lender and keep adding incidents and evidence. We will remind you of every deadline."
            ),
            link,
        )
    if due.kind == Kind.DRAFT_STALE:
        return (
            _("Your complaint %(ref)s is still a draft") % {"ref": ref},
            _(
                "Nobody can help until it is submitted. Finish it when you can; everything you typed is saved."
            ),
            reverse("complaints:edit", args=[ref]),
        )
    if due.kind == Kind.UNREVIEWED:
        return (
            _("Complaint %(ref)s waits for review") % {"ref": ref},
            _("It was submitted more than two days ago and no advocate has taken it yet."),
            link,
        )
    if due.kind == Kind.INFO_REQUEST:
        return (
            _("Your advocate is still waiting for information on %(ref)s") % {"ref": ref},
            p.get("message", ""),
            f"{link}#requests",
        )
    if due.kind == Kind.ESCALATION_DUE_SOON:
        return (
            _("%(target)s must answer by %(date)s") % {"target": _shown_target(p), "date": _shown_date(p)},
            _("If no answer comes by then, the next step is ready for you on the complaint page."),
            f"{link}#escalations",
        )
    if due.kind == Kind.ESCALATION_OVERDUE:
        body = _("The deadline passed on %(date)s without an answer.") % {"date": _shown_date(p)}
        if p.get("next_step"):
            body += " " + _("Next step: %(step)s") % {"step": p["next_step"]}
        return (
            _("%(target)s did not answer in time") % {"target": _shown_target(p)},
            body,
            f"{link}#escalations",
        )
    if due.kind in (Kind.LIMITATION_90, Kind.LIMITATION_30):
        return (
            _("%(days)d days left to go to court for %(ref)s") % {"days": p["days"], "ref": ref},
            _(
                "A civil claim must usually be brought within three years of the first incident (%(date)s). Legal aid (12348) can advise you."
            )
            % {"date": p["date"]},
            link,
        )
    if due.kind == Kind.DIRECTORY_DIGEST:
        return (
            _("%(n)d directory entries need checking") % {"n": p["n"]},
            _(
                "They were not verified for a year. Check their contacts and deadlines with the official sources."
            ),
            reverse("admin:regulators_regulator_changelist") + "?needs_checking=yes",
        )
    if due.kind == Kind.HOLIDAY_SCHEDULE:
        return (
            _("Enter the holiday schedule for %(years)s") % {"years": p["years"]},
            _(
                "The State Council's schedule of holidays and make-up working days is not entered, so due dates in that year are shown as estimates. Enter its days, then mark the year as entered: the deadlines still running are counted again."
            ),
            reverse("admin:escalations_holidayoverride_changelist"),
        )
    if due.kind == Kind.ACCOUNT_SECURITY:
        if p["event"] == events.TWO_FACTOR_REPLACED:
            title = _("Your two-step login was moved to a new phone")
        else:
            title = _("Two-step login was turned on for your account")
        return (
            title,
            _(
                "This happened on %(when)s. If it was not you, change your password at once and tell an administrator."
            )
            % {"when": p["when"]},
            reverse("my_data"),
        )
    if due.kind in (Kind.FOLLOWUP, Kind.HARASSMENT_CONTINUES):
        return _followup_text(due)
    raise ValueError(f"unknown reminder kind {due.kind}")


def _followup_text(due: Due) -> tuple[str, str, str]:
    p = due.params
    complaint = due.complaint
    ref = complaint.reference if complaint else ""
    round_label = FollowUp.Round(p["round"]).label
    if due.kind == Kind.FOLLOWUP:
        # The title is what an SMS says: no lender, nothing a person looking over the
        # borrower's shoulder would learn from.
        if p["round"] == FollowUp.Round.AT_CLOSE:
            body = _(
                "Your complaint %(ref)s was closed. Did the collectors leave you alone? One tap tells us; "
                "if they did not, the complaint is opened again for the advocates."
            ) % {"ref": ref}
        else:
            body = _(
                "%(when)s: did the collectors leave you alone? One tap tells us; if they did not, "
                "your complaint %(ref)s is opened again for the advocates."
            ) % {"when": round_label, "ref": ref}
        return (
            _("Did the harassment stop? Complaint %(ref)s") % {"ref": ref},
            body,
            reverse("cases:followup_answer", args=[ref, due.object_id]),
        )
    return (
        _("Harassment goes on: %(ref)s is open again") % {"ref": ref},
        _(
            "Asked %(when)s whether the harassment stopped, the borrower answered “%(answer)s”. "
            "The complaint is back in the queue."
        )
        % {"when": round_label, "answer": FollowUp.Answer(p["answer"]).label},
        f"{complaint.get_absolute_url()}#case-panel" if complaint else "",
    )


# Planning ----------------------------------------------------------------------------

# A sweep looks at what came due since the sweep before; every FULL_EVERY, at everything.
# Scanning everything every time cost a time that grows with the tables (the drafts, the
# answers awaited, three years of incidents: 1.5 s at 100,000 complaints with nothing to
# plan, `make bench`). What enters a window by an edit rather than by time passing (an
# incident logged late, a case released, a deadline re-estimated) is seen through the
# complaint's timeline, or else by the next full sweep.
FULL_EVERY = timedelta(hours=1)
# The window reaches this far behind the last sweep's moment: a request that started
# before it and committed after it wrote moments the last sweep could not see yet.
LOOK_BACK = timedelta(minutes=10)
SWEEP_MARK_KEY = "notifications:sweep:mark"
# More complaints touched than this since the sweep before (an import, a bulk change):
# a full sweep reads them faster than each planner would a list of their ids.
TOUCHED_AT_MOST = 5000


@dataclass
class Span:
    """What one sweep plans from: everything due by `now` (a full sweep, `since` None), or
    only what came due after `since` and what belongs to a complaint touched since then.
    `cut` is set when a planner stopped at its limit: what it left must be looked at again,
    so the next sweep's window does not move on."""

    now: datetime
    since: datetime | None = None
    full_at: datetime | None = None
    cut: bool = False

    def after(self, earliest: datetime) -> datetime:
        """`earliest`, or the window's start when it is later."""
        return earliest if self.since is None else max(earliest, self.since)

    def take(self, qs: QuerySet[Any], limit: int) -> list[Any]:
        rows = list(qs[:limit])
        self.cut |= len(rows) >= limit
        return rows

    @cached_property
    def touched(self) -> list[int]:
        """The complaints whose timeline moved in the window (a status, an assignment, an
        answer, an incident...): one index range, read once per sweep. As a list, each
        planner ORs it with its window, which PostgreSQL reads as two index scans."""
        assert self.since is not None
        return sorted(
            set(TimelineEvent.objects.filter(created__gt=self.since).values_list("complaint_id", flat=True))
        )


def _sweep_span(now: datetime, full: bool | None) -> Span:
    """Full if asked, if no sweep in the last FULL_EVERY was (the mark expires with it:
    lost, or unreadable, it means a full sweep, never a window too short), or if more
    complaints were touched since than TOUCHED_AT_MOST."""
    if full:
        return Span(now)
    try:
        mark = cache.get(SWEEP_MARK_KEY)
    except Exception:  # noqa: BLE001 - a store that cannot be read means "look at everything"
        mark = None
    if not mark or not (mark["full"] <= mark["last"] <= now < mark["full"] + FULL_EVERY):
        return Span(now)
    span = Span(now, since=mark["last"] - LOOK_BACK, full_at=mark["full"])
    return span if len(span.touched) <= TOUCHED_AT_MOST else Span(now)


def _sweep_remember(span: Span) -> None:
    """The next sweep's window starts here, unless a planner stopped at its limit: then
    it looks at the same window again, or, after a full sweep, at everything."""
    if span.cut:
        if span.since is None:
            with contextlib.suppress(Exception):
                cache.delete(SWEEP_MARK_KEY)
        return
    full_at = span.full_at or span.now
    with contextlib.suppress(Exception):
        cache.set(
            SWEEP_MARK_KEY,
            {"last": span.now, "full": full_at},
            max(1, int((full_at + FULL_EVERY - span.now).total_seconds())),
        )


class _ProbedExists(Exists):
    """EXISTS looked up row by row in the index (OFFSET 0 keeps PostgreSQL from turning it
    into a join). As an anti-join planned from stale statistics, as after many questions
    were asked at once, PostgreSQL read every reminder of the kind for each row: minutes
    at a million complaints (`make bench-xl`); probed, it costs one index lookup a row."""

    template = "EXISTS(%(subquery)s OFFSET 0)"


def _not_planned(kind: str) -> Exists:
    return _ProbedExists(Reminder.objects.filter(kind=kind, object_id=OuterRef("pk")))


def _plan_submitted(span: Span) -> Iterator[Due]:
    now = span.now
    qs = (
        Complaint.objects.exclude(status=Status.DRAFT)
        .filter(submitted_at__gte=span.after(now - timedelta(days=7)), submitted_at__lte=now)
        .filter(~_not_planned(Kind.SUBMITTED))
        .select_related("filer")
    )
    for c in qs:
        yield Due(c.filer, Kind.SUBMITTED, c.pk, c.submitted_at, c)


def _plan_draft_stale(span: Span) -> Iterator[Due]:
    now = span.now
    # One reminder per quiet spell: a draft edited again gets a new one. Those already
    # reminded are left out by the database; reading every stale draft each sweep and
    # comparing here took a second at 100,000 complaints (`make bench`).
    reminded = Reminder.objects.filter(
        kind=Kind.DRAFT_STALE,
        object_id=OuterRef("pk"),
        due_at=ExpressionWrapper(OuterRef("updated") + DRAFT_AFTER, output_field=DateTimeField()),
    )
    qs = Complaint.objects.filter(status=Status.DRAFT, updated__lte=now - DRAFT_AFTER)
    if span.since is not None:
        qs = qs.filter(updated__gt=span.since - DRAFT_AFTER)
    qs = qs.filter(~Exists(reminded)).select_related("filer").order_by("updated", "pk")
    for c in span.take(qs, PER_SWEEP):
        yield Due(c.filer, Kind.DRAFT_STALE, c.pk, c.updated + DRAFT_AFTER, c)


def _caseworkers_to_alert() -> list[Any]:
    User = get_user_model()
    advocates = list(User.objects.filter(role=Role.ADVOCATE, is_active=True))
    return advocates or list(User.objects.filter(role=Role.ADMIN, is_active=True))


def _plan_unreviewed(span: Span) -> Iterator[Due]:
    now = span.now
    qs = Complaint.objects.filter(
        status=Status.SUBMITTED, assignee__isnull=True, submitted_at__lte=now - REVIEW_AFTER
    )
    if span.since is not None:
        # Also a case released by its advocate after its two days went by.
        qs = qs.filter(Q(submitted_at__gt=span.since - REVIEW_AFTER) | Q(pk__in=span.touched))
    complaints = span.take(qs.filter(~_not_planned(Kind.UNREVIEWED)), 500)
    if not complaints:
        return
    for person in _caseworkers_to_alert():
        for c in complaints:
            yield Due(person, Kind.UNREVIEWED, c.pk, c.submitted_at + REVIEW_AFTER, c)


def _plan_info_requests(span: Span) -> Iterator[Due]:
    qs = InfoRequest.objects.filter(answered_at__isnull=True, created__lte=span.now - INFO_AFTER)
    if span.since is not None:
        qs = qs.filter(created__gt=span.since - INFO_AFTER)
    qs = qs.filter(~_not_planned(Kind.INFO_REQUEST)).select_related("complaint__filer")
    for r in qs:
        yield Due(
            r.complaint.filer,
            Kind.INFO_REQUEST,
            r.pk,
            r.created + INFO_AFTER,
            r.complaint,
            {"message": r.message},
        )


def _plan_limitation(span: Span) -> Iterator[Due]:
    now = span.now
    for kind, days in ((Kind.LIMITATION_90, 90), (Kind.LIMITATION_30, 30)):
        # Only incidents old enough to matter are grouped, which keeps this cheap.
        cutoff = now - LIMITATION + timedelta(days=days)
        # A reminder is still useful only if the first incident is within the window that
        # has not expired yet; complaints with an incident in it are the only candidates
        # (grouping every old incident of every complaint took a second at 100,000).
        candidates: Any = Incident.objects.filter(
            occurred_at__gt=now - LIMITATION, occurred_at__lte=cutoff
        ).values("complaint")
        if span.since is not None:
            # Those whose incidents crossed the line since, and those touched since (an
            # incident logged late, a case reopened), as a list: as a subquery, PostgreSQL
            # planned it as large as the whole window (0.1 s at 100,000 complaints).
            crossed = candidates.filter(occurred_at__gt=span.since - LIMITATION + timedelta(days=days))
            candidates = sorted({*crossed.values_list("complaint", flat=True), *span.touched})
            if not candidates:
                continue
        firsts = (
            Incident.objects.filter(occurred_at__lte=cutoff, complaint__in=candidates)
            .exclude(complaint__status__in=[Status.DRAFT, *CLOSED])
            .values("complaint")
            .annotate(first=Min("occurred_at"))
            # Already expired: a reminder now would only alarm (and would be looked at again
            # by every sweep if left to the loop below).
            .filter(first__gt=now - LIMITATION)
            .filter(~Exists(Reminder.objects.filter(kind=kind, object_id=OuterRef("complaint"))))
        )
        rows = {row["complaint"]: row["first"] for row in span.take(firsts, 1000)}
        for c in Complaint.objects.filter(pk__in=rows).select_related("filer"):
            first = rows[c.pk]
            expires = first + LIMITATION
            if expires <= now:
                continue  # already past: a reminder now would only alarm
            yield Due(
                c.filer,
                kind,
                c.pk,
                expires - timedelta(days=days),
                c,
                {"days": days, "date": first.astimezone(CHINA_TZ).date().isoformat()},
            )


def _admins_not_told(kind: str, week: int) -> QuerySet[Any]:
    """Active admins without this week's reminder of `kind`. Yielding those told already
    would make every sweep of the week meet an existing reminder, and its whole batch be
    planned again one at a time (`make bench`: 1,025 queries for 500 follow-ups)."""
    told = Reminder.objects.filter(recipient=OuterRef("pk"), kind=kind, object_id=week)
    return get_user_model().objects.filter(role=Role.ADMIN, is_active=True).filter(~Exists(told))


def _plan_directory_digest(span: Span) -> Iterator[Due]:
    now = span.now
    local = now.astimezone(CHINA_TZ)
    monday = datetime.combine(local.date() - timedelta(days=local.weekday()), time(9, 0), CHINA_TZ)
    if now < monday:
        return
    year, week, _day = local.isocalendar()
    stale = Regulator.objects.filter(active=True).filter(
        Q(verified_at__isnull=True) | Q(verified_at__lt=now - timedelta(days=365))
    )
    admins = list(_admins_not_told(Kind.DIRECTORY_DIGEST, year * 100 + week))
    n = stale.count() if admins else 0
    if not n:
        return
    for admin in admins:
        yield Due(admin, Kind.DIRECTORY_DIGEST, year * 100 + week, monday, None, {"n": n})


def _due_date(due_at: datetime) -> dict[str, Any]:
    """The day and whether it is an estimate, as data: "(estimate)" is said in the reader's
    language when the text is rendered (`_shown_date`)."""
    return {
        "date": due_at.astimezone(CHINA_TZ).date().isoformat(),
        "estimate": bool(workdays.estimate_reason(due_at)),
    }


def _target_params(escalation: Any) -> dict[str, str]:
    """The body's name, a regulator's in both languages: the inbox may be read in either."""
    params = {"target": str(escalation.target_name)}
    if escalation.regulator_id and escalation.regulator.name_en:
        params["target_en"] = escalation.regulator.name_en
    return params


def _shown_target(p: dict[str, Any]) -> str:
    if p.get("target_en") and (translation.get_language() or "").startswith("en"):
        return p["target_en"]
    return p["target"]


def _shown_date(p: dict[str, Any]) -> str:
    return _("%(date)s (estimate)") % {"date": p["date"]} if p.get("estimate") else p["date"]


def _plan_holiday_schedule(span: Span) -> Iterator[Due]:
    """Weekly, to admins: a year's State Council schedule is missing and it matters, either
    because a deadline still running ends in that year or because it is published now
    (usually in November) for the year after. Due dates in it are estimates until then."""
    now = span.now
    local = now.astimezone(CHINA_TZ)
    monday = datetime.combine(local.date() - timedelta(days=local.weekday()), time(9, 0), CHINA_TZ)
    if now < monday:
        return
    year, week, _day = local.isocalendar()
    admins = list(_admins_not_told(Kind.HOLIDAY_SCHEDULE, year * 100 + week))
    if not admins:
        return
    waiting = {
        d.year
        for d in awaiting_answer(due_before=datetime(local.year + 3, 1, 1, tzinfo=CHINA_TZ))
        .filter(due_at__gte=now)
        .dates("due_at", "year")
    }
    if local.month >= 11:
        waiting.add(local.year + 1)
    years = sorted(y for y in waiting if not workdays.schedule_known(y))
    if not years:
        return
    for admin in admins:
        yield Due(
            admin,
            Kind.HOLIDAY_SCHEDULE,
            year * 100 + week,
            monday,
            None,
            {"years": ", ".join(str(y) for y in years)},
        )


def _escalations_in(span: Span, qs: QuerySet[Any], came_due_after: datetime | None) -> QuerySet[Any]:
    """In an incremental sweep, those that came due in the window, and those of complaints
    touched since (recorded late, with their deadline already past)."""
    if came_due_after is None:
        return qs
    return qs.filter(Q(due_at__gt=came_due_after) | Q(complaint__in=span.touched))


def _plan_escalations(span: Span) -> Iterator[Due]:
    # Only escalations without their reminder yet, and a bounded number per sweep: working
    # out the next step costs a route per escalation (found by `make bench`: 31,000
    # overdue answers re-examined on every sweep took four minutes).
    now, since = span.now, span.since
    soon = _escalations_in(
        span,
        awaiting_answer(due_before=now + DUE_SOON + timedelta(microseconds=1)).filter(due_at__gt=now),
        since + DUE_SOON if since is not None else None,
    ).filter(~_not_planned(Kind.ESCALATION_DUE_SOON))
    for escalation in span.take(soon, PER_SWEEP):
        complaint = escalation.complaint
        yield Due(
            complaint.filer,
            Kind.ESCALATION_DUE_SOON,
            escalation.pk,
            escalation.due_at - DUE_SOON,
            complaint,
            {**_target_params(escalation), **_due_date(escalation.due_at)},
        )
    overdue = _escalations_in(
        span, awaiting_answer(due_before=now + timedelta(microseconds=1)), since
    ).filter(~_not_planned(Kind.ESCALATION_OVERDUE))
    for escalation in span.take(overdue, PER_SWEEP):
        complaint = escalation.complaint
        params = {
            **_target_params(escalation),
            **_due_date(escalation.due_at),
            "next_step": escalation.next_step_text,
        }
        yield Due(
            complaint.filer, Kind.ESCALATION_OVERDUE, escalation.pk, escalation.due_at, complaint, params
        )
        if complaint.assignee_id:
            yield Due(
                complaint.assignee,
                Kind.ESCALATION_OVERDUE,
                escalation.pk,
                escalation.due_at,
                complaint,
                params,
            )


# A question is told for a week after it was asked; a sweep that was down longer does not
# send a pile of old questions at once (each still waits on its complaint's page).
FOLLOWUP_TELL_WITHIN = timedelta(days=7)


def _plan_followups(span: Span) -> Iterator[Due]:
    """Tell the borrower about each question `cases.followups` asked (the sweep asks them
    just before planning, see `sweep`)."""
    qs = case_followups.followups_to_tell(since=span.after(span.now - FOLLOWUP_TELL_WITHIN)).filter(
        ~_not_planned(Kind.FOLLOWUP)
    )
    for f in span.take(qs, PER_SWEEP):
        yield Due(f.complaint.filer, Kind.FOLLOWUP, f.pk, f.asked_at, f.complaint, {"round": f.round})


PLANNERS = [
    _plan_submitted,
    _plan_draft_stale,
    _plan_unreviewed,
    _plan_info_requests,
    _plan_escalations,
    _plan_limitation,
    _plan_directory_digest,
    _plan_holiday_schedule,
    _plan_followups,
]


def _new_reminder(due: Due, now: datetime) -> Reminder:
    """The reminder `due` stands for, not saved yet, written in its recipient's language."""
    with translation.override(getattr(due.recipient, "language", None) or settings.LANGUAGE_CODE):
        title, body, link = _text(due)
    return Reminder(
        recipient=due.recipient,
        kind=due.kind,
        object_id=due.object_id,
        complaint=due.complaint,
        due_at=due.due_at,
        created=now,
        title=title[:200],
        body=body,
        link=link,
        params=_stored_params(due),
    )


def _new_deliveries(due: Due, reminder: Reminder, now: datetime) -> list[Delivery]:
    return [
        Delivery(
            reminder=reminder,
            channel=channel,
            send_after=send_after(due.recipient, channel, now),
            # In the app, a reminder is delivered by existing: the bell shows it.
            state=Delivery.State.SENT if channel == Channel.APP else Delivery.State.PENDING,
            sent_at=now if channel == Channel.APP else None,
        )
        for channel in channels_for(due.recipient)
    ]


def reminder_create(due: Due, *, now: datetime) -> Reminder | None:
    """The reminder and its deliveries; None if this very reminder already exists."""
    reminder = _new_reminder(due, now)
    try:
        with transaction.atomic():
            reminder.save(force_insert=True)
            Delivery.objects.bulk_create(_new_deliveries(due, reminder, now))
    except IntegrityError:
        return None  # another sweep planned it first
    forget_unread_counts([reminder.recipient_id])
    return reminder


def _attach_preferences(users: list[Any]) -> None:
    """Everyone's notification preferences in one query (preference_for reads them)."""
    missing = [u for u in users if getattr(u, "_notification_preference", None) is None]
    if not missing:
        return
    found = {p.user_id: p for p in Preference.objects.filter(user_id__in={u.pk for u in missing})}
    for user in missing:
        user._notification_preference = found.get(user.pk) or Preference(user=user)


def _reminders_create_all(found: list[Due], now: datetime) -> None:
    """Every reminder of `found` and its deliveries, in a few INSERTs. Raises IntegrityError
    if any of them exists already (a sweep running beside this one planned it)."""
    reminders = [_new_reminder(due, now) for due in found]
    Reminder.objects.bulk_create(reminders, batch_size=500)
    Delivery.objects.bulk_create(
        [
            delivery
            for due, reminder in zip(found, reminders, strict=True)
            for delivery in _new_deliveries(due, reminder, now)
        ],
        batch_size=1000,
    )


def reminders_plan(*, now: datetime, dry_run: bool = False, span: Span | None = None) -> list[Due]:
    """What is due now and not yet planned (in `span`, by default everything); created
    unless `dry_run`. Returns the new ones.

    All at once (a few INSERTs, the preferences in one query): the follow-up questions
    alone plan 500 a sweep, and one at a time cost 3 to 5 queries each. Should another
    sweep have planned some of them meanwhile, the batch is undone and made again without
    those; failing again, each is created on its own, skipping those that exist."""
    span = span or Span(now)
    found = [due for planner in PLANNERS for due in planner(span)]
    if dry_run or not found:
        return found
    _attach_preferences([due.recipient for due in found])
    if connection.features.can_return_rows_from_bulk_insert:
        for _attempt in range(2):
            try:
                with transaction.atomic():
                    _reminders_create_all(found, now)
            except IntegrityError:
                found = _not_existing(found)
            else:
                forget_unread_counts(due.recipient.pk for due in found)
                return found
    return [due for due in found if reminder_create(due, now=now) is not None]


def _not_existing(found: list[Due]) -> list[Due]:
    """Those of `found` whose reminder does not exist yet (one query)."""
    existing = set(
        Reminder.objects.filter(
            kind__in={due.kind for due in found}, object_id__in={due.object_id for due in found}
        ).values_list("recipient_id", "kind", "object_id", "due_at")
    )
    return [due for due in found if (due.recipient.pk, due.kind, due.object_id, due.due_at) not in existing]


# Cancelling ---------------------------------------------------------------------------


def _obsolete() -> Q:
    """Reminders whose reason went away: the draft was submitted, the answer arrived..."""
    q = Q(kind=Kind.DRAFT_STALE) & ~Q(complaint__status=Status.DRAFT)
    q |= Q(kind=Kind.UNREVIEWED) & (
        ~Q(complaint__status=Status.SUBMITTED) | Q(complaint__assignee__isnull=False)
    )
    q |= Q(kind=Kind.INFO_REQUEST) & Exists(
        InfoRequest.objects.filter(pk=OuterRef("object_id"), answered_at__isnull=False)
    )
    q |= Q(kind__in=[Kind.LIMITATION_90, Kind.LIMITATION_30]) & Q(complaint__status__in=CLOSED)
    q |= Q(kind__in=[Kind.ESCALATION_DUE_SOON, Kind.ESCALATION_OVERDUE]) & Exists(answered_ids_subquery())
    # A question answered, or no longer current: the complaint was reopened, or a newer one
    # was asked (each is told with its asking moment as `due_at`).
    q |= Q(kind=Kind.FOLLOWUP) & (
        ~Q(complaint__status__in=CLOSED)
        | Exists(FollowUp.objects.filter(pk=OuterRef("object_id"), answered_at__isnull=False))
        | Exists(FollowUp.objects.filter(complaint=OuterRef("complaint"), asked_at__gt=OuterRef("due_at")))
    )
    return q


def reminders_cancel_obsolete(*, now: datetime, complaints: list[int] | None = None) -> int:
    """Cancel the reminders whose reason went away: all of them, or only those of these
    `complaints` (an incremental sweep: those touched since the sweep before, and those
    just asked a newer question). What such a sweep misses (a change outside the timeline)
    the next full one finds; no reminder is sent obsolete meanwhile, as each batch is
    checked before it goes (`_without_obsolete`)."""
    qs = Reminder.objects.filter(cancelled_at__isnull=True)
    if complaints is not None:
        if not complaints:
            return 0
        qs = qs.filter(complaint__in=complaints)
    found = list(qs.filter(_obsolete()).order_by().values_list("pk", "recipient_id")[:5000])
    return _cancel(found, now)


def _cancel(found: list[tuple[int, int]], now: datetime) -> int:
    """Cancel these reminders (pk, recipient) and what they have not sent yet."""
    if not found:
        return 0
    ids = [pk for pk, _recipient in found]
    Reminder.objects.filter(pk__in=ids).update(cancelled_at=now)
    forget_unread_counts(recipient for _pk, recipient in found)
    Delivery.objects.filter(reminder__in=ids).exclude(state=Delivery.State.SENT).update(
        state=Delivery.State.CANCELLED
    )
    return len(ids)


# Sending ------------------------------------------------------------------------------


def _send_email(reminder: Reminder, connection: Any = None) -> None:
    user = reminder.recipient
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {"reminder": reminder, "url": settings.SITE_URL.rstrip("/") + reminder.link, "user": user}
        text = render_to_string("emails/reminder.txt", context)
        html = render_to_string("emails/reminder.html", context)
    message = EmailMultiAlternatives(reminder.title, text, to=[user.email], connection=connection)
    message.attach_alternative(html, "text/html")
    message.send()


def _send_sms(reminder: Reminder) -> None:
    text = f"{reminder.title} {settings.SITE_URL.rstrip('/')}{reminder.link}"
    sms_backend().send(reminder.recipient.phone, text)


def _waiting(now: datetime, claim: uuid.UUID | None = None) -> Q:
    """Deliveries nobody is sending: never tried, failed, or claimed by a sweep that died:
    one whose claim went stale, or the earlier run of this very task (`claim`)."""
    dead = Q(state=Delivery.State.SENDING, claimed_at__lt=now - STALE_CLAIM)
    if claim is not None:
        dead |= Q(state=Delivery.State.SENDING, claim=claim)
    return (Q(state__in=[Delivery.State.PENDING, Delivery.State.FAILED]) | dead) & Q(
        attempts__lt=MAX_ATTEMPTS
    )


def _claim(ids: list[int], now: datetime, claim: uuid.UUID | None = None) -> uuid.UUID:
    """The conditional UPDATE that makes these deliveries this sweep's and no one else's:
    a row another sweep claimed first no longer matches `_waiting`."""
    token = claim or uuid.uuid4()
    Delivery.objects.filter(_waiting(now, claim), pk__in=ids).update(
        state=Delivery.State.SENDING, claimed_at=now, attempts=F("attempts") + 1, claim=token
    )
    return token


# A record of each send, kept outside the database: with it, the marks of a batch can be
# written at its end (a query or two per batch) and a worker killed half way still sends
# nothing twice, because whoever takes the batch back reads here what went out. It lives
# in the default cache, which is Redis when REDIS_URL is set (NOTIFICATIONS_RECORD_SENDS):
# shared by every worker, and outliving them. A record is deleted once its mark is
# committed; it expires only if its row stayed claimed and unmarked for this long, far
# beyond STALE_CLAIM and the broker's redelivery (an hour), so whoever takes the row back
# still finds it.
SENT_RECORD_SECONDS = 24 * 3600


def _sent_key(pk: int) -> str:
    return f"notifications:sent:{pk}"


def _record_sent(pk: int) -> bool:
    """Note that this delivery went out (one Redis round trip, no query). False if the
    note could not be written: the caller marks it in the database at once instead."""
    try:
        cache.set(_sent_key(pk), 1, SENT_RECORD_SECONDS)
    except Exception as e:  # noqa: BLE001 - any failure of the store means "not recorded"
        logger.warning("could not record delivery %s as sent, marking as it goes: %s", pk, e)
        return False
    return True


def _recorded_sent(pks: list[int]) -> set[int] | None:
    """Which of these deliveries a run that died had sent without marking them; None if
    the records cannot be read (then nobody can tell, and none of them may be sent)."""
    try:
        found = cache.get_many([_sent_key(pk) for pk in pks])
    except Exception as e:  # noqa: BLE001 - unreadable records are unknown, whatever the cause
        logger.warning("could not read which deliveries were sent: %s", e)
        return None
    return {pk for pk in pks if _sent_key(pk) in found}


def _forget_sent(pks: list[int]) -> None:
    # Their rows are marked sent: no sweep takes them back, so a record that cannot be
    # deleted now does no harm and expires by itself.
    with contextlib.suppress(Exception):
        cache.delete_many([_sent_key(pk) for pk in pks])


class _Marks:
    """Outcomes of sent deliveries, written in bulk: one UPDATE for those sent, one for
    those failed (each with its own error), instead of one per message.

    A message sent and not yet marked would go out again if the process were killed
    before the marks are written (its claim goes stale, or the same task comes back with
    its claim). With the sends recorded (`recorded`, NOTIFICATIONS_RECORD_SENDS: on with
    Redis), each is noted right after it went, and the marks are written once, when the
    batch ends (even by an exception): whoever takes the batch back marks what the notes
    name instead of sending it. Should a note fail (Redis gone), the marks are written at
    once and from then on as without notes.

    Without notes, the marks are written whenever NOTIFICATIONS_MARK_EVERY_SECONDS has
    passed since the last write: a hard kill can repeat at most that many seconds of
    sending. The default, 0, marks each message as soon as it went (one UPDATE each)."""

    def __init__(self, now: datetime, *, recorded: bool) -> None:
        self.now = now
        self.recorded = recorded
        self.sent: list[int] = []
        self.failed: list[Delivery] = []
        self.since = monotonic()

    def add(self, delivery: Delivery, error: str | None) -> None:
        if error is None:
            self.sent.append(delivery.pk)
            if self.recorded and not _record_sent(delivery.pk):
                self.recorded = False
                self.write()
                return
        else:
            delivery.state, delivery.last_error = Delivery.State.FAILED, error
            self.failed.append(delivery)
        if not self.recorded and monotonic() - self.since >= settings.NOTIFICATIONS_MARK_EVERY_SECONDS:
            self.write()

    def add_sent_earlier(self, pk: int) -> None:
        """A delivery the notes say a dead run sent: marked with the rest, not sent again."""
        self.sent.append(pk)

    def write(self) -> None:
        if self.sent:
            sent = self.sent
            Delivery.objects.filter(pk__in=sent).update(
                state=Delivery.State.SENT, sent_at=self.now, last_error=""
            )
            if settings.NOTIFICATIONS_RECORD_SENDS:
                transaction.on_commit(lambda: _forget_sent(sent))
        if self.failed:
            Delivery.objects.bulk_update(self.failed, ["state", "last_error"])
        self.sent, self.failed, self.since = [], [], monotonic()


def _deliver(delivery: Delivery, *, connection: Any = None) -> str | None:
    """Send one claimed delivery: None if it went out, else the error to keep."""
    reminder = delivery.reminder
    try:
        if delivery.channel == Channel.EMAIL:
            _send_email(reminder, connection)
        elif delivery.channel == Channel.SMS:
            _send_sms(reminder)
    except Exception as e:  # noqa: BLE001 - any failure of a mail server or gateway is retried
        logger.warning("delivery %s failed: %s", delivery.pk, e)
        return f"{type(e).__name__}: {e}"[:300]
    return None


def _claimed(ids: list[int], token: uuid.UUID) -> list[Delivery]:
    return list(
        Delivery.objects.filter(pk__in=ids, claim=token)
        .select_related("reminder__recipient", "reminder__complaint")
        .order_by("send_after", "pk")
    )


def _without_sent_earlier(claimed: list[Delivery], token: uuid.UUID, marks: _Marks) -> list[Delivery]:
    """What is left to send of a claimed batch once the notes of earlier runs are read.

    A row claimed for the first time (one attempt, this one) cannot have gone out; one
    taken back from a run that died may have, and its note says so: it is marked sent
    with the batch, not sent again. If the notes cannot be read, such rows are not sent
    now: they keep this claim, get their attempt back, and are taken back once the claim
    goes stale (or by this task's next run), when the notes may be readable again."""
    again = [d.pk for d in claimed if d.attempts > 1]
    if not again:
        return claimed
    went = _recorded_sent(again)
    if went is None:
        marks.recorded = False
        Delivery.objects.filter(pk__in=again, claim=token).update(attempts=F("attempts") - 1)
        return [d for d in claimed if d.attempts <= 1]
    for pk in sorted(went):
        marks.add_sent_earlier(pk)
    return [d for d in claimed if d.pk not in went]


def _without_obsolete(claimed: list[Delivery], now: datetime) -> list[Delivery]:
    """A batch is checked just before it goes (one query): a reminder whose reason went
    away since it was planned is cancelled, not sent. An incremental sweep cancels only
    what the timelines show changed; this keeps anything else from being sent stale."""
    found = list(
        Reminder.objects.filter(pk__in={d.reminder_id for d in claimed}, cancelled_at__isnull=True)
        .filter(_obsolete())
        .values_list("pk", "recipient_id")
    )
    if not found:
        return claimed
    _cancel(found, now)
    gone = {pk for pk, _recipient in found}
    return [d for d in claimed if d.reminder_id not in gone]


def _send_claimed(ids: list[int], token: uuid.UUID, *, now: datetime) -> int:
    """Load what this claim won among `ids`, send it, mark the outcomes in bulk."""
    claimed = _claimed(ids, token)
    if not claimed:
        return 0
    marks = _Marks(now, recorded=settings.NOTIFICATIONS_RECORD_SENDS)
    if marks.recorded:
        claimed = _without_sent_earlier(claimed, token, marks)
    claimed = _without_obsolete(claimed, now)
    sent = 0
    # One mail session for the batch rather than one per message (an SMTP login each).
    # Opened before the first email; should opening fail, each send tries again itself
    # and its failure is kept like any other.
    connection, opened = get_connection(), False
    try:
        for delivery in claimed:
            if delivery.channel == Channel.EMAIL and not opened:
                opened = True
                with contextlib.suppress(Exception):
                    connection.open()
            error = _deliver(delivery, connection=connection)
            if error is not None and delivery.channel == Channel.EMAIL:
                # The server may have dropped the session: start a new one for the rest.
                with contextlib.suppress(Exception):
                    connection.close()
                opened = False
            sent += error is None
            marks.add(delivery, error)
    finally:
        if opened:
            with contextlib.suppress(Exception):
                connection.close()
        marks.write()
    return sent


def delivery_send(delivery: Delivery, *, now: datetime) -> bool:
    """Send one delivery if this call wins the claim. True if it was sent now."""
    return _send_claimed([delivery.pk], _claim([delivery.pk], now), now=now) == 1


def deliveries_send_ids(ids: list[int], *, now: datetime) -> int:
    """Send these deliveries now (say, just after the event they tell of), if they are due
    and no one else is sending them: the same claim as the sweep, so a sweep running at the
    same moment never sends one of them twice. Those still in quiet hours, cancelled or
    claimed elsewhere are left to the sweep. Returns how many went out."""
    due = list(
        Delivery.objects.filter(
            _waiting(now), pk__in=ids, send_after__lte=now, reminder__cancelled_at__isnull=True
        ).values_list("pk", flat=True)
    )
    if not due:
        return 0
    return _send_claimed(due, _claim(due, now), now=now)


def deliveries_due(*, now: datetime, limit: int = 500, claim: uuid.UUID | None = None) -> list[int]:
    return list(
        Delivery.objects.filter(
            _waiting(now, claim), send_after__lte=now, reminder__cancelled_at__isnull=True
        )
        .order_by("send_after", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def deliveries_send(*, now: datetime, limit: int = 500, claim: uuid.UUID | None = None) -> int:
    """Up to `limit` due deliveries: three queries to find, claim and load them, then the
    outcomes in bulk (one UPDATE for those sent, one for those failed): once per batch
    when each send is noted in Redis (NOTIFICATIONS_RECORD_SENDS), else per
    NOTIFICATIONS_MARK_EVERY_SECONDS of sending (by default one per message).

    `claim` names this run for good (the Celery task's id). A task whose worker was killed
    is delivered again with the same id, and takes back at once what its dead run had
    claimed and not marked, instead of leaving it to the STALE_CLAIM sweep. Celery delivers
    a message again only once its earlier run is over (acks late, a visibility timeout
    longer than any task may run), so the two never send side by side."""
    ids = deliveries_due(now=now, limit=limit, claim=claim)
    if not ids:
        return 0
    return _send_claimed(ids, _claim(ids, now, claim), now=now)


@dataclass
class SweepResult:
    planned: int
    cancelled: int
    sent: int


def sweep(
    *, now: datetime, dry_run: bool = False, claim: uuid.UUID | None = None, full: bool | None = None
) -> SweepResult:
    """Cancel, plan, send. `dry_run` plans only (everything), writes nothing and sends
    nothing. A sweep looks at what changed since the one before, and at everything when
    `full` or when no full sweep ran in the last FULL_EVERY (see `Span`)."""
    if dry_run:
        return SweepResult(planned=len(reminders_plan(now=now, dry_run=True)), cancelled=0, sent=0)
    span = _sweep_span(now, full)
    # "Did the harassment stop?": the questions due now exist before the planner tells them
    # (and the notice of the question before each is no longer current).
    asked = case_followups.followups_ask_due(now=now, since=span.since)
    span.cut |= len(asked) >= case_followups.PER_SWEEP
    changed = None if span.since is None else sorted({*span.touched, *asked})
    cancelled = reminders_cancel_obsolete(now=now, complaints=changed)
    planned = len(reminders_plan(now=now, span=span))
    sent = deliveries_send(now=now, claim=claim)
    _sweep_remember(span)
    return SweepResult(planned=planned, cancelled=cancelled, sent=sent)


def _unread_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def unread_count(user: Any) -> int:
    """The bell's number, shown on every page: cached per person until one of their
    reminders changes (a query on every page otherwise)."""
    count = cache.get(_unread_key(user.pk))
    if count is None:
        count = Reminder.objects.filter(
            recipient=user, read_at__isnull=True, cancelled_at__isnull=True, due_at__isnull=False
        ).count()
        cache.set(_unread_key(user.pk), count, UNREAD_SECONDS)
    return count


def forget_unread_counts(user_ids: Any) -> None:
    keys = [_unread_key(pk) for pk in set(user_ids)]
    if not keys:
        return
    cache.delete_many(keys)
    # Again once the change is committed: a page counting meanwhile still saw the old rows.
    transaction.on_commit(lambda: cache.delete_many(keys))


def reminder_mark_read(*, reminder: Reminder, now: datetime) -> Reminder:
    if reminder.read_at is None:
        reminder.read_at = now
        reminder.save(update_fields=["read_at"])
        forget_unread_counts([reminder.recipient_id])
    return reminder


def reminders_mark_all_read(*, user: Any, now: datetime) -> int:
    marked = Reminder.objects.filter(recipient=user, read_at__isnull=True).update(read_at=now)
    forget_unread_counts([user.pk])
    return marked


def tell_security_event(event: events.SecurityEvent) -> None:
    """Tell a person at once when their account's two-step login changes (registered in
    `NotificationsConfig.ready`): if it was not them, they must know today."""
    if event.kind not in events.TWO_FACTOR_KINDS:
        return
    local = timezone.localtime(event.at)
    due = Due(
        recipient=event.user,
        kind=Kind.ACCOUNT_SECURITY,
        object_id=0,
        due_at=event.at,
        params={"event": event.kind, "when": f"{local:%Y-%m-%d %H:%M}"},
    )
    reminder_create(due, now=event.at)


def tell_harassment_continues(event: CaseActivity) -> None:
    """The borrower said the harassment goes on after closing, and the case reopened: the
    assigned advocate is told at once (or, with nobody assigned, every advocate). Registered
    in `NotificationsConfig.ready`; called after commit."""
    if event.kind != Activity.HARASSMENT_CONTINUES or event.complaint is None:
        return
    followup = FollowUp.objects.filter(pk=event.object_id).first()
    if followup is None:
        return
    complaint = event.complaint
    assignee = complaint.assignee if complaint.assignee_id else None
    recipients = [assignee] if assignee is not None and assignee.is_active else _caseworkers_to_alert()
    told = []
    for person in recipients:
        if person.pk == getattr(event.actor, "pk", None):
            continue
        due = Due(
            person,
            Kind.HARASSMENT_CONTINUES,
            followup.pk,
            event.at,
            complaint,
            {"round": followup.round, "answer": followup.answer},
        )
        if reminder_create(due, now=event.at) is not None:
            told.append(person.pk)
    if told:
        # Email and SMS go out now, not at the next scheduled sweep. A broker that is down
        # loses nothing: the scheduled sweep sends them.
        from .tasks import nudge_sweep

        try:
            nudge_sweep()
        except Exception:  # the reminders exist; the scheduled sweep catches up
            logger.warning("could not queue a sweep after reopening %s", complaint.pk, exc_info=True)


# Told at once (issue 16) ----------------------------------------------------------------
# What happens on a case reaches the people it concerns when it happens, not at the next
# sweep: in the app at once, by email and SMS as soon as their quiet hours allow. The
# reminders above stay for what is still not done after days.

# The activity (complaints.hooks.Activity) each reminder kind tells.
TOLD_AT_ONCE: dict[str, str] = {
    Activity.INFO_REQUESTED: Kind.INFO_REQUESTED,
    Activity.ADVOCATE_MESSAGE: Kind.ADVOCATE_MESSAGE,
    Activity.STATUS_CHANGED: Kind.STATUS_CHANGED,
    Activity.REPLY_RECEIVED: Kind.REPLY_RECEIVED,
    Activity.MAIL_BOUNCED: Kind.MAIL_BOUNCED,
    Activity.INFO_ANSWERED: Kind.INFO_ANSWERED,
    Activity.INCIDENT_ADDED: Kind.INCIDENT_ADDED,
    Activity.EVIDENCE_ADDED: Kind.EVIDENCE_ADDED,
    Activity.MAIL_UNMATCHED: Kind.MAIL_UNMATCHED,
}
TOLD_KINDS = frozenset(TOLD_AT_ONCE.values())
# Who hears of what. A reply from a lender or regulator concerns both sides of the case.
TELL_BORROWER = frozenset(
    {
        Activity.INFO_REQUESTED,
        Activity.ADVOCATE_MESSAGE,
        Activity.STATUS_CHANGED,
        Activity.REPLY_RECEIVED,
        Activity.MAIL_BOUNCED,
    }
)
TELL_CASEWORKER = frozenset(
    {Activity.INFO_ANSWERED, Activity.INCIDENT_ADDED, Activity.EVIDENCE_ADDED, Activity.REPLY_RECEIVED}
)
# A bounce also stops the app from sending there until an admin checks the address (and a
# bounce is easy to forge), so the admins hear of it as well as the borrower.
TELL_ADMINS = frozenset({Activity.MAIL_UNMATCHED, Activity.MAIL_BOUNCED})
# The upload page sends each file on a request of its own, and a borrower often records
# several incidents in a row: one notice per complaint and half hour, not one per file.
GROUPED = frozenset({Kind.INCIDENT_ADDED, Kind.EVIDENCE_ADDED})
GROUP_WINDOW = timedelta(minutes=30)


def _inbound_queue_link(inbound_id: int = 0) -> str:
    # The admin queue of inbound mail (one message of it), where the escalations app
    # registers it; the admin index otherwise, so a notice never fails for want of a link.
    try:
        if inbound_id:
            return reverse("admin:escalations_inboundmail_change", args=[inbound_id])
        return reverse("admin:escalations_inboundmail_changelist")
    except NoReverseMatch:
        return reverse("admin:index")


def _activity_text(due: Due) -> tuple[str, str, str]:
    detail = due.params.get("detail", "")
    complaint = due.complaint
    if complaint is None:
        # MAIL_UNMATCHED, the only activity without a complaint.
        body = _("It was kept out of every case and waits in the admin queue: file it by hand or discard it.")
        return (
            _("Inbound mail could not be matched to a case"),
            f"{body}\n{detail}".strip(),
            _inbound_queue_link(),
        )
    ref = complaint.reference
    link = complaint.get_absolute_url()
    about = due.params.get("about", 0)
    if due.kind == Kind.INFO_REQUESTED:
        return (
            _("An advocate asked you something about %(ref)s") % {"ref": ref},
            detail or _("Open the complaint to read the request and answer it."),
            f"{link}#info-{about}",
        )
    if due.kind == Kind.ADVOCATE_MESSAGE:
        return (_("An advocate wrote to you about %(ref)s") % {"ref": ref}, detail, link)
    if due.kind == Kind.STATUS_CHANGED:
        status = Status(detail).label if detail in Status.values else ""
        return (
            _("Complaint %(ref)s is now: %(status)s") % {"ref": ref, "status": status},
            _("Open the complaint to see what changed and what comes next."),
            link,
        )
    if due.kind == Kind.REPLY_RECEIVED:
        return (
            _("A reply arrived on complaint %(ref)s") % {"ref": ref},
            detail or _("It is in the case: open the complaint to read it."),
            f"{link}#escalations",
        )
    if due.kind == Kind.MAIL_BOUNCED and due.recipient.pk != complaint.filer_id:
        # To the admins: the address is no longer used until one of them checks it.
        body = _(
            "The app no longer sends letters to this address. Check it, correct it in the "
            "directory (institutions), and clear its “bouncing since” date."
        )
        return (
            _("A complaint address bounced: %(target)s") % {"target": detail},
            body,
            _inbound_queue_link(about),
        )
    if due.kind == Kind.MAIL_BOUNCED:
        body = _("The address refused it. Send it another way: the complaint page shows where.")
        return (
            _("Your letter for %(ref)s could not be delivered") % {"ref": ref},
            f"{body}\n{detail}".strip(),
            f"{link}#escalations",
        )
    if due.kind == Kind.INFO_ANSWERED:
        # The answer itself stays in the case: an email is no place for what the borrower
        # wrote about their debts and their family.
        return (
            _("The borrower answered your request on %(ref)s") % {"ref": ref},
            _("Open the case to read the answer."),
            f"{link}#info-{about}",
        )
    if due.kind == Kind.INCIDENT_ADDED:
        return (
            _("New incidents on %(ref)s") % {"ref": ref},
            _("The borrower recorded what the collectors did again."),
            f"{link}#incidents",
        )
    if due.kind == Kind.EVIDENCE_ADDED:
        return (
            _("New evidence on %(ref)s") % {"ref": ref},
            _("The borrower added evidence files to the case."),
            f"{link}#evidence",
        )
    raise ValueError(f"unknown reminder kind {due.kind}")


def _is_caseworker(user: Any) -> bool:
    return bool(user is not None and user.is_active and user.is_caseworker)


def _activity_recipients(event: CaseActivity) -> list[Any]:
    """Who must hear of it: never the person who did it, never someone inactive."""
    people: list[Any] = []
    complaint = event.complaint
    if complaint is not None:
        if event.kind in TELL_BORROWER:
            people.append(complaint.filer)
        if event.kind in TELL_CASEWORKER:
            # The advocate on the case; while nobody took it, the advocates who might.
            assignee = complaint.assignee if complaint.assignee_id else None
            people.extend([assignee] if _is_caseworker(assignee) else _caseworkers_to_alert())
    if event.kind in TELL_ADMINS:
        people.extend(get_user_model().objects.filter(role=Role.ADMIN, is_active=True))
    actor_id = getattr(event.actor, "pk", None)
    seen: set[int] = set()
    found = []
    for person in people:
        if person.is_active and person.pk != actor_id and person.pk not in seen:
            seen.add(person.pk)
            found.append(person)
    # Everyone's channels and quiet hours in one query, not one per advocate of the pool
    # (this runs in the request that did the act).
    unknown = [p for p in found if getattr(p, "_notification_preference", None) is None]
    if unknown:
        prefs = {pref.user_id: pref for pref in Preference.objects.filter(user__in=[p.pk for p in unknown])}
        for person in unknown:
            person._notification_preference = prefs.get(person.pk) or Preference(user=person)
    return found


def _window_start(at: datetime) -> datetime:
    seconds = GROUP_WINDOW.total_seconds()
    return datetime.fromtimestamp(at.timestamp() // seconds * seconds, tz=at.tzinfo)


def case_activity_tell(event: CaseActivity) -> list[int]:
    """The reminders this activity calls for, created now (the bell and the inbox show them
    at once). Returns the email and SMS deliveries that may go now; the caller sends them
    after commit, and those quiet hours hold back wait for the sweep.

    One act is told once however often it is emitted: the reminder is keyed on the act's
    object and moment, under the unique constraint that keeps the sweep idempotent."""
    kind = TOLD_AT_ONCE.get(event.kind)
    if kind is None:
        return []
    if event.complaint is None and event.kind not in TELL_ADMINS:
        return []
    people = _activity_recipients(event)
    object_id, due_at = event.object_id, event.at
    if kind in GROUPED:
        # Keyed on the complaint and its half hour: files arriving at once on parallel
        # requests meet the unique constraint. Across the half hour's edge, someone who
        # has not read the first notice yet is not told again.
        object_id, due_at = event.complaint.pk, _window_start(event.at)
        told = set(
            Reminder.objects.filter(
                kind=kind,
                object_id=object_id,
                recipient__in=[p.pk for p in people],
                read_at__isnull=True,
                cancelled_at__isnull=True,
                created__gte=event.at - GROUP_WINDOW,
            ).values_list("recipient_id", flat=True)
        )
        people = [p for p in people if p.pk not in told]
    params = {"detail": event.detail, "about": event.object_id}
    made = [
        reminder.pk
        for person in people
        if (
            reminder := reminder_create(
                Due(person, kind, object_id, due_at, event.complaint, params), now=event.at
            )
        )
        is not None
    ]
    if not made:
        return []
    return list(
        Delivery.objects.filter(reminder__in=made, state=Delivery.State.PENDING, send_after__lte=event.at)
        .exclude(channel=Channel.APP)
        .values_list("pk", flat=True)
    )


def deliveries_send_now(*, ids: list[int], now: datetime) -> int:
    """Send these deliveries at once if they are due: the same claim as the sweep's, so a
    sweep running meanwhile cannot send one twice. Returns how many went out."""
    due = (
        Delivery.objects.filter(pk__in=ids, send_after__lte=now, reminder__cancelled_at__isnull=True)
        .exclude(channel=Channel.APP)
        .order_by("pk")
    )
    return sum(delivery_send(delivery, now=now) for delivery in due)

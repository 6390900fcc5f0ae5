from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from typing import Any, NamedTuple

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from complaints import permissions
from complaints.models import HarassmentKind, normalize_collector_id
from complaints.page import render_detail
from complaints.permissions import get_complaint_for_user
from complaints.services import ComplaintError
from escalations import workdays
from evidence.permissions import get_evidence_for_user
from lib.china import CHINA_TZ
from lib.spreadsheets import formula_safe

from . import selectors, services, stats
from .forms import (
    AssignForm,
    EvidenceReviewForm,
    InfoAnswerForm,
    InfoRequestForm,
    NoteForm,
    QueueFilterForm,
    QueueSearchForm,
)
from .models import InfoRequest


def caseworker_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Advocates and admins only. Others get 404: the workspace does not exist for them."""

    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not permissions.is_caseworker(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


@caseworker_required
def queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    search = QueueSearchForm(request.GET or None)
    params = form.cleaned_or_defaults()
    params["q"] = search.cleaned_data["q"] if search.is_valid() else ""
    params["match"] = selectors.search_match(params.get("q") or "")
    now = timezone.now()
    filtered = selectors.queue_filter(request.user, params, now=now)
    # Counts per status ignore the status filter itself, so the tabs show what each would give.
    counts = selectors.cached_status_counts(
        request.user,
        params,
        lambda: selectors.queue_filter(request.user, {**params, "status": None}, now=now),
    )
    # The page's slice of the sorted ids goes into the rows' query as a subquery: only
    # the rows shown get their counts and kinds computed (annotating the whole sorted
    # queue made the database count incidents of every matching case), in one round trip.
    ordered_ids = filtered.order_by(
        *selectors.SORTS.get(params["sort"], selectors.SORTS["recent"])
    ).values_list("pk", flat=True)
    paginator = Paginator(ordered_ids, params["per_page"])
    # The status counts already hold the total: one COUNT over the whole queue fewer.
    paginator.count = sum(
        n for status, n in counts.items() if not params["status"] or status in params["status"]
    )
    page = paginator.get_page(request.GET.get("page"))
    rows = selectors.queue_rows(page.object_list, params["sort"]) if paginator.count else []
    page.object_list = _queue_rows(rows, now=now)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/queue.html",
        {
            "form": form,
            "search": search,
            "page": page,
            "counts": counts,
            "query": query.urlencode(),
            "filtered": bool(request.GET.dict().keys() - {"page", "sort", "per_page"}),
        },
    )


class QueueRow(NamedTuple):
    """What one queue row shows, and nothing else: the rows' fragment is keyed by these
    values, which are plain data and cheap to digest (digesting the loaded complaints,
    lenders and users field by field took a tenth of the page's time)."""

    reference: str
    lender_name: str
    status: str
    kind_labels: tuple[str, ...]
    incident_count: int
    evidence_count: int
    assignee: str
    waiting: bool
    due_on: date | None
    due_text: str
    overdue: bool
    due_estimate: bool


def _queue_rows(rows: list[dict[str, Any]], *, now: datetime) -> list[QueueRow]:
    """What each queue row says about its incidents and its deadline, worked out here once
    per page rather than by template filters once per row (a third of the queue's time)."""
    kind_labels = {code: str(label) for code, label in HarassmentKind.choices}
    today = now.astimezone(CHINA_TZ).date()
    estimates: dict[int, bool] = {}  # by the deadline's year: the holiday schedules
    shown = []
    for row in rows:
        due, due_on, due_text, overdue, estimate = row["next_due_at"], None, "", False, False
        if due is not None:
            overdue = due < now
            # Deadlines end at midnight China time: whole days are what a borrower counts.
            china_day = due.astimezone(CHINA_TZ).date()
            days = (china_day - today).days
            if china_day.year not in estimates:
                estimates[china_day.year] = bool(workdays.estimate_reason(due))
            estimate = estimates[china_day.year]
            if overdue:
                n = max(-days, 1)
                due_text = ngettext("overdue by %(n)d day", "overdue by %(n)d days", n) % {"n": n}
            elif days == 0:
                due_text = _("due today")
            else:
                due_text = ngettext("in %(n)d day", "in %(n)d days", days) % {"n": days}
            due_on = timezone.localtime(due).date()  # as the date filter showed it
        shown.append(
            QueueRow(
                reference=row["reference"],
                lender_name=row["lender__name"],
                status=row["status"],
                kind_labels=tuple(kind_labels.get(code, code) for code in row["kind_codes"]),
                incident_count=row["incident_count"],
                evidence_count=row["evidence_count"],
                # As User.__str__ says it.
                assignee=(row["assignee__display_name"] or row["assignee__username"])
                if row["assignee_id"]
                else "",
                waiting=row["waiting_for_borrower_since"] is not None,
                due_on=due_on,
                due_text=due_text,
                overdue=overdue,
                due_estimate=estimate,
            )
        )
    return shown


def _back(complaint: Any, anchor: str = "case-panel") -> HttpResponse:
    return redirect(f"{complaint.get_absolute_url()}#{anchor}")


def _run(request: HttpRequest, action: Callable[[], Any], success: str) -> None:
    try:
        action()
    except ComplaintError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, success)


@caseworker_required
@require_POST
def assign(request: HttpRequest, reference: str) -> HttpResponse:
    complaint = get_complaint_for_user(request, reference)
    if request.POST.get("take"):
        assignee_id: int | None = request.user.pk
    else:
        # Checked against the database, not the cached list a page showed.
        form = AssignForm(request.POST, caseworkers=[(u.pk, str(u)) for u in selectors.caseworkers()])
        assignee_id = form.cleaned_data["assignee"] if form.is_valid() else -1
    _run(
        request,
        lambda: services.case_assign(complaint=complaint, actor=request.user, assignee_id=assignee_id),
        _("Assignment saved."),
    )
    return _back(complaint)


def _run_in_place(
    request: HttpRequest,
    complaint: Any,
    *,
    name: str,
    form: Any,
    anchor: str,
    action: Callable[[], Any],
    success: str,
    back: str,
) -> HttpResponse:
    """Run `action` if `form` is valid; else (or if the service refuses) the complaint page
    again with the form in its place, its errors and what was typed."""
    if form.is_valid():
        try:
            action()
        except ComplaintError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, success)
            return _back(complaint, back)
    return render_detail(request, complaint, bound={name: form}, error_anchor=anchor)


@caseworker_required
@require_POST
def add_note(request: HttpRequest, reference: str) -> HttpResponse:
    complaint = get_complaint_for_user(request, reference)
    form = NoteForm(request.POST)
    return _run_in_place(
        request,
        complaint,
        name="case-note",
        form=form,
        anchor="case-note",
        action=lambda: services.case_add_note(
            complaint=complaint, actor=request.user, text=form.cleaned_data["text"]
        ),
        success=_("Note added."),
        back="case-panel",
    )


@caseworker_required
@require_POST
def request_info(request: HttpRequest, reference: str) -> HttpResponse:
    complaint = get_complaint_for_user(request, reference)
    form = InfoRequestForm(request.POST)
    return _run_in_place(
        request,
        complaint,
        name="case-info-request",
        form=form,
        anchor="case-info-request",
        action=lambda: services.info_request_create(
            complaint=complaint, actor=request.user, message=form.cleaned_data["message"]
        ),
        success=_("Request sent to the borrower."),
        back="case-panel",
    )


@login_required
@require_POST
def answer_info(request: HttpRequest, reference: str, request_id: int) -> HttpResponse:
    complaint = get_complaint_for_user(request, reference)
    info = get_object_or_404(InfoRequest, pk=request_id, complaint=complaint)
    form = InfoAnswerForm(request.POST)
    return _run_in_place(
        request,
        complaint,
        name=f"info-answer-{info.pk}",
        form=form,
        anchor=f"info-{info.pk}",
        action=lambda: services.info_request_answer(
            request=info, actor=request.user, response=form.cleaned_data["response"]
        ),
        success=_("Thank you. Your answer was sent to the advocate."),
        back="requests",
    )


@caseworker_required
@require_POST
def review_evidence(request: HttpRequest, public_id: str) -> HttpResponse:
    evidence = get_evidence_for_user(request, public_id)
    form = EvidenceReviewForm(request.POST)
    if form.is_valid():
        _run(
            request,
            lambda: services.evidence_review(
                evidence=evidence,
                actor=request.user,
                usable=form.cleaned_data["usable"],
                reason=form.cleaned_data["reason"],
            ),
            _("Review saved."),
        )
    else:
        messages.error(request, _("Choose whether the file is usable."))
    return _back(evidence.complaint, "evidence")


TRAIL_PER_PAGE = 50


@caseworker_required
def trail(request: HttpRequest, reference: str) -> HttpResponse:
    """Who opened this case and what they did with it, newest first. Its own page, linked
    from the case panel: the list grows with every view of the case, so the case page
    neither reads it nor could cache it."""
    complaint = get_complaint_for_user(request, reference)
    if not permissions.can_work_on_case(request.user, complaint):
        raise Http404
    page = Paginator(selectors.case_trail(complaint), TRAIL_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "cases/trail.html", {"complaint": complaint, "page": page})


@caseworker_required
def collector(request: HttpRequest, key: str) -> HttpResponse:
    normalized = normalize_collector_id(key)
    if normalized != key:
        return redirect(reverse("cases:collector", args=[normalized]))
    summary = selectors.collector_summary(normalized)
    if not summary.complaint_count:
        raise Http404
    paginator = Paginator(selectors.collector_complaints(normalized), 25)
    # The profile has counted them already; counting again read thousands of rows.
    paginator.count = summary.complaint_count
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "cases/collector.html", {"summary": summary, "page": page})


@caseworker_required
def dashboard(request: HttpRequest) -> HttpResponse:
    series = stats.dashboard_series(now=timezone.now())
    outcomes = stats.followup_outcomes()
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="dashboard.csv"'
        response.write("\ufeff")  # so that Excel reads the Chinese names as UTF-8
        writer = csv.writer(response)
        writer.writerow([_("Figure"), _("Label"), _("Complaints")])
        for item in series:
            for label, value in item.rows:
                writer.writerow([formula_safe(item.title), formula_safe(label), value])
        for outcome in outcomes:
            for title, value in (
                (_("Answered whether the harassment stopped"), outcome.answered),
                (_("Harassment stopped (%)"), outcome.stopped_share),
                (_("Harassment stopped or lessened (%)"), outcome.stopped_or_less_share),
            ):
                writer.writerow([formula_safe(title), formula_safe(outcome.lender), value])
        return response
    # Due dates in a year whose holiday schedule nobody has entered are estimates; the
    # people who can enter it are told here, every time they look.
    missing = workdays.missing_years(timezone.localdate())
    return render(
        request,
        "cases/dashboard.html",
        {
            "series": series,
            "missing_schedule_years": missing,
            "followup_outcomes": outcomes,
            "min_group": stats.PUBLIC_MIN_GROUP,
        },
    )


def public_stats(request: HttpRequest) -> HttpResponse:
    """Open to everyone: verified complaints per lender and kind, nothing that names a person."""
    return render(
        request,
        "cases/public_stats.html",
        {
            "table": stats.public_table(),
            "min_group": stats.PUBLIC_MIN_GROUP,
            "followup_outcomes": stats.followup_outcomes(),
        },
    )

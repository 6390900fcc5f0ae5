"""Pages for what was read in screenshots: proposals to confirm, what is covered, the text."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints import permissions
from complaints.forms import IncidentForm
from complaints.services import ComplaintError

from . import readings, services
from .models import Proposal, Reading
from .permissions import get_evidence_for_user


def _reading_for_user(request: HttpRequest, public_id: str) -> Reading:
    evidence = get_evidence_for_user(request, public_id)
    try:
        reading = evidence.reading
    except Reading.DoesNotExist:
        raise Http404 from None
    reading.evidence = evidence
    return reading


def _proposal_for_user(request: HttpRequest, public_id: str, pk: int) -> Proposal:
    evidence = get_evidence_for_user(request, public_id)
    proposal = Proposal.objects.filter(evidence=evidence, pk=pk).select_related("complaint").first()
    if proposal is None:
        raise Http404
    proposal.evidence = evidence
    return proposal


def _day(raw: str, fallback: date) -> date | None:
    """The day the borrower confirmed for the screenshot; None when it cannot be one."""
    if not raw:
        return fallback
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    return day if day <= timezone.localdate() else None


@login_required
@require_POST
def decide(request: HttpRequest, public_id: str) -> HttpResponse:
    """One screenshot's proposals: accept one as it is (with the screenshot's day) or dismiss it."""
    reading = _reading_for_user(request, public_id)
    back = f"{reading.evidence.complaint.get_absolute_url()}#proposals"
    chosen = request.POST.get("accept") or request.POST.get("dismiss") or ""
    if not chosen.isdigit():
        return redirect(back)
    proposal = _proposal_for_user(request, public_id, int(chosen))
    try:
        if "dismiss" in request.POST:
            readings.proposal_dismiss(proposal=proposal, actor=request.user)
            messages.success(request, _("Proposal dismissed."))
            return redirect(back)
        day = _day(request.POST.get("day", ""), reading.shot_day or timezone.localdate())
        if day is None:
            messages.error(request, _("Enter the day of the screenshot as a date that is not in the future."))
            return redirect(back)
        readings.proposal_accept(
            proposal=proposal, actor=request.user, data=readings.proposal_incident_data(proposal, day=day)
        )
    except ComplaintError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("Incident recorded from the screenshot."))
    return redirect(back)


@login_required
def edit(request: HttpRequest, public_id: str, pk: int) -> HttpResponse:
    """A proposal in the incident form, to correct before it is recorded."""
    proposal = _proposal_for_user(request, public_id, pk)
    evidence = proposal.evidence
    if not permissions.can_manage_evidence(request.user, evidence.complaint):
        raise Http404
    if proposal.state != Proposal.State.PROPOSED:
        messages.error(request, _("This proposal was already accepted or dismissed."))
        return redirect(f"{evidence.complaint.get_absolute_url()}#proposals")
    day = _day(request.GET.get("day", ""), evidence.reading.shot_day or timezone.localdate())
    initial = readings.proposal_incident_data(proposal, day=day or timezone.localdate())
    if request.method == "POST":
        form = IncidentForm(request.POST)
        if form.is_valid():
            data = {**form.cleaned_data, "series_count": initial["series_count"]}
            try:
                readings.proposal_accept(proposal=proposal, actor=request.user, data=data)
            except ComplaintError as e:
                form.add_error(None, str(e))
            else:
                messages.success(request, _("Incident recorded from the screenshot."))
                return redirect(f"{evidence.complaint.get_absolute_url()}#incidents")
    else:
        initial["occurred_at"] = timezone.localtime(initial["occurred_at"])
        form = IncidentForm(initial=initial)
    return render(
        request,
        "evidence/proposal_edit.html",
        {"form": form, "proposal": proposal, "evidence": evidence, "complaint": evidence.complaint},
    )


@login_required
def covers(request: HttpRequest, public_id: str) -> HttpResponse:
    """What is covered in the copy that is shared, as a list of checkboxes (no script needed)."""
    reading = _reading_for_user(request, public_id)
    evidence = reading.evidence
    if not readings.can_review_covers(request.user, evidence):
        raise Http404
    if request.method == "POST":
        added = []
        for raw in request.POST.getlist("box"):
            parts = raw.split(",")
            if len(parts) == 4 and all(p.strip().lstrip("-").isdigit() for p in parts):
                added.append([int(p) for p in parts])
        try:
            readings.reading_set_covers(
                reading=reading,
                actor=request.user,
                covered_ids=set(request.POST.getlist("cover")),
                added=added,
            )
        except ComplaintError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, _("Saved. The shared copy is being made again with these boxes."))
        return redirect("evidence:covers", public_id=evidence.public_id)
    return render(
        request,
        "evidence/covers.html",
        {"reading": reading, "evidence": evidence, "complaint": evidence.complaint},
    )


@login_required
def text(request: HttpRequest, public_id: str) -> HttpResponse:
    """The recognised text, for whoever may see the complaint."""
    reading = _reading_for_user(request, public_id)
    # What a screenshot says is evidence too: reading it is recorded like opening the file.
    services.evidence_opened(evidence=reading.evidence, actor=request.user, how="text")
    return render(
        request,
        "evidence/reading_text.html",
        {"reading": reading, "evidence": reading.evidence, "complaint": reading.evidence.complaint},
    )

"""The borrower's page for "Did the harassment stop?" (cases.followups)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from complaints import permissions, workflow
from complaints.permissions import get_complaint_for_user
from complaints.services import ComplaintError

from . import followups
from .forms import FollowUpForm
from .models import FollowUp


def _get_followup_for_filer(request: HttpRequest, reference: str, followup_id: int) -> FollowUp:
    """The question if this person filed the complaint; 404 for everyone else, advocates
    included: the answer is the borrower's to give."""
    complaint = get_complaint_for_user(request, reference)
    if workflow.FILER not in permissions.actor_kinds(request.user, complaint):
        raise Http404
    followup = FollowUp.objects.filter(pk=followup_id, complaint=complaint).first()
    if followup is None:
        raise Http404
    followup.complaint = complaint
    return followup


@login_required
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, reference: str, followup_id: int) -> HttpResponse:
    followup = _get_followup_for_filer(request, reference, followup_id)
    complaint = followup.complaint
    current = followups.is_current(followup, complaint)
    initial = {"answer": followup.answer, "text": followup.text} if followup.answer else None
    form = FollowUpForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            done = followups.followup_answer(
                followup=followup,
                actor=request.user,
                answer=form.cleaned_data["answer"],
                text=form.cleaned_data["text"],
            )
        except ComplaintError as e:
            form.add_error(None, str(e))
        else:
            if done.reopened_at:
                messages.success(
                    request,
                    _("Thank you. Your complaint is open again and the advocates have been told."),
                )
                return redirect(complaint.get_absolute_url())
            if done.harassment_goes_on:
                messages.warning(
                    request,
                    _(
                        "Thank you, your answer is saved. The complaint could not be reopened: "
                        "open it and press “Reopen” to see what is missing."
                    ),
                )
                return redirect(complaint.get_absolute_url())
            messages.success(request, _("Thank you. Your answer is saved."))
            return redirect("cases:followup_answer", complaint.reference, followup.pk)
    return render(
        request,
        "cases/followup.html",
        {"followup": followup, "complaint": complaint, "form": form, "current": current},
    )

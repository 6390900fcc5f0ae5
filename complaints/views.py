from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import services as account_services
from accounts.models import Consent
from lib import ratelimit
from lib.responses import too_many_requests

from . import page, permissions, services
from .forms import ComplaintForm, IncidentForm, IncidentFormSet, LendersForm, TransitionForm, funder_choices
from .models import BrandFunder, Complaint, Institution, Lender
from .page import add_list_notes
from .permissions import get_complaint_for_user
from .registry import brand_find, current_funders

MY_COMPLAINTS_PER_PAGE = 20


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def _lender_suggestions() -> list[str]:
    names: list[str] = []
    for lender in Lender.objects.filter(confirmed=True, merged_into__isnull=True).only("name", "other_names"):
        names.append(lender.name)
        names.extend(lender.other_names_list)
    return sorted(set(names))


def _funder_suggestions() -> list[str]:
    names: list[str] = []
    for institution in Institution.objects.filter(confirmed=True, merged_into__isnull=True).only(
        "name", "short_names"
    ):
        names.append(institution.name)
        names.extend(institution.short_names_list)
    return sorted(set(names))


def _funder_links(request: HttpRequest, complaint: Complaint | None) -> list[BrandFunder]:
    """The funders the filing form offers: those of the brand as typed in this very post,
    else of the draft's brand, else of `?lender=` (a link from the route finder)."""
    typed = request.POST.get("lender_name", "") if request.method == "POST" else request.GET.get("lender", "")
    brand = brand_find(typed[:120]) if typed else (complaint.lender if complaint is not None else None)
    return current_funders(brand, ranked=True)


def _save_complaint_form(
    request: HttpRequest, complaint: Complaint | None
) -> tuple[HttpResponse | None, ComplaintForm, Any]:
    """Validate the filing form; on success save the draft and maybe submit it."""
    form = ComplaintForm(
        request.POST, instance=complaint, funder_links=lambda: _funder_links(request, complaint)
    )
    formset = IncidentFormSet(request.POST, prefix="incidents")
    wants_submit = request.POST.get("action") == "submit"
    if not (form.is_valid() and formset.is_valid()):
        messages.error(request, _("Some answers need a look. Nothing you typed was lost."))
        return None, form, formset
    new_incidents = [f.cleaned_data for f in formset.forms if f.has_changed()]
    if form.cleaned_data.get("consent_sensitive"):
        account_services.consent_record(
            user=request.user, purpose=Consent.Purpose.SENSITIVE, session=request.session
        )
    if wants_submit:
        # The service's own rule for submitting, asked before saving so that each problem
        # shows beside what fixes it.
        problems = services.submission_problems(
            filer=request.user,
            summary=form.cleaned_data.get("summary", ""),
            has_incidents=bool(new_incidents) or (complaint is not None and complaint.incidents.exists()),
            # A consent this session has seen is not asked again, here or by the service.
            session=request.session,
        )
        for field, message in problems.items():
            if field == "incidents":
                # Beside the incident entry when the page has one (it always does with JS off).
                (formset.forms[0] if formset.forms else form).add_error(None, message)
            else:
                form.add_error(field, message)
        if form.errors or any(f.errors for f in formset.forms):
            messages.error(request, _("Some answers need a look. Nothing you typed was lost."))
            return None, form, formset
    filing = {
        "filer": request.user,
        "lender_name": form.cleaned_data["lender_name"],
        "funding_name": form.cleaned_data.get("funding_name", ""),
        "data": form.cleaned_data,
        "incidents": new_incidents,
        "complaint": complaint,
    }
    refused = None
    if wants_submit:
        try:
            saved = services.complaint_file(**filing)
        except services.ComplaintError as e:
            # Nothing was saved. The draft alone, so that nothing typed is lost: if the
            # draft itself is refused, the form comes back with the reason instead.
            refused = e
    if not wants_submit or refused is not None:
        try:
            saved = services.complaint_save_draft(**filing)
        except services.ComplaintError as e:
            messages.error(request, str(e))
            return None, form, formset
    if refused is not None:
        messages.error(request, str(refused))
        return redirect("complaints:edit", saved.reference), form, formset
    if not wants_submit:
        messages.success(request, _("Draft saved. You can come back to it any time."))
        return redirect("complaints:edit", saved.reference), form, formset
    messages.success(
        request,
        _(
            "Your complaint %(reference)s is submitted to this platform. It has not been sent to "
            "the lender yet: the next step below shows how to send it. Keep adding incidents as "
            "they happen."
        )
        % {"reference": saved.reference},
    )
    return redirect(saved), form, formset


@login_required
def create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and not ratelimit.allow(request, "complaint_create"):
        return too_many_requests(request)
    if request.method == "POST":
        response, form, formset = _save_complaint_form(request, None)
        if response is not None:
            return response
    else:
        form = ComplaintForm(
            initial={"lender_name": request.GET.get("lender", "")[:120]},
            funder_links=lambda: _funder_links(request, None),
        )
        formset = IncidentFormSet(prefix="incidents")
    return render(
        request,
        "complaints/complaint_form.html",
        {
            "form": form,
            "formset": formset,
            "lender_names": _lender_suggestions(),
            "funder_names": _funder_suggestions(),
            "needs_consent": not account_services.has_consented(
                request.user, Consent.Purpose.SENSITIVE, session=request.session
            ),
        },
    )


@login_required
def edit(request: HttpRequest, reference: str) -> HttpResponse:
    complaint = get_complaint_for_user(request, reference)
    if not permissions.can_edit_details(request.user, complaint):
        messages.info(request, _("This complaint was already submitted; add new incidents below."))
        return redirect(complaint)
    if request.method == "POST":
        response, form, formset = _save_complaint_form(request, complaint)
        if response is not None:
            return response
    else:
        form = ComplaintForm(instance=complaint, funder_links=lambda: _funder_links(request, complaint))
        formset = IncidentFormSet(prefix="incidents")
    return render(
        request,
        "complaints/complaint_form.html",
        {
            "form": form,
            "formset": formset,
            "complaint": complaint,
            "incidents": page.incidents_with_numbers(complaint),
            "lender_names": _lender_suggestions(),
            "funder_names": _funder_suggestions(),
            "needs_consent": not account_services.has_consented(
                request.user, Consent.Purpose.SENSITIVE, session=request.session
            ),
        },
    )


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    qs = (
        Complaint.objects.filter(filer=request.user)
        .select_related("lender")
        .annotate(incident_count=Count("incidents"))
        .order_by("-status_changed_at", "-pk")
    )
    page = Paginator(qs, MY_COMPLAINTS_PER_PAGE).get_page(request.GET.get("page"))
    # The days left to each answer awaited, from the apps above (escalations).
    page.object_list = add_list_notes(list(page.object_list), timezone.now())
    return render(request, "complaints/mine.html", {"page": page})


@login_required
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    complaint = get_complaint_for_user(request, reference)
    # An advocate's opening is recorded by the case section (cases.services.case_open).
    return page.render_page(request, complaint)


@login_required
def add_incident(request: HttpRequest, reference: str) -> HttpResponse:
    complaint = get_complaint_for_user(request, reference)
    if not permissions.can_add_incident(request.user, complaint):
        messages.error(request, _("You cannot add incidents to this complaint."))
        return redirect(complaint)
    form = IncidentForm(request.POST or None, prefix="incident")
    if request.method == "POST":
        if form.is_valid():
            try:
                services.incident_add(complaint=complaint, actor=request.user, data=form.cleaned_data)
            except services.ComplaintError as e:
                messages.error(request, str(e))
            else:
                messages.success(request, _("Incident recorded."))
                return redirect(f"{complaint.get_absolute_url()}#incidents")
        else:
            messages.error(request, _("Some answers need a look. Nothing you typed was lost."))
    elif services.incident_room(complaint) == 0:
        # Said before anything is typed, not after.
        messages.warning(
            request,
            _(
                "This complaint already holds %(most)d incidents, the most one complaint can. If "
                "the harassment goes on, file a new complaint about it, or upload screenshots and "
                "recordings to this one."
            )
            % {"most": settings.COMPLAINT_MAX_INCIDENTS},
        )
    return render(
        request,
        "complaints/incident_form.html",
        {"complaint": complaint, "incident_form": form},
    )


@login_required
@require_POST
def transition(request: HttpRequest, reference: str) -> HttpResponse:
    complaint = get_complaint_for_user(request, reference)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That change could not be made."))
        return redirect(complaint)
    to_status = form.cleaned_data["to_status"]
    try:
        services.complaint_transition(
            complaint=complaint, actor=request.user, to_status=to_status, note=form.cleaned_data["note"]
        )
    except services.ComplaintError as e:
        if complaint.is_draft:
            messages.error(request, str(e))
            return redirect("complaints:edit", complaint.reference)
        complaint.refresh_from_db()
        if to_status not in permissions.allowed_targets(request.user, complaint):
            # No button to put the reason beside (the status moved meanwhile, say).
            messages.error(request, str(e))
            return redirect(complaint)
        refused = {"to_status": to_status, "note": form.cleaned_data["note"], "error": str(e)}
        return page.render_detail(
            request, complaint, bound={"transition": refused}, error_anchor=f"action-{to_status}"
        )
    else:
        complaint.refresh_from_db()
        messages.success(
            request,
            _("Status is now “%(status)s”.") % {"status": complaint.get_status_display()},
        )
    return redirect(complaint)


@login_required
def lenders(request: HttpRequest, reference: str) -> HttpResponse:
    """Name the brand and the lender in the loan contract, also after filing: the contract
    is often found later. A new lender changes the route at once and is on the timeline."""
    complaint = get_complaint_for_user(request, reference)
    if not permissions.can_change_lenders(request.user, complaint):
        messages.error(request, _("You cannot change the lender of this complaint."))
        return redirect(complaint)
    initial = {
        "brand_name": complaint.lender.name,
        "funder_name": complaint.funding_institution.name if complaint.funding_institution_id else "",
    }
    form = LendersForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.complaint_set_lenders(
                    complaint=complaint,
                    actor=request.user,
                    brand_name=form.cleaned_data["brand_name"],
                    funder_name=form.cleaned_data["funder_name"],
                )
            except services.ComplaintError as e:
                messages.error(request, str(e))
            else:
                messages.success(request, _("Saved. The route below follows the lender you named."))
                return redirect(f"{complaint.get_absolute_url()}#route")
        else:
            messages.error(request, _("Some answers need a look. Nothing you typed was lost."))
    return render(
        request,
        "complaints/lenders_form.html",
        {
            "complaint": complaint,
            "form": form,
            # "Which of these is on your contract?": the brand's funders, likely ones first.
            "funders": current_funders(complaint.lender, ranked=True),
            "lender_names": _lender_suggestions(),
            "funder_names": _funder_suggestions(),
        },
    )


@login_required
@require_GET
def brand_funders(request: HttpRequest) -> HttpResponse:
    """The filing form's "which of these is on your contract?" for a brand as it is typed
    (static/js/funder-choice.js): the same choices the form itself offers once saved."""
    brand = brand_find(request.GET.get("brand", "")[:120])
    links = current_funders(brand, ranked=True)
    return JsonResponse(
        {
            "brand": brand.name if brand is not None else None,
            "choices": funder_choices(links) if links else [],
        }
    )

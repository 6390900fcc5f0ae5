from __future__ import annotations

from datetime import date, datetime, time

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audit.models import Action
from audit.services import audit_record
from complaints import permissions
from complaints.models import Complaint
from complaints.page import render_detail
from complaints.permissions import get_complaint_for_user
from complaints.services import ComplaintError
from evidence import services as evidence_services
from evidence.validation import EvidenceRejected, safe_display_name
from lib.china import CHINA_TZ, china_day

from . import letters, pdfs, sending
from . import services as escalations
from .forms import (
    AcknowledgeForm,
    AnswerForm,
    CloseEscalationForm,
    EscalationForm,
    GuidedSentForm,
    LetterForm,
    MarkSentForm,
    SendLetterForm,
)
from .legal_step import legal_step_context
from .letters import LetterTarget, resolve_target
from .models import Escalation, EscalationChannel, LetterPdf
from .panels import RECORD_FORM, route_targets, row_form_auto_id

# --- Escalations -----------------------------------------------------------------------
# Every view below finds the complaint through get_complaint_for_user: anyone who may
# not see the complaint gets a 404 for its escalations and letters too, never a 403.


def _moment(day: date, now: datetime) -> datetime:
    """A date typed in a form as a moment: now for today, else noon that day in China."""
    if day == china_day(now):
        return now
    return datetime.combine(day, time(12), tzinfo=CHINA_TZ)


def _back(complaint: Complaint) -> HttpResponse:
    return redirect(f"{complaint.get_absolute_url()}#escalations")


def _get_escalation(request: HttpRequest, reference: str, escalation_id: int) -> tuple[Complaint, Escalation]:
    complaint = get_complaint_for_user(request, reference)
    return complaint, get_object_or_404(
        complaint.escalations.select_related("lender", "regulator", "institution"), pk=escalation_id
    )


def _again(
    request: HttpRequest, complaint: Complaint, name: str, form: forms.Form, anchor: str, error: str = ""
) -> HttpResponse:
    """The complaint page again, with `form` where it was, showing its errors and all that
    was typed: a redirect would lose the input and put the error 4,000 px from the form."""
    if error:
        form.add_error(None, error)
    return render_detail(request, complaint, bound={name: form}, error_anchor=anchor)


@login_required
@require_POST
def escalation_record(request: HttpRequest, reference: str) -> HttpResponse:
    complaint = get_complaint_for_user(request, reference)
    form = EscalationForm(request.POST, targets=route_targets(complaint), auto_id="escalation_%s")
    if not form.is_valid():
        return _again(request, complaint, RECORD_FORM, form, "escalation-form")
    target = resolve_target(complaint, form.cleaned_data["target"])
    if target is None:
        raise Http404
    now = timezone.now()
    sent_on = form.cleaned_data["sent_on"]
    try:
        escalations.escalation_record(
            complaint=complaint,
            actor=request.user,
            lender=target.lender,
            regulator=target.regulator,
            institution=target.institution,
            channel=form.cleaned_data["channel"],
            sent_at=_moment(sent_on, now) if sent_on else None,
            reference=form.cleaned_data["reference"],
            now=now,
        )
    except ComplaintError as e:
        return _again(request, complaint, RECORD_FORM, form, "escalation-form", str(e))
    messages.success(request, _("Escalation recorded."))
    return _back(complaint)


@login_required
@require_POST
def escalation_sent(request: HttpRequest, reference: str, escalation_id: int) -> HttpResponse:
    complaint, escalation = _get_escalation(request, reference, escalation_id)
    name, anchor = f"sent-{escalation.pk}", f"sent-{escalation.pk}"
    form = MarkSentForm(request.POST, auto_id=row_form_auto_id("sent", escalation.pk))
    if not form.is_valid():
        return _again(request, complaint, name, form, anchor)
    now = timezone.now()
    try:
        escalations.escalation_mark_sent(
            escalation=escalation,
            actor=request.user,
            sent_at=_moment(form.cleaned_data["sent_on"], now),
            channel=form.cleaned_data["channel"],
            reference=form.cleaned_data["reference"],
            now=now,
        )
    except ComplaintError as e:
        return _again(request, complaint, name, form, anchor, str(e))
    messages.success(request, _("Escalation recorded."))
    return _back(complaint)


@login_required
@require_POST
def escalation_acknowledge(request: HttpRequest, reference: str, escalation_id: int) -> HttpResponse:
    complaint, escalation = _get_escalation(request, reference, escalation_id)
    name, anchor = f"ack-{escalation.pk}", f"ack-{escalation.pk}"
    form = AcknowledgeForm(request.POST, auto_id=row_form_auto_id("ack", escalation.pk))
    if not form.is_valid():
        return _again(request, complaint, name, form, anchor)
    now = timezone.now()
    try:
        escalations.escalation_acknowledge(
            escalation=escalation,
            actor=request.user,
            received_at=_moment(form.cleaned_data["received_on"], now),
            reference=form.cleaned_data["reference"],
            now=now,
        )
    except ComplaintError as e:
        return _again(request, complaint, name, form, anchor, str(e))
    messages.success(request, _("Receipt recorded."))
    return _back(complaint)


@login_required
@require_POST
def escalation_answer(request: HttpRequest, reference: str, escalation_id: int) -> HttpResponse:
    complaint, escalation = _get_escalation(request, reference, escalation_id)
    name, anchor = f"answer-{escalation.pk}", f"answer-{escalation.pk}"
    form = AnswerForm(request.POST, request.FILES, auto_id=row_form_auto_id("answer", escalation.pk))
    if not form.is_valid():
        return _again(request, complaint, name, form, anchor)
    now = timezone.now()
    document = None
    upload = form.cleaned_data.get("document")
    if upload:
        # The answer document is evidence like any other file: the same checks, quota and
        # storage. It is kept even if recording the answer then fails; it still belongs
        # to the complaint, and the borrower can attach it again.
        try:
            document = evidence_services.evidence_add(
                complaint=complaint,
                uploader=request.user,
                upload=upload,
                caption=_("Answer from %(target)s") % {"target": escalations.target_name(escalation)},
                now=now,
            )
        except EvidenceRejected as e:
            # The typed answer stays; only the file must be chosen again (a browser never
            # refills a file input).
            form.add_error("document", f"{safe_display_name(upload.name)}: {e}")
            return _again(request, complaint, name, form, anchor)
    try:
        escalations.escalation_record_answer(
            escalation=escalation,
            actor=request.user,
            answer=form.cleaned_data["answer"],
            answered_at=_moment(form.cleaned_data["answered_on"], now),
            satisfied=form.cleaned_data["satisfied"],
            document=document,
            now=now,
        )
    except ComplaintError as e:
        return _again(request, complaint, name, form, anchor, str(e))
    messages.success(request, _("Answer recorded."))
    return _back(complaint)


@login_required
@require_POST
def escalation_close(request: HttpRequest, reference: str, escalation_id: int) -> HttpResponse:
    complaint, escalation = _get_escalation(request, reference, escalation_id)
    name, anchor = f"close-{escalation.pk}", f"close-{escalation.pk}"
    form = CloseEscalationForm(request.POST, auto_id=row_form_auto_id("close", escalation.pk))
    if not form.is_valid():
        return _again(request, complaint, name, form, anchor)
    try:
        escalations.escalation_close(
            escalation=escalation, actor=request.user, note=form.cleaned_data["note"], now=timezone.now()
        )
    except ComplaintError as e:
        return _again(request, complaint, name, form, anchor, str(e))
    messages.success(request, _("Escalation closed."))
    return _back(complaint)


# --- Letters ---------------------------------------------------------------------------

# Letters carry names, numbers and the whole story: never cached by a proxy or the browser.
_PRIVATE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


def _letter_request(request: HttpRequest, reference: str, target_key: str) -> tuple[Complaint, LetterTarget]:
    complaint = get_complaint_for_user(request, reference)
    target = resolve_target(complaint, target_key)
    if target is None:
        raise Http404
    return complaint, target


def _letter_filename(complaint: Complaint, target: LetterTarget, ext: str) -> str:
    return f"complaint-{complaint.reference}-{target.key}.{ext}"


@login_required
@require_GET
def letter(request: HttpRequest, reference: str, target: str) -> HttpResponse:
    """The print-ready letter."""
    complaint, letter_target = _letter_request(request, reference, target)
    shown = letters.letter_open(
        complaint=complaint, target=letter_target, viewer=request.user, now=timezone.now(), how="page"
    )
    response = render(
        request,
        "escalations/letter.html",
        {
            "complaint": complaint,
            "target": letter_target,
            "letter": shown,
            "can_edit": permissions.can_edit_letter(request.user, complaint),
            "can_send": permissions.can_send_from_app(request.user, complaint)
            and sending.takes_email(complaint, letter_target),
            "cautions": letters.letter_cautions(complaint=complaint, target=letter_target),
        },
    )
    for header, value in _PRIVATE.items():
        response[header] = value
    return response


@login_required
@require_GET
def letter_text(request: HttpRequest, reference: str, target: str) -> HttpResponse:
    """The letter as plain text, to paste into an online complaint form."""
    complaint, letter_target = _letter_request(request, reference, target)
    shown = letters.letter_open(
        complaint=complaint, target=letter_target, viewer=request.user, now=timezone.now(), how="text"
    )
    response = HttpResponse(shown.text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        False, _letter_filename(complaint, letter_target, "txt")
    )
    for header, value in _PRIVATE.items():
        response[header] = value
    return response


@login_required
@require_GET
def letter_pdf(request: HttpRequest, reference: str, target: str) -> HttpResponse:
    """The letter as a PDF, rendered by a worker (escalations.pdfs): the file when it is
    ready, else a page that says what is happening and refreshes itself."""
    complaint, letter_target = _letter_request(request, reference, target)
    now = timezone.now()
    shown = letters.letter_open(
        complaint=complaint, target=letter_target, viewer=request.user, now=now, how="pdf"
    )
    problem = ""
    pdf = None
    try:
        pdf = pdfs.letter_pdf_request(complaint=complaint, target=letter_target, text=shown.text, now=now)
    except ComplaintError as e:
        problem = str(e)
    if pdf is not None and pdf.state == LetterPdf.State.READY:
        stored = pdfs.letter_pdf_open(pdf)
        if stored is not None:
            served = FileResponse(stored, content_type="application/pdf")
            served["Content-Disposition"] = content_disposition_header(
                False, _letter_filename(complaint, letter_target, "pdf")
            )
            for header, value in _PRIVATE.items():
                served[header] = value
            return served
        # The file went missing from storage; asking again queues a new render.
        pdf = pdfs.letter_pdf_request(complaint=complaint, target=letter_target, text=shown.text, now=now)
    response = render(
        request,
        "escalations/letter_pdf_status.html",
        {
            "complaint": complaint,
            "target": letter_target,
            "problem": problem,
            "failed": pdf is not None and pdf.state == LetterPdf.State.FAILED,
            "pending": pdf is not None and pdf.state == LetterPdf.State.PENDING,
            "can_edit": permissions.can_edit_letter(request.user, complaint),
        },
    )
    for header, value in _PRIVATE.items():
        response[header] = value
    return response


@login_required
def letter_edit(request: HttpRequest, reference: str, target: str) -> HttpResponse:
    """Edit the letter before sending it; "reset" goes back to the generated text."""
    complaint, letter_target = _letter_request(request, reference, target)
    if not permissions.can_edit_letter(request.user, complaint):
        raise Http404
    now = timezone.now()
    letter_url = reverse("regulators:letter", args=[complaint.reference, letter_target.key])
    if request.method == "POST":
        if request.POST.get("action") == "reset":
            try:
                letters.letter_draft_reset(complaint=complaint, target=letter_target, actor=request.user)
            except ComplaintError as e:
                messages.error(request, str(e))
            else:
                messages.success(request, _("The letter was made again from the complaint."))
            return redirect(letter_url)
        form = LetterForm(request.POST)
        if form.is_valid():
            try:
                letters.letter_draft_save(
                    complaint=complaint,
                    target=letter_target,
                    actor=request.user,
                    text=form.cleaned_data["text"],
                    now=now,
                )
            except ComplaintError as e:
                form.add_error("text", str(e))
            else:
                messages.success(request, _("Your letter was saved."))
                return redirect(letter_url)
    shown = letters.letter_open(
        complaint=complaint, target=letter_target, viewer=request.user, now=now, how="edit"
    )
    if request.method != "POST":
        form = LetterForm(initial={"text": shown.text})
    response = render(
        request,
        "escalations/letter_edit.html",
        {
            "complaint": complaint,
            "target": letter_target,
            "form": form,
            "letter": shown,
            "letter_url": letter_url,
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- Where the route ends --------------------------------------------------------------


@login_required
@require_GET
def legal_step(request: HttpRequest, reference: str) -> HttpResponse:
    """Police report, civil claim, legal aid: made from the complaint, for whoever may see it.

    Found through get_complaint_for_user like every page of a complaint: the filer,
    advocates and admins; a 404 for anyone else.
    """
    complaint = get_complaint_for_user(request, reference)
    response = render(
        request, "escalations/legal_step.html", legal_step_context(complaint=complaint, now=timezone.now())
    )
    # The incident and evidence lists are the whole story: never cached on the way.
    for header, value in _PRIVATE.items():
        response[header] = value
    return response


# --- Sending from the app, and guided sending ------------------------------------------


def _private(response: HttpResponse) -> HttpResponse:
    for header, value in _PRIVATE.items():
        response[header] = value
    return response


@login_required
def escalation_send(request: HttpRequest, reference: str, target: str) -> HttpResponse:
    """The email exactly as it will go (GET, or POST to change the contact details shown),
    and with `confirm` in the POST, the sending. Nothing is sent without that field.

    The filer's alone (permissions.can_send_from_app): 404 for anyone else, as for
    editing a letter, so the page says nothing to whom may not act on it.
    """
    complaint, letter_target = _letter_request(request, reference, target)
    if not permissions.can_send_from_app(request.user, complaint):
        raise Http404
    now = timezone.now()
    status, notice, error = 200, "", ""
    form = SendLetterForm(request.POST if request.method == "POST" else None)
    choices = form.cleaned_data if form.is_bound and form.is_valid() else {}
    include_phone = bool(choices.get("include_phone"))
    include_email = bool(choices.get("include_email"))
    if request.method == "POST":
        if request.POST.get("confirm"):
            try:
                sending.letter_email_request(
                    complaint=complaint,
                    target=letter_target,
                    actor=request.user,
                    include_phone=include_phone,
                    include_email=include_email,
                    shown_digest=choices.get("shown", ""),
                    now=now,
                )
            except ComplaintError as e:
                status, error = 400, str(e)
            else:
                messages.success(
                    request,
                    _(
                        "Sending your letter to %(body)s. This page shows when it has left; "
                        "from then we count the days they have to answer."
                    )
                    % {"body": letter_target.name},
                )
                return _back(complaint)
        else:
            notice = _("Nothing was sent yet. Check the email below, then press “Send this email”.")
    elif request.method != "GET":
        return HttpResponse(status=405)
    preview = sending.letter_email_preview(
        complaint=complaint,
        target=letter_target,
        viewer=request.user,
        include_phone=include_phone,
        include_email=include_email,
        now=now,
    )
    audit_record(actor=request.user, action=Action.VIEW_LETTER, complaint=complaint, detail=f"{target} send")
    # The page always carries the digest of the letter it shows now.
    form = SendLetterForm(
        initial={"include_phone": include_phone, "include_email": include_email, "shown": preview.digest}
    )
    filer = complaint.filer
    response = render(
        request,
        "escalations/send_confirm.html",
        {
            "complaint": complaint,
            "target": letter_target,
            "preview": preview,
            "form": form,
            "notice": notice,
            "error": error,
            "reply_to": _("a reply address of this platform, unique to this letter"),
            "phone": filer.phone or "",
            "email": filer.email or "",
            "from_email": settings.DEFAULT_FROM_EMAIL,
            "attach_limit_mb": settings.ESCALATION_ATTACH_PACKAGE_MAX_BYTES // (1024 * 1024),
            "link_days": settings.EVIDENCE_SHARE_LINK_DAYS,
            "guide_url": reverse("regulators:letter_guide", args=[complaint.reference, letter_target.key]),
        },
        status=status,
    )
    return _private(response)


@login_required
@require_POST
def escalation_send_retry(request: HttpRequest, reference: str, escalation_id: int) -> HttpResponse:
    complaint, escalation = _get_escalation(request, reference, escalation_id)
    if not permissions.can_send_from_app(request.user, complaint):
        raise Http404
    try:
        sending.letter_email_retry(escalation=escalation, actor=request.user, now=timezone.now())
    except ComplaintError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("Trying again to send your letter."))
    return _back(complaint)


@login_required
def letter_guide(request: HttpRequest, reference: str, target: str) -> HttpResponse:
    """Send it yourself: where to go for this body, the letter to copy, and a one-tap
    "I have sent it" (POST) that records the escalation like the complaint page's form."""
    complaint, letter_target = _letter_request(request, reference, target)
    now = timezone.now()
    ways = sending.guide_ways(complaint, letter_target)
    can_record = permissions.can_record_escalation(request.user, complaint)
    form = None
    if request.method == "POST":
        if not can_record:
            raise Http404
        form = GuidedSentForm(request.POST, auto_id="guided_%s")
        if form.is_valid():
            try:
                escalations.escalation_record(
                    complaint=complaint,
                    actor=request.user,
                    lender=letter_target.lender,
                    regulator=letter_target.regulator,
                    institution=letter_target.institution,
                    channel=form.cleaned_data["channel"],
                    sent_at=_moment(form.cleaned_data["sent_on"], now),
                    reference=form.cleaned_data["reference"],
                    now=now,
                )
            except ComplaintError as e:
                form.add_error(None, str(e))
            else:
                messages.success(request, _("Escalation recorded."))
                return _back(complaint)
    elif request.method != "GET":
        return HttpResponse(status=405)
    elif can_record:
        form = GuidedSentForm(
            auto_id="guided_%s",
            initial={
                "channel": next((w.channel for w in ways if w.channel), EscalationChannel.ONLINE),
                "sent_on": china_day(now),
            },
        )
    shown = letters.letter_open(
        complaint=complaint, target=letter_target, viewer=request.user, now=now, how="guide"
    )
    response = render(
        request,
        "escalations/send_guide.html",
        {
            "complaint": complaint,
            "target": letter_target,
            "ways": ways,
            "letter": shown,
            "length": len(shown.text),
            "form": form,
            "can_send": permissions.can_send_from_app(request.user, complaint)
            and sending.takes_email(complaint, letter_target),
        },
        status=400 if form is not None and form.is_bound else 200,
    )
    return _private(response)

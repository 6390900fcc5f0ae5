from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from complaints.models import Complaint, Status
from complaints.page import render_detail
from complaints.permissions import get_complaint_for_user
from complaints.services import ComplaintError
from lib import ratelimit
from lib.ranged import ranged_file_response
from lib.responses import too_many_requests

from . import package, services, share
from .models import Evidence, Reading
from .panel import CAPTION_FORM
from .permissions import get_evidence_for_user

CAPTION_MAX = Evidence._meta.get_field("caption").max_length

# Evidence bytes are hostile: never sniffed, never rendered as a page, never cached publicly.
_HOSTILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def signed_url(field: Any, *, content_type: str, filename: str, as_attachment: bool) -> str:
    """A short-lived link for object storage; "" for the local file system, served by us."""
    storage = field.storage
    if not hasattr(storage, "bucket_name"):
        return ""
    return storage.url(
        field.name,
        parameters={
            "ResponseContentType": content_type,
            "ResponseContentDisposition": content_disposition_header(as_attachment, filename),
            "ResponseCacheControl": "private, no-store",
        },
        expire=settings.EVIDENCE_SIGNED_URL_SECONDS,
    )


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
def upload(request: HttpRequest, reference: str) -> HttpResponse:
    complaint = get_complaint_for_user(request, reference)
    if request.method != "POST":
        return redirect(f"{complaint.get_absolute_url()}#evidence")
    incident = None
    incident_id = request.POST.get("incident", "")
    if incident_id.isdigit():
        incident = complaint.incidents.filter(pk=int(incident_id)).first()
    uploads = request.FILES.getlist("files")
    if not ratelimit.allow(request, "upload", amount=max(len(uploads), 1)):
        if _wants_json(request):
            message = _("Too many uploads in a short time. Please wait a while and try again.")
            return JsonResponse(
                {
                    "files": [
                        {"name": u.name, "accepted": False, "error": message, "id": None, "sha256": None}
                        for u in uploads
                    ]
                },
                status=429,
            )
        return too_many_requests(request)
    results = services.evidence_add_many(
        complaint=complaint,
        uploader=request.user,
        uploads=uploads,
        incident=incident,
        caption=request.POST.get("caption", ""),
    )
    accepted = sum(r.accepted for r in results)
    if _wants_json(request):
        return JsonResponse({"files": [r.as_json() for r in results]}, status=200 if accepted else 400)
    if not results:
        messages.error(request, _("Choose at least one file to upload."))
    if accepted:
        messages.success(
            request,
            ngettext("%(n)d file added.", "%(n)d files added.", accepted) % {"n": accepted},
        )
    for result in results:
        if not result.accepted:
            messages.error(request, f"{result.name}: {result.error}")
    return redirect(f"{complaint.get_absolute_url()}#evidence")


@login_required
@require_GET
def download(request: HttpRequest, public_id: str) -> HttpResponse:
    evidence = get_evidence_for_user(request, public_id)
    variant = request.GET.get("variant", "original")
    if variant == "thumbnail":
        field, content_type, inline = evidence.thumbnail, "image/jpeg", True
        if field and field.name.endswith(".png"):
            content_type = "image/png"
    elif variant == "redacted":
        # The copy with third parties covered: what the package shares.
        reading = Reading.objects.filter(evidence=evidence).first()
        field, content_type, inline = (reading.redacted_file if reading else None), "image/png", True
    elif variant == "display":
        field, content_type, inline = evidence.display_file, evidence.display_content_type, True
        if not field and evidence.kind == Evidence.Kind.RECORDING:
            # No cleaned copy (no ffmpeg): a recording carries no location, play the original.
            field, content_type = evidence.file, evidence.content_type
    else:
        field, content_type, inline = evidence.file, evidence.content_type, False
    if not field:
        raise Http404
    # Thumbnails load with every page and an audio player asks for many ranges: record a
    # real opening (a whole file, or the start of one), not each piece.
    if variant != "thumbnail" and request.headers.get("Range", "bytes=0-").startswith("bytes=0-"):
        services.evidence_opened(evidence=evidence, actor=request.user, how=variant)
    name = evidence.original_name if variant == "original" else f"{variant}-{evidence.original_name}"
    if variant == "redacted":
        name = f"redacted-{evidence.original_name.rsplit('.', 1)[0]}.png"
    signed = signed_url(field, content_type=content_type, filename=name, as_attachment=not inline)
    if signed:
        # Object storage serves the bytes (and ranges) itself, through a link that expires.
        response = redirect(signed)
        response["Cache-Control"] = "private, no-store"
        return response
    response = ranged_file_response(
        request,
        field.open("rb"),
        size=field.size,
        content_type=content_type,
        filename=name,
        as_attachment=not inline,
    )
    for header, value in _HOSTILE_HEADERS.items():
        response[header] = value
    return response


def _package_items(complaint: Any) -> list[Evidence]:
    return list(
        complaint.evidence.select_related("incident", "reading")
        .defer("reading__lines", "reading__text", "reading__search_text")
        .order_by("created", "pk")
    )


def _package_response(request: HttpRequest, reference: str, kind: str) -> HttpResponse:
    complaint = get_complaint_for_user(request, reference)
    items = _package_items(complaint)
    package.package_opened(complaint=complaint, actor=request.user, kind=kind)
    response = StreamingHttpResponse(
        package.stream_package(complaint, items, kind), content_type="application/zip"
    )
    name = f"evidence-{complaint.reference}.zip"
    if kind == package.ORIGINALS:
        name = f"evidence-{complaint.reference}-originals.zip"
    response["Content-Disposition"] = content_disposition_header(True, name)
    for header, value in _HOSTILE_HEADERS.items():
        response[header] = value
    return response


@require_GET
def shared_package(request: HttpRequest, token: str) -> HttpResponse:
    """The package for sharing, fetched by a lender or regulator through the link in a
    letter the app sent (evidence.share): no account, the signed token is the permission.
    Anything wrong with the token, or a complaint gone since, is the same 404."""
    now = timezone.now()
    shared = share.share_link_read(token, now=now)
    if shared is None:
        raise Http404
    complaint = Complaint.objects.filter(pk=shared.complaint_id).exclude(status=Status.DRAFT).first()
    if complaint is None:
        raise Http404
    if not ratelimit.allow(request, "shared_package", account=f"complaint:{complaint.pk}"):
        return too_many_requests(
            request, _("This link was opened too many times in a short period. Please try again in an hour.")
        )
    items = share.shared_evidence(complaint, shared.upto)
    package.package_opened(complaint=complaint, actor=None, kind=f"{package.SHARING} (link sent by email)")
    response = StreamingHttpResponse(
        package.stream_package(complaint, items, package.SHARING), content_type="application/zip"
    )
    response["Content-Disposition"] = content_disposition_header(True, f"evidence-{complaint.reference}.zip")
    for header, value in _HOSTILE_HEADERS.items():
        response[header] = value
    # The token is in the address: it must not travel on to another site.
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
@require_GET
def package_download(request: HttpRequest, reference: str) -> HttpResponse:
    """The package for sharing: copies without location data (see package.py)."""
    return _package_response(request, reference, package.SHARING)


@login_required
@require_GET
def originals(request: HttpRequest, reference: str) -> HttpResponse:
    """The warning in front of the originals: they may say where a photo was taken."""
    complaint = get_complaint_for_user(request, reference)
    return render(request, "evidence/originals.html", {"complaint": complaint})


@login_required
@require_GET
def originals_download(request: HttpRequest, reference: str) -> HttpResponse:
    return _package_response(request, reference, package.ORIGINALS)


@login_required
@require_GET
def manifest(request: HttpRequest, reference: str) -> HttpResponse:
    complaint = get_complaint_for_user(request, reference)
    items = list(enumerate(_package_items(complaint), start=1))
    return render(
        request, "evidence/manifest.html", {"complaint": complaint, "rows": package.manifest_rows(items)}
    )


@login_required
@require_POST
def caption(request: HttpRequest, public_id: str) -> HttpResponse:
    evidence = get_evidence_for_user(request, public_id)
    text = request.POST.get("caption", "")
    problem = ""
    if len(text.strip()) > CAPTION_MAX:
        problem = _("A caption can have at most %(most)d characters; this one has %(n)d.") % {
            "most": CAPTION_MAX,
            "n": len(text.strip()),
        }
    else:
        try:
            services.evidence_set_caption(evidence=evidence, actor=request.user, caption=text)
        except ComplaintError as e:
            # Someone who may not edit captions sees no caption form to put this beside.
            messages.error(request, str(e))
        else:
            messages.success(request, _("Caption saved."))
        return redirect(f"{evidence.complaint.get_absolute_url()}#evidence")
    # Back beside the file, with the caption as typed (evidence.panel reads it).
    return render_detail(
        request,
        evidence.complaint,
        bound={CAPTION_FORM: {"public_id": evidence.public_id, "value": text, "error": problem}},
        error_anchor=f"caption-{evidence.public_id}",
    )


@login_required
@require_POST
def remove(request: HttpRequest, public_id: str) -> HttpResponse:
    evidence = get_evidence_for_user(request, public_id)
    try:
        outcome = services.evidence_remove(
            evidence=evidence, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ComplaintError as e:
        messages.error(request, str(e))
    else:
        messages.success(
            request, _("File deleted.") if outcome == "deleted" else _("File withdrawn; it stays on record.")
        )
    return redirect(f"{evidence.complaint.get_absolute_url()}#evidence")

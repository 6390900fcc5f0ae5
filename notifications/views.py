from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .forms import PreferenceForm
from .models import Preference, Reminder


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    # The list shows the reminder's own data and link: no complaint is joined in. Its text
    # is said again in the reader's language, which may not be the one it was sent in.
    qs = Reminder.objects.filter(recipient=request.user, cancelled_at__isnull=True)
    page = Paginator(qs.order_by("-created", "-pk"), 20).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for reminder in page.object_list:
        reminder.shown_title, reminder.shown_body = services.reminder_text(reminder)
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_POST
def mark_read(request: HttpRequest, reminder_id: int) -> HttpResponse:
    # Scoped to the owner: someone else's id is simply not found.
    reminder = get_object_or_404(Reminder, pk=reminder_id, recipient=request.user)
    services.reminder_mark_read(reminder=reminder, now=timezone.now())
    target = reminder.link if request.POST.get("open") and reminder.link else None
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.reminders_mark_all_read(user=request.user, now=timezone.now())
    messages.success(request, _("All notifications marked as read."))
    return redirect("notifications:inbox")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    pref = Preference.objects.filter(user=request.user).first() or Preference(user=request.user)
    form = PreferenceForm(request.POST or None, instance=pref)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})

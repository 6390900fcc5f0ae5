from __future__ import annotations

from django import template
from django.utils.html import format_html

from complaints.models import Status

register = template.Library()

_STATUS_STYLE = {
    Status.DRAFT: "text-bg-secondary",
    Status.SUBMITTED: "text-bg-primary",
    Status.UNDER_REVIEW: "text-bg-info",
    Status.WAITING_LENDER: "text-bg-warning",
    Status.WAITING_REGULATOR: "text-bg-warning",
    Status.RESOLVED: "text-bg-success",
    Status.CLOSED: "text-bg-dark",
}


@register.simple_tag
def status_badge(status: str) -> str:
    label = Status(status).label if status in Status.values else status
    return format_html('<span class="badge {}">{}</span>', _STATUS_STYLE.get(status, "text-bg-light"), label)

from __future__ import annotations

from functools import lru_cache

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language

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
    return _badge(get_language(), status)


@lru_cache(maxsize=64)
def _badge(language: str, status: str) -> str:
    # Per language and status: lists show one per row, and translating each cost a tenth
    # of the advocates' queue (`make bench`).
    label = Status(status).label if status in Status.values else status
    return format_html('<span class="badge {}">{}</span>', _STATUS_STYLE.get(status, "text-bg-light"), label)

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def too_many_requests(request: HttpRequest) -> HttpResponse:
    """429 with a page that says what happened and what to do; nothing typed is kept
    server-side, so the page asks to go back rather than pretending it saved anything."""
    return render(request, "429.html", status=429)

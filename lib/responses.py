from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def too_many_requests(request: HttpRequest, what_to_do: str = "") -> HttpResponse:
    """429 with a page that says what happened and what to do; nothing typed is kept
    server-side, so the page asks to go back rather than pretending it saved anything.
    `what_to_do` replaces that advice where nothing was typed (a link opened again)."""
    return render(request, "429.html", {"what_to_do": what_to_do}, status=429)

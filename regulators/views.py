from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .forms import DirectoryFilterForm
from .selectors import directory_entries

DIRECTORY_PER_PAGE = 25


def directory(request: HttpRequest) -> HttpResponse:
    """The public list of where to complain. Open to everyone: people look before signing up."""
    form = DirectoryFilterForm(request.GET or None)
    filters = {"province": "", "kind_of_harm": "", "q": ""}
    if form.is_bound:
        form.is_valid()
        # An unknown value in a hand-edited URL drops that filter alone, with its error shown.
        filters.update(form.cleaned_data)
    entries = directory_entries(**filters)
    page = Paginator(entries, DIRECTORY_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "regulators/directory.html",
        {"form": form, "page": page, "count": len(entries), "filtered": any(filters.values())},
    )

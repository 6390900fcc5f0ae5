from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject
from django.views.decorators.vary import vary_on_headers

from complaints.models import Institution, Lender, LicenceType
from complaints.registry import brand_find, current_funders, institution_find
from lib import versions

from .forms import DirectoryFilterForm, RouteFinderForm
from .routing import RouteQuery, Step, province_from, route_for
from .selectors import DIRECTORY_VERSION, directory_entries

DIRECTORY_PER_PAGE = 25
# The directory's query strings that are cached as HTML (see `directory`).
_CACHED_SHAPES = (set(), {"province", "kind_of_harm", "q"})
_CACHED_PAGES = {str(n) for n in range(1, 21)}


@dataclass
class DirectoryListing:
    """What the directory shows, the same for every visitor. Its fields are the key of the
    page's fragment (the directory's version and everything the query string says); the
    entries are read (`page`) only when that fragment is rendered, not when it is cached."""

    version: str
    form: DirectoryFilterForm
    filters: dict[str, str]
    page_number: str | None

    @property
    def filtered(self) -> bool:
        return any(self.filters.values())

    @cached_property
    def page(self) -> Page:
        entries = directory_entries(**self.filters)
        return Paginator(entries, DIRECTORY_PER_PAGE).get_page(self.page_number)


def directory(request: HttpRequest) -> HttpResponse:
    """The public list of where to complain. Open to everyone: people look before signing up.

    Cached as HTML under the directory's version and the filters (`DirectoryListing`): no
    query at all for most visits, and an admin's change shows at once."""
    form = DirectoryFilterForm(request.GET or None)
    filters = {"province": "", "kind_of_harm": "", "q": ""}
    if form.is_bound:
        form.is_valid()
        # An unknown value in a hand-edited URL drops that filter alone, with its error shown.
        filters.update(form.cleaned_data)
    # Cached only for what the page's own links and form ask for (everything, or the three
    # filters as the form sends them; past the first page only without a filter): any
    # other query string could be varied by a stranger to fill the cache with copies.
    page_number = request.GET.get("page")
    cacheable = (
        set(request.GET) - {"page"} in _CACHED_SHAPES
        and all(len(request.GET.getlist(name)) == 1 for name in request.GET)
        and not form.errors
        and not filters["q"]
        and (page_number in (None, "1") or (page_number in _CACHED_PAGES and not any(filters.values())))
    )
    listing = DirectoryListing(
        version=versions.version(DIRECTORY_VERSION) if cacheable else "",
        form=form,
        filters=filters,
        page_number=page_number,
    )
    return render(
        request,
        "regulators/directory.html",
        {
            "listing": listing,
            "form": form,
            "cacheable": cacheable,
            "page": SimpleLazyObject(lambda: listing.page),
            "count": SimpleLazyObject(lambda: listing.page.paginator.count),
        },
    )


def _step_json(step: Step) -> dict[str, Any]:
    regulator, party = step.regulator, step.institution
    return {
        "name": step.name,
        "kind": regulator.kind if regulator is not None else step.role,
        "hotline": regulator.hotline if regulator is not None else (party.hotline if party else ""),
        "province": regulator.province if regulator is not None else (party.province if party else ""),
        "certain": step.certain,
        "why": str(step.reason),
    }


def _funder_json(institution: Institution) -> dict[str, str]:
    return {
        "name": institution.name,
        "licence": institution.licence_type,
        "province": institution.province,
    }


@vary_on_headers("Accept")
def route(request: HttpRequest) -> HttpResponse:
    """The public route finder: whom to complain to about an app or lender, from a province,
    without an account or a complaint. `?lender=安逸花&province=440000` (a code or a name);
    with `Accept: application/json` the same answer as JSON."""
    form = RouteFinderForm(request.GET or None)
    data: dict[str, Any] = {"lender": "", "province": "", "kind": []}
    if form.is_bound:
        form.is_valid()
        data.update(form.cleaned_data)
    typed = data.get("lender") or ""
    province = province_from(data.get("province") or "")
    brand: Lender | None = brand_find(typed) if typed else None
    funder: Institution | None = None if brand is not None or not typed else institution_find(typed)
    links = current_funders(brand)
    funders = [funder] if funder is not None else [link.institution for link in links if link.current]  # type: ignore[attr-defined]
    asked = bool(typed or province)
    steps = route_for(
        RouteQuery(
            brand=brand,
            funder=funder,
            province=province,
            kinds=frozenset(data.get("kind") or ()),
            links=tuple(links),
        )
    )
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse(
            {
                "brand": brand.name if brand is not None else None,
                "funders": [_funder_json(f) for f in funders],
                "route": [_step_json(step) for step in steps] if asked else [],
            },
            json_dumps_params={"ensure_ascii": False},
        )
    # Brands' and institutions' names in one round trip.
    names = sorted(
        Lender.objects.filter(confirmed=True, merged_into__isnull=True)
        .order_by()
        .values_list("name", flat=True)
        .union(
            Institution.objects.filter(confirmed=True, merged_into__isnull=True)
            .order_by()
            .values_list("name", flat=True)
        )
    )
    return render(
        request,
        "regulators/route.html",
        {
            "form": form,
            "asked": asked,
            "typed": typed,
            "brand": brand,
            "funder": funder,
            "funders": funders,
            "unknown_name": bool(typed) and brand is None and funder is None,
            "platform": brand is not None and brand.licence_type == LicenceType.PLATFORM,
            "route": steps if asked else [],
            "province": province,
            "names": names,
            # The form is cached as HTML (`{% fragment %}`, keyed by what it shows) only for
            # what the page's own links and datalist ask: a name as the list spells it or
            # none, a province's code or none, no kinds ticked. Anything else (a name in
            # pinyin or in other capitals, a set of kinds) is drawn anew: the cache holds
            # at most one copy per name and province, whatever strangers type.
            "form_cached": not form.errors
            and typed in {"", getattr(brand, "name", None), getattr(funder, "name", None)}
            and (not data.get("province") or province == data["province"])
            and not data.get("kind"),
        },
    )

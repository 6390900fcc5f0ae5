"""`{% fragment %}`: parts of pages cached as HTML under what they show (lib/templatetags).

A cached fragment must never show one viewer what only another may see, nor anything
stale, nor anyone else's CSRF token."""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache
from django.template import Context, engines
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from lib.templatetags import fragments
from tests.factories import ComplaintFactory, LenderFactory
from tests.test_page_budgets import featured_case

pytestmark = pytest.mark.django_db

SHOWN = engines["django"].from_string(
    "{% load fragments %}{% fragment 'test' lender flag %}{{ lender.name }} {{ flag }} {{ unlisted }}{% endfragment %}"
)
WITH_FORM = engines["django"].from_string(
    "{% load fragments %}{% fragment 'form' lender %}<form>{% csrf_token %}{{ lender.name }}</form>{% endfragment %}"
)


def render(template, **context) -> str:
    return template.template.render(Context(context))


def test_the_same_values_are_served_from_the_cache():
    lender = LenderFactory(name="甲")

    first = render(SHOWN, lender=lender, flag=True, unlisted="one")
    again = render(SHOWN, lender=lender, flag=True, unlisted="two")

    assert first == again == "甲 True one"


@pytest.mark.parametrize("change", ["field", "value", "language"])
def test_any_change_in_what_it_shows_renders_it_again(change):
    lender = LenderFactory(name="甲")
    with translation.override("zh-hans"):
        render(SHOWN, lender=lender, flag=True, unlisted="old")
    flag = True
    if change == "field":
        lender.name = "乙"
    elif change == "value":
        flag = False

    with translation.override("en" if change == "language" else "zh-hans"):
        html = render(SHOWN, lender=lender, flag=flag, unlisted="new")

    assert html.endswith("new")


def test_rows_loaded_with_an_instance_are_part_of_what_it_shows():
    complaint = ComplaintFactory()
    template = engines["django"].from_string(
        "{% load fragments %}{% fragment 'rel' complaint %}{{ complaint.lender.name }}{% endfragment %}"
    )
    before = template.template.render(Context({"complaint": complaint}))
    complaint.lender.name = "改了名字"

    after = template.template.render(Context({"complaint": complaint}))

    assert before != after == "改了名字"


def test_csrf_tokens_are_not_cached_and_each_viewer_gets_their_own():
    lender = LenderFactory(name="甲")

    first = render(WITH_FORM, lender=lender, csrf_token="A" * 64)
    second = render(WITH_FORM, lender=lender, csrf_token="B" * 64)

    assert 'value="' + "A" * 64 in first and "B" not in first
    assert 'value="' + "B" * 64 in second and "A" * 64 not in second
    stored = cache.get(fragments.fragment_key("form", [lender], csrf=True))
    assert fragments.csrf_placeholder() in stored and "A" * 64 not in stored


def test_text_that_looks_like_the_placeholder_never_gets_a_token():
    lender = LenderFactory(name="甲")
    lender.name = "\x00csrf\x00 \x00csrf-0000\x00"  # as if stored without going through a form

    html = render(WITH_FORM, lender=lender, csrf_token="A" * 64)

    assert html.count("A" * 64) == 1


def test_without_a_token_the_form_has_none():
    lender = LenderFactory(name="甲")
    render(WITH_FORM, lender=lender, csrf_token="A" * 64)

    assert "csrfmiddlewaretoken" not in render(WITH_FORM, lender=lender)


def test_a_developer_with_debug_on_always_sees_a_fresh_render(settings):
    settings.DEBUG = True
    lender = LenderFactory(name="甲")
    render(SHOWN, lender=lender, flag=True, unlisted="one")

    assert render(SHOWN, lender=lender, flag=True, unlisted="two").endswith("two")


def test_a_changed_template_is_a_new_release(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("one")
    templates = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [tmp_path]}]
    with override_settings(TEMPLATES=templates):
        fragments.release.cache_clear()
        before = fragments.release()
        page.write_text("two, longer")
        os.utime(page, ns=(1, 1))
        fragments.release.cache_clear()
        after = fragments.release()
    fragments.release.cache_clear()

    assert before != after


# On the complaint page -----------------------------------------------------------------


def test_the_borrower_never_gets_the_advocates_cards_or_timeline(client, advocate, borrower):
    complaint = featured_case(borrower)
    client.force_login(advocate)
    for_advocate = client.get(complaint.get_absolute_url()).content.decode()
    client.force_login(borrower)

    for_borrower = client.get(complaint.get_absolute_url()).content.decode()

    assert for_advocate.count('name="usable"') == 20
    assert 'name="usable"' not in for_borrower
    assert "备注 1<" in for_advocate and "备注 1<" not in for_borrower  # internal notes
    assert "备注 2<" in for_borrower


def test_the_case_page_shows_a_review_and_a_caption_as_soon_as_they_are_saved(client, advocate, borrower):
    complaint = featured_case(borrower)
    evidence = complaint.evidence.order_by("pk").first()
    client.force_login(advocate)
    client.get(complaint.get_absolute_url())

    client.post(
        reverse("cases:review_evidence", args=[evidence.public_id]), {"usable": "no", "reason": "看不清"}
    )
    client.force_login(borrower)
    client.post(reverse("evidence:caption", args=[evidence.public_id]), {"caption": "催收短信截图"})
    client.force_login(advocate)
    html = client.get(complaint.get_absolute_url()).content.decode()

    assert "看不清" in html
    assert "催收短信截图" in html


def test_a_new_incident_and_its_event_show_at_once(client, borrower):
    complaint = featured_case(borrower)
    client.force_login(borrower)
    before = client.get(complaint.get_absolute_url()).content.decode()

    from complaints import services

    services.incident_add(
        complaint=complaint,
        actor=borrower,
        data={
            "occurred_at": complaint.created,
            "channel": "call",
            "kind": "night_calls",
            "collector_id": "17199998888",
            "contacted": "self",
            "description": "半夜三点打电话",
        },
    )
    after = client.get(complaint.get_absolute_url()).content.decode()

    assert "半夜三点打电话" not in before
    assert "半夜三点打电话" in after
    assert after.count("17199998888") > before.count("17199998888")


def test_the_queue_shows_changed_rows_and_lenders_at_once(client, advocate):
    lender = LenderFactory(name="旧名字", confirmed=True)
    complaint = ComplaintFactory(status="submitted", lender=lender)
    client.force_login(advocate)
    url = reverse("cases:queue") + "?q=&sort=recent"
    before = client.get(url).content.decode()

    lender.name = "新名字"
    lender.save()
    complaint.assignee = advocate
    complaint.save()
    after = client.get(url).content.decode()

    assert before.count("旧名字") == 2  # the row, and the lender filter
    assert "旧名字" not in after and after.count("新名字") == 2
    assert str(advocate) in after.split('class="list-group"')[1]


def test_each_set_of_filters_gets_its_own_form(client, advocate):
    client.force_login(advocate)
    client.get(reverse("cases:queue"), {"q": "甲"})

    html = client.get(reverse("cases:queue"), {"q": "乙"}).content.decode()

    assert 'value="乙"' in html and 'value="甲"' not in html

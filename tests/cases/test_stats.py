"""The advocates' dashboard and the public statistics."""

from __future__ import annotations

import pytest
from django.urls import reverse

from complaints import services
from complaints.models import HarassmentKind, Status
from tests.factories import ComplaintFactory, IncidentFactory, LenderFactory

pytestmark = pytest.mark.django_db


def reviewed(lender, advocate, *, summary="我的私事", kind=HarassmentKind.THIRD_PARTIES, filer=None):
    complaint = ComplaintFactory(
        lender=lender, status=Status.SUBMITTED, summary=summary, **({"filer": filer} if filer else {})
    )
    IncidentFactory(
        complaint=complaint, kind=kind, collector_id="17155556666", collector_id_normalized="17155556666"
    )
    services.complaint_transition(complaint=complaint, actor=advocate, to_status=Status.UNDER_REVIEW)
    return complaint


def test_the_dashboard_is_for_caseworkers_only(client, borrower, advocate):
    assert client.get(reverse("cases:dashboard")).status_code == 302
    client.force_login(borrower)
    assert client.get(reverse("cases:dashboard")).status_code == 404
    client.force_login(advocate)
    assert client.get(reverse("cases:dashboard")).status_code == 200


def test_the_dashboard_draws_and_exports(client, advocate):
    lender = LenderFactory(name='=HYPERLINK("http://evil")')
    for _ in range(3):
        IncidentFactory(complaint=ComplaintFactory(lender=lender, status=Status.SUBMITTED, province="440000"))
    client.force_login(advocate)

    page = client.get(reverse("cases:dashboard")).content.decode()
    export = client.get(reverse("cases:dashboard"), {"format": "csv"}).content.decode("utf-8-sig")

    assert page.count("<svg") == 5
    assert "广东省" in page or "广东" in page
    assert "'=HYPERLINK" in export
    assert ",3" in export


def test_public_statistics_fold_small_lenders_and_hold_no_personal_data(client, advocate, borrower):
    big, small_a, small_b = (
        LenderFactory(name="大平台"),
        LenderFactory(name="小平台甲"),
        LenderFactory(name="小平台乙"),
    )
    for _ in range(5):
        reviewed(big, advocate)
    for _ in range(3):
        reviewed(small_a, advocate, kind=HarassmentKind.THREATS, filer=borrower)
    for _ in range(2):
        reviewed(small_b, advocate)
    unreviewed_lender = LenderFactory(name="未审核平台")
    for _ in range(6):
        ComplaintFactory(lender=unreviewed_lender, status=Status.SUBMITTED)

    response = client.get(reverse("cases:public_stats"))
    page = response.content.decode()
    table = response.context["table"]

    assert response.status_code == 200
    names = [row[0] for row in table["rows"]]
    assert names[0] == "大平台"
    assert "小平台甲" not in page and "小平台乙" not in page
    assert "未审核平台" not in page
    assert table["total"] == 10
    assert ("其他贷款机构" in names) or ("Other lenders" in names)
    for private in (borrower.phone, borrower.display_name, "我的私事", "17155556666"):
        assert private not in page


def test_a_folded_group_too_small_to_hide_anyone_is_left_out(client, advocate):
    for _ in range(5):
        reviewed(LenderFactory(name="大平台"), advocate)
    reviewed(LenderFactory(name="唯一的小平台"), advocate)

    table = client.get(reverse("cases:public_stats")).context["table"]

    assert [row[0] for row in table["rows"]] == ["大平台"]


def test_the_dashboard_shows_the_share_of_regulators_answering_in_time(client, advocate, borrower):
    from datetime import timedelta

    from django.utils import timezone

    from escalations.models import Escalation
    from tests.factories import RegulatorFactory

    regulator = RegulatorFactory(kind="nfra", deadline_days=15)
    now = timezone.now()
    for answered_after in (5, 10, 20):  # two in time, one late
        complaint = ComplaintFactory(filer=borrower, status=Status.WAITING_REGULATOR)
        Escalation.objects.create(
            complaint=complaint,
            regulator=regulator,
            channel="hotline",
            status="answered",
            sent_at=now - timedelta(days=30),
            due_at=now - timedelta(days=15),
            answered_at=now - timedelta(days=30 - answered_after),
        )
    client.force_login(advocate)

    series = {s.title: dict(s.rows) for s in client.get(reverse("cases:dashboard")).context["series"]}

    title = next(t for t in series if "67%" in t)
    assert list(series[title].values()) == [2, 1, 0]

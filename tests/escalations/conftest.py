"""A complaint with incidents and evidence, for the letter and escalation tests."""

from __future__ import annotations

from datetime import datetime

import pytest

from complaints.models import Channel, ContactedParty, HarassmentKind, LicenceType, Outcome, Province, Status
from escalations.letters import LetterTarget
from evidence.models import Evidence
from lib.china import CHINA_TZ
from tests.factories import (
    ComplaintFactory,
    IncidentFactory,
    InstitutionFactory,
    LenderFactory,
    RegulatorFactory,
)

CST = CHINA_TZ
HASHES = ["a1" * 32, "b2" * 32]
# When the fixture's incidents and evidence were recorded: before any test's clock.
RECORDED = datetime(2026, 11, 22, 9, 0, tzinfo=CST)


def add_evidence(complaint, name: str, sha256: str, **fields) -> Evidence:
    # Rows only: the letter reads names and hashes, not bytes.
    return Evidence.objects.create(
        complaint=complaint,
        kind=fields.pop("kind", Evidence.Kind.IMAGE),
        original_name=name,
        extension=".png",
        content_type="image/png",
        size=100,
        sha256=sha256,
        file="evidence/test/original.png",
        **fields,
    )


@pytest.fixture
def letter_case(borrower):
    lender = LenderFactory(name="闪电借", licence_type=LicenceType.PLATFORM)
    funder = InstitutionFactory(
        name="某某消费金融有限公司",
        licence_type=LicenceType.CONSUMER_FINANCE,
        credit_code="91500000MA5U7X0000",
        province=Province.CHONGQING,
    )
    complaint = ComplaintFactory(
        filer=borrower,
        lender=lender,
        funding_institution=funder,
        status=Status.SUBMITTED,
        summary="催收人员打电话给我的父母和同事，说我是骗子。",
        desired_outcomes=[Outcome.STOP_THIRD_PARTIES, Outcome.APOLOGY],
    )
    IncidentFactory(
        complaint=complaint,
        created=RECORDED,
        occurred_at=datetime(2026, 11, 20, 21, 30, tzinfo=CST),
        channel=Channel.CALL,
        kind=HarassmentKind.THIRD_PARTIES,
        contacted=ContactedParty.FAMILY,
        description="打给我母亲，说我欠钱不还",
    )
    IncidentFactory(
        complaint=complaint,
        created=RECORDED,
        occurred_at=datetime(2026, 11, 21, 23, 40, tzinfo=CST),
        channel=Channel.SMS,
        kind=HarassmentKind.THREATS,
        description='<img src="file:///etc/passwd"> 说要来家里找我',
    )
    add_evidence(complaint, "通话录音.png", HASHES[0], created=RECORDED)
    add_evidence(complaint, "短信截图.png", HASHES[1], created=RECORDED)
    return complaint


@pytest.fixture
def lender_target(letter_case):
    return LetterTarget(lender=letter_case.lender)


@pytest.fixture
def cyberspace():
    return RegulatorFactory(kind="cyberspace", name_zh="中央网信办违法和不良信息举报中心", deadline_days=None)

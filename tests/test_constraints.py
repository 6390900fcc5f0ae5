"""lib.constraints: a model skips only the check constraints Django could not check."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from complaints.models import Complaint, Status
from lib.constraints import constraint_fields

pytestmark = pytest.mark.django_db


def _errors(check, complaint, exclude):
    try:
        check(complaint, exclude=exclude)
    except ValidationError as e:
        return sorted((field, list(messages)) for field, messages in e.message_dict.items())
    return []


@pytest.mark.parametrize("status", [Status.DRAFT, Status.SUBMITTED, Status.CLOSED, "no-such-status"])
@pytest.mark.parametrize("submitted", [True, False])
@pytest.mark.parametrize(
    "exclude",
    [None, set(), {"status"}, {"submitted_at"}, {"summary"}, {"status", "submitted_at", "reference"}],
)
def test_complaint_constraints_give_what_djangos_own_validation_gives(status, submitted, exclude):
    complaint = Complaint(status=status, submitted_at=timezone.now() if submitted else None)
    ours = _errors(Complaint.validate_constraints, complaint, exclude)
    djangos = _errors(models.Model.validate_constraints, complaint, exclude)
    assert ours == djangos
    if status == Status.SUBMITTED and not submitted and not exclude:
        assert ours  # the matrix reaches a refusal, so equality is not of two empty lists


def test_the_fields_a_constraint_names_are_read_only_from_plain_lookups():
    plain = models.CheckConstraint(
        condition=models.Q(status__in=["a"]) | (models.Q(submitted_at__isnull=False) & ~models.Q(summary="")),
        name="plain",
    )
    assert constraint_fields(plain) == {"status", "submitted_at", "summary"}
    expression = models.CheckConstraint(
        condition=models.Q(GreaterThan(Length("summary"), 0)), name="expression"
    )
    compared = models.CheckConstraint(condition=models.Q(summary=models.F("reference")), name="compared")
    unique = models.UniqueConstraint(fields=["summary"], name="unique")
    # Whatever is not a lookup of a field against a value is left to Django to check.
    assert constraint_fields(expression) is None
    assert constraint_fields(compared) is None
    assert constraint_fields(unique) is None


def test_the_filing_form_no_longer_asks_django_about_constraints_it_leaves_out(monkeypatch):
    from complaints.forms import ComplaintForm

    asked = []
    original = models.CheckConstraint.validate

    def validate(self, *args, **kwargs):
        asked.append(self.name)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(models.CheckConstraint, "validate", validate)
    form = ComplaintForm(data={"lender_name": "某某贷", "summary": "天天打电话"})
    form.is_valid()
    # Both of the complaint's check constraints are on its status, which no form sets.
    assert asked == []

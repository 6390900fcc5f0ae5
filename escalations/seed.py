"""Seeding the collection-conduct rules (`manage.py seed_conduct_rules`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from lib import versions
from regulators.services import SeedResult

from .conduct import RULES_VERSION
from .models import ConductRule
from .seed_data import CONDUCT_RULES


@transaction.atomic
def conduct_rules_seed(*, rules: Iterable[Mapping[str, Any]] | None = None) -> SeedResult:
    """Create the seeded conduct rules that are missing, matched by code.

    Like regulators_seed: an existing rule is never touched, so a limit or an hour an
    admin corrected, or a rule they switched off, survives every later run.
    """
    created = existing = 0
    for rule in CONDUCT_RULES if rules is None else rules:
        data = dict(rule)
        code = data.pop("code")
        _rule, was_created = ConductRule.objects.get_or_create(code=code, defaults=data)
        if was_created:
            created += 1
        else:
            existing += 1
    if created:
        versions.bump(RULES_VERSION)
    return SeedResult(created=created, existing=existing)

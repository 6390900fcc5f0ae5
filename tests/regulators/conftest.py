"""The directory's fixtures (the seeded directory and `seeded` itself: tests/conftest.py)."""

from __future__ import annotations

import pytest

from regulators.models import Regulator


@pytest.fixture
def by_key(seeded):
    def get(key: str) -> Regulator:
        return Regulator.objects.get(seed_key=key)

    return get

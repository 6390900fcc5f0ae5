from __future__ import annotations

import pytest

from regulators.models import Regulator
from regulators.services import regulators_seed


@pytest.fixture
def seeded(db) -> None:
    """The directory as `seed_regulators` leaves it."""
    regulators_seed()


@pytest.fixture
def by_key(seeded):
    def get(key: str) -> Regulator:
        return Regulator.objects.get(seed_key=key)

    return get

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from regulators.services import regulators_seed


class Command(BaseCommand):
    help = (
        "Loads the national regulators and two local entries per province (the collection-conduct "
        "rules: seed_conduct_rules). Adds only missing entries; never overwrites what an admin edited."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = regulators_seed()
        self.stdout.write(f"Regulators: {result.created} added, {result.existing} already present.")

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from regulators.services import conduct_rules_seed, regulators_seed


class Command(BaseCommand):
    help = (
        "Loads the national regulators, two local entries per province and the collection-conduct "
        "rules. Adds only missing entries; never overwrites what an admin edited."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = regulators_seed()
        self.stdout.write(f"Regulators: {result.created} added, {result.existing} already present.")
        rules = conduct_rules_seed()
        self.stdout.write(f"Conduct rules: {rules.created} added, {rules.existing} already present.")

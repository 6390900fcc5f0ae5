from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from escalations.seed import conduct_rules_seed


class Command(BaseCommand):
    help = (
        "Loads the collection-conduct rules the checks use. Adds only missing rules; never "
        "overwrites what an admin edited."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rules = conduct_rules_seed()
        self.stdout.write(f"Conduct rules: {rules.created} added, {rules.existing} already present.")

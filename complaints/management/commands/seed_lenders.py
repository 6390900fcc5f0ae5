from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from complaints.seed import lenders_seed


class Command(BaseCommand):
    help = (
        "Loads the brands borrowers most often name and the institutions of record behind them. "
        "Adds what is missing; never changes what an admin edited."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(str(lenders_seed()))

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from complaints.lender_seed import SEED_LENDERS
from complaints.models import Lender


class Command(BaseCommand):
    help = "Loads the lenders borrowers most often name. Never overwrites what an admin edited."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        created = 0
        for entry in SEED_LENDERS:
            # Only missing lenders are added: an existing row may carry an admin's edits.
            _lender, was_created = Lender.objects.get_or_create(
                name=entry["name"],
                defaults={
                    "other_names": "\n".join(entry["other_names"]),  # type: ignore[arg-type]
                    "licence_type": entry["licence_type"],
                    "confirmed": True,
                },
            )
            created += was_created
        self.stdout.write(f"Lenders: {created} added, {len(SEED_LENDERS) - created} already present.")

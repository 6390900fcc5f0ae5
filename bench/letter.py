"""Letter PDF render times on a seeded benchmark database: `python -m bench.letter SEED_JSON [N]`.

The PDF is made by a Celery task off the request path (escalations.pdfs); here the task's
function, `letter_pdf_render`, is called in this process as the worker would call it.
The first render of a fresh process is "cold" (WeasyPrint loads pango, fontconfig and the
CJK font on first use, as a worker does on its first letter); the next N are "warm". Each
render is of a new version of the featured complaint's letter to its lender (a line added
to the text), so each one renders rather than finding a stored file. The rows and files
made here are deleted at the end, leaving the database as seeded. Prints one JSON line.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

WARM_RENDERS = 3


def render_times(reference: str, warm: int = WARM_RENDERS) -> dict[str, Any]:
    """Cold and warm render times of one complaint's letter, in seconds."""
    from django.db import transaction
    from django.utils import timezone

    from complaints.models import Complaint
    from escalations import letters, pdfs
    from escalations.models import LetterPdf

    complaint = Complaint.objects.select_related("lender", "filer").get(reference=reference)
    target = letters.LetterTarget(lender=complaint.lender)
    now = timezone.now()
    text = letters.letter_generate(complaint=complaint, target=target, viewer=complaint.filer, now=now)
    made: list[int] = []
    times: list[float] = []
    sizes: list[int] = []
    try:
        for i in range(1 + warm):
            version = f"{text}\n({i + 1})\n"
            pdf = LetterPdf.objects.create(
                complaint=complaint,
                target_key=target.key,
                digest=pdfs.letter_pdf_digest(complaint=complaint, text=version),
                text=version,
                created=now,
                enqueued_at=now,
            )
            made.append(pdf.pk)
            start = time.perf_counter()
            done = pdfs.letter_pdf_render(letter_pdf_id=pdf.pk, now=now)
            times.append(time.perf_counter() - start)
            # The task's function marks the row READY in the database, not on the object.
            if done is None or not LetterPdf.objects.filter(pk=pdf.pk, state=LetterPdf.State.READY).exists():
                raise SystemExit(f"bench.letter: render {i + 1} did not finish ({done and done.error})")
            sizes.append(done.file.size)
    finally:
        with transaction.atomic():
            letters.letter_pdfs_delete(LetterPdf.objects.filter(pk__in=made))
    return {
        "complaint": reference,
        "letter_chars": len(text),
        "cold_s": round(times[0], 3),
        "warm_s": [round(t, 3) for t in times[1:]],
        "warm_median_s": round(statistics.median(times[1:]), 3) if warm else None,
        "pdf_kb": round(statistics.median(sizes) / 1024, 1),
    }


def main() -> None:
    import django

    django.setup()
    seed = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    warm = int(sys.argv[2]) if len(sys.argv) > 2 else WARM_RENDERS
    print(json.dumps(render_times(seed["featured"]["complaint"], warm)), flush=True)


if __name__ == "__main__":
    main()

"""`make bench` times the letter PDF by calling the worker's render in process (bench.letter)."""

from __future__ import annotations

from bench.letter import render_times
from escalations.models import LetterPdf


def test_the_bench_renders_real_versions_and_leaves_nothing_behind(
    letter_case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        times = render_times(letter_case.reference, warm=1)

    assert times["complaint"] == letter_case.reference
    assert times["cold_s"] > 0
    assert len(times["warm_s"]) == 1
    assert times["warm_median_s"] == times["warm_s"][0]
    assert times["pdf_kb"] > 1  # a real PDF with the CJK font subset, not an empty file
    assert not LetterPdf.objects.filter(complaint=letter_case).exists()

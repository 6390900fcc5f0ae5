"""Recall of screenshot reading, measured on screenshots drawn from known content.

    python -m tests.evidence.ocr_report          # the full set (about a minute per core)
    python -m tests.evidence.ocr_report --small  # the handful the test run reads

For each screenshot: the sender exact, each time exact, the character error rate of the
collector's text, the third parties' numbers found, and whether each of them is gone
from the covered copy (read again by OCR: nothing of the number may come back). Prints a
table and the totals against the goals (senders and times >= 95 %, CER <= 5 %, every
third-party number covered); exits 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from typing import Any

from evidence import contained, screens
from lib.phones import normalize_phone
from tests.evidence.screenshots import BORROWER, Shot, full_set, small_set

MAX_PIXELS = 60_000_000
MEMORY_MB = 400


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def ocr(path: str, work: str) -> dict[str, Any]:
    answer = contained.run("ocr", path, str(MAX_PIXELS), work, "60", memory_mb=MEMORY_MB, seconds=90)
    if "error" in answer:
        raise RuntimeError(answer)
    return answer


@dataclass
class Result:
    name: str
    seconds: float
    sender_ok: bool
    times_found: int
    times_total: int
    errors: int  # edit distance of the collector's text
    chars: int
    numbers_found: int
    numbers_total: int
    numbers_left: list[str]  # third parties' numbers OCR still reads in the covered copy


def measure(shot: Shot, work: str) -> Result:
    truth = shot.truth
    path = os.path.join(work, shot.name)
    with open(path, "wb") as f:
        f.write(shot.data)
    started = time.monotonic()
    answer = ocr(path, work)
    seconds = time.monotonic() - started
    screen = screens.read_screen(
        answer["lines"], answer["width"], answer["height"], borrower_numbers={BORROWER}
    )
    expected_sender = normalize_phone(truth.sender) or _norm(truth.sender)
    got_sender = normalize_phone(screen.sender) or _norm(screen.sender)
    read_times = [f"{t.hour}:{t.minute:02d}" for t in screen.times]
    times_found = sum(1 for t in truth.times if t in read_times)
    if truth.channel == "call":
        errors, chars = 0, 0
    else:
        expected = _norm("".join(truth.messages))
        got = _norm("".join(m.text for m in screen.messages))
        errors, chars = edit_distance(expected, got), len(expected)
    found = {c.text for c in screen.covers if c.kind == "number"}
    numbers_found = sum(1 for n in truth.third_party_numbers if n in found)
    left: list[str] = []
    if truth.third_party_numbers:
        out = os.path.join(work, f"out-{shot.name}")
        os.mkdir(out)
        boxes = [box for c in screen.covers for box in c.boxes]
        boxes_path = os.path.join(out, "boxes.json")
        with open(boxes_path, "w") as f:
            json.dump(boxes, f)
        made = contained.run(
            "redact", path, str(MAX_PIXELS), boxes_path, out, memory_mb=MEMORY_MB, seconds=60
        )
        again = ocr(os.path.join(out, made["file"]), out)
        digits = re.sub(r"\D", "", "".join(line["text"] for line in again["lines"]))
        # Any four digits of the number in a row still legible counts as a leak.
        for number in truth.third_party_numbers:
            if any(number[i : i + 4] in digits for i in range(len(number) - 3)):
                left.append(number)
    return Result(
        shot.name,
        seconds,
        got_sender == expected_sender,
        times_found,
        len(truth.times),
        errors,
        chars,
        numbers_found,
        len(truth.third_party_numbers),
        left,
    )


def totals(results: list[Result]) -> dict[str, float]:
    senders = sum(r.sender_ok for r in results) / len(results)
    times_total = sum(r.times_total for r in results)
    chars = sum(r.chars for r in results)
    numbers_total = sum(r.numbers_total for r in results)
    return {
        "screenshots": len(results),
        "sender_exact": round(senders, 4),
        "times_exact": round(sum(r.times_found for r in results) / max(1, times_total), 4),
        "text_cer": round(sum(r.errors for r in results) / max(1, chars), 4),
        "third_party_numbers_found": round(sum(r.numbers_found for r in results) / max(1, numbers_total), 4),
        "third_party_numbers_total": numbers_total,
        "third_party_numbers_left_legible": sum(len(r.numbers_left) for r in results),
        "seconds_per_screenshot": round(sum(r.seconds for r in results) / len(results), 2),
    }


def goals_met(summary: dict[str, float]) -> bool:
    return (
        summary["sender_exact"] >= 0.95
        and summary["times_exact"] >= 0.95
        and summary["text_cer"] <= 0.05
        and summary["third_party_numbers_left_legible"] == 0
    )


def run(shots: list[Shot]) -> tuple[list[Result], dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="ocr-report-") as work:
        results = [measure(shot, work) for shot in shots]
    return results, totals(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="only the handful the tests read")
    parser.add_argument("--json", help="also write the totals and rows to this file")
    args = parser.parse_args()
    results, summary = run(small_set() if args.small else full_set())
    print(f"{'screenshot':34} {'s':>5} sender times   CER  numbers covered")
    for r in results:
        cer = f"{r.errors / r.chars:5.1%}" if r.chars else "    -"
        print(
            f"{r.name:34} {r.seconds:5.1f} {'ok' if r.sender_ok else 'MISS':>6} "
            f"{r.times_found:2}/{r.times_total:<2} {cer} {r.numbers_found:3}/{r.numbers_total:<3} "
            f"{'all' if not r.numbers_left else 'LEFT ' + ','.join(r.numbers_left)}"
        )
    print(json.dumps(summary, indent=2))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"summary": summary, "rows": [r.__dict__ for r in results]}, f, indent=2)
    sys.exit(0 if goals_met(summary) else 1)


if __name__ == "__main__":
    main()

"""One reminder sweep against a seeded benchmark database: `python -m bench.sweep`.

Calls notifications.services.sweep(now=...) as beat would, and times its phases and each
planner by wrapping them. Prints one JSON line per finished step, so that a run cut short
by the caller's timeout still says how far it got. Then sends what is still waiting,
batch after batch, to time draining every due delivery.

Last, a settled sweep: sweeps run until one plans and cancels nothing, what they left is
sent, then as many emails as were due before the first sweep (or `--due N`), the last
ones sent, are made due again, and the sweep runs once more at the same moment, with
nothing left to plan or cancel. Its time should follow what is due, not the size of
the tables: issue 20 wants it at L within 1.3 times its time at S for the same number due
(the first sweep cannot compare: what it plans and cancels grows with the seed). Such a
sweep looks only at what changed since the one before; last, one full sweep is timed, as
runs once every FULL_EVERY (notifications.services.Span).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


# The settled sweep is timed this many times (the median is kept): it is short, and the
# machine's noise would otherwise decide the ratio of L to S.
SETTLED_RUNS = 3
# At most this many sweeps to reach one that plans nothing (the seed's backlog at XL is
# about 5,000 questions, 500 a sweep).
SETTLING_SWEEPS = 30


def emit(**data: Any) -> None:
    print(json.dumps(data), flush=True)


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from notifications import services
    from notifications.models import Channel, Delivery

    # A counter rather than CaptureQueriesContext: Django keeps only the last 9,000 queries.
    count = [0]

    def counter(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        count[0] += 1
        return execute(sql, params, many, context)

    # The first sweep's steps are named plainly, the settled sweep's with this prefix.
    prefix = [""]

    def timed_phase(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            before, start = count[0], time.perf_counter()
            result = fn(*args, **kwargs)
            n = len(result) if isinstance(result, list) else result
            emit(
                step=prefix[0] + name,
                s=round(time.perf_counter() - start, 3),
                queries=count[0] - before,
                n=n,
            )
            return result

        return wrapper

    def timed_planner(fn: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
        @wraps(fn)
        def wrapper(span: Any) -> Iterator[Any]:
            before, spent, n = count[0], 0.0, 0
            iterator = fn(span)
            while True:
                start = time.perf_counter()
                try:
                    item = next(iterator)
                except StopIteration:
                    spent += time.perf_counter() - start
                    break
                spent += time.perf_counter() - start
                n += 1
                yield item
            emit(step=f"{prefix[0]}plan:{fn.__name__}", s=round(spent, 3), queries=count[0] - before, n=n)

        return wrapper

    waiting = Delivery.objects.filter(state__in=[Delivery.State.PENDING, Delivery.State.FAILED])
    due_before = waiting.count()
    emit(step="before", waiting_deliveries=due_before)
    planners = list(services.PLANNERS)
    originals = {
        n: getattr(services, n) for n in ("reminders_cancel_obsolete", "reminders_plan", "deliveries_send")
    }
    ask_due = services.case_followups.followups_ask_due

    def time_phases(on: bool) -> None:
        for name, fn in originals.items():
            setattr(services, name, timed_phase(name, fn) if on else fn)
        services.PLANNERS[:] = [timed_planner(p) for p in planners] if on else planners
        services.case_followups.followups_ask_due = (
            timed_phase("followups_ask_due", ask_due) if on else ask_due
        )

    now = timezone.now()

    def timed_sweep(**kwargs: Any) -> tuple[float, dict[str, int]]:
        """One sweep at `now`, its queries counted from zero: its seconds and outcome."""
        count[0] = 0
        with connection.execute_wrapper(counter):
            start = time.perf_counter()
            result = services.sweep(now=now, **kwargs)
            elapsed = time.perf_counter() - start
        return elapsed, {
            "queries": count[0],
            "planned": result.planned,
            "cancelled": result.cancelled,
            "sent": result.sent,
        }

    time_phases(True)
    elapsed, outcome = timed_sweep()
    emit(step="sweep", s=round(elapsed, 3), **outcome, waiting_after=waiting.count())
    # What one sweep leaves: send the rest batch by batch, as the following sweeps would.
    time_phases(False)
    count[0] = 0
    with connection.execute_wrapper(counter):
        start, batches, sent = time.perf_counter(), 0, 0
        while True:
            n = services.deliveries_send(now=now)
            if not n:
                break
            batches, sent = batches + 1, sent + n
        elapsed = time.perf_counter() - start
    emit(step="drain", s=round(elapsed, 3), queries=count[0], batches=batches, sent=sent)

    # Settling: the seed leaves more questions to tell than one sweep plans (500), more at L
    # than at S, so the sweeps that follow still plan. Sweeps run until one plans and
    # cancels nothing, and what they left is sent, so that the settled sweep below meets
    # only what is made due again.
    start, settling = time.perf_counter(), 0
    while settling < SETTLING_SWEEPS:
        settling += 1
        result = services.sweep(now=now)
        if not result.planned and not result.cancelled:
            break
    while services.deliveries_send(now=now):
        pass
    # Sweeps run minutes apart, and autovacuum analyses a table within a minute of a tenth
    # of it changing; here they run back to back. The questions' table, empty when the seed
    # analysed it, was planned as if it still were: reading every reminder for each question
    # (0.46 s at L, 0.03 s once analysed).
    with connection.cursor() as cursor:
        for table in ("cases_followup", "notifications_reminder", "notifications_delivery"):
            cursor.execute(f"ANALYZE {table}")
    emit(step="settle", s=round(time.perf_counter() - start, 3), sweeps=settling)

    due = int(sys.argv[sys.argv.index("--due") + 1]) if "--due" in sys.argv else due_before
    runs: list[float] = []
    prefix[0] = "settled:"
    time_phases(True)
    for _ in range(SETTLED_RUNS):
        again = list(
            Delivery.objects.filter(channel=Channel.EMAIL, state=Delivery.State.SENT)
            .order_by("-sent_at", "-pk")
            .values_list("pk", flat=True)[:due]
        )
        Delivery.objects.filter(pk__in=again).update(
            state=Delivery.State.PENDING,
            sent_at=None,
            attempts=0,
            claim=None,
            claimed_at=None,
            send_after=now,
        )
        elapsed, outcome = timed_sweep()
        runs.append(round(elapsed, 3))
    emit(step="settled_sweep", s=statistics.median(runs), runs=runs, due=len(again), **outcome)
    # The same, looking at everything, as a sweep does once every FULL_EVERY: nothing due.
    prefix[0] = "full:"
    elapsed, outcome = timed_sweep(full=True)
    emit(step="full_sweep", s=round(elapsed, 3), **outcome)
    sys.stdout.flush()


if __name__ == "__main__":
    main()

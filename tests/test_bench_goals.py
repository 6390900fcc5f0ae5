"""`make bench` judges issue 20's goals in var/bench/report.json: a figure on the wrong
side of a goal must show as missed, and a report that meets every goal must say so."""

from __future__ import annotations

import copy

import pytest

from bench.endpoints import endpoints
from bench.run import XL_PAGES, goals, joined, middleware

SEED = {
    "featured": {
        "complaint": "WKDJT-RFRE0",
        "collector_typed": "171 0000 0001",
        "collector": "17100000001",
        "search_reference": "5DF0B-YGD15",
        "letter_target": "lender-1",
    }
}


def page(ratio: float, queries: int = 5, kb: int = 40) -> dict:
    figures = {"rps": 100.0, "p50_ms": 20.0, "p99_ms": 40.0, "queries": queries, "bytes": kb * 1024}
    return {
        **figures,
        "ratio": ratio,
        "flatness": 1.0,
        "flatness_xl": 0.95,
        "S": dict(figures),
        "XL": dict(figures),
    }


def everywhere(entry: dict, **figures) -> None:
    """The same figure at every size, as a page whose queries do not depend on the data."""
    for at in (entry, entry["S"], entry["XL"]):
        at.update(figures)


def meeting_every_goal() -> dict:
    return {
        "sizes": {"S": 10_000, "L": 100_000, "XL": 1_000_000},
        "ceiling": {"middleware_ratio": 0.9, "table": {"p50_ms": 10.0}},
        "endpoints": {
            ep.name: page(0.7, queries=0 if ep.name == "directory" else 5) for ep in endpoints(SEED)
        },
        "upload": {"call-300mb.wav": {"label": "300 MB", "ratio_to_cp": 5.0, "worker_peak_growth_mb": 4.0}},
        "reminders": {
            "sweep_s": 1.5,
            "due": 5000,
            "drain_sent": 4000,
            "drain_queries": 100,
            "settled": {"s": 0.5, "due": 500},
            "at_S": {"settled": {"s": 0.45, "due": 500}},
        },
        "seed": {"L": {"total_s": 60}},
        "submission": {"p50_ms": 18.0, "queries": 12},
        "package": {"bytes": 1e9, "worker_peak_growth_mb": 1.0},
    }


def missed(report: dict) -> set[str]:
    return {g["what"] for g in goals(report) if not g["met"]}


def test_a_report_that_meets_every_goal_misses_none():
    assert missed(meeting_every_goal()) == set()


@pytest.mark.parametrize(
    ("change", "goal"),
    [
        (lambda r: r["endpoints"]["complaint_detail"].update(ratio=0.39), "complaint_detail ratio"),
        (lambda r: r["endpoints"]["case_detail"].update(ratio=0.24), "case detail ratio"),
        (lambda r: everywhere(r["endpoints"]["case_detail"], queries=13), "case detail queries"),
        (lambda r: r["endpoints"]["queue_default"].update(ratio=0.44), "queue_default ratio"),
        (lambda r: r["endpoints"]["queue"].update(p99_ms=61.0), "queue p99 ÷ p50"),
        (lambda r: r["endpoints"]["search_collector"].update(ratio=0.29), "search_collector ratio"),
        (lambda r: r["endpoints"]["directory"].update(ratio=0.59), "directory ratio"),
        (lambda r: r["endpoints"]["letter_wait"].update(ratio=0.49), "letter_wait ratio"),
        (lambda r: r["ceiling"].update(middleware_ratio=0.84), "middleware: tiny ÷ plain tiny"),
        (lambda r: r["submission"].update(p50_ms=21.0), "complaint submission p50 ÷ ceiling table p50"),
        (lambda r: r["reminders"].update(drain_queries=240), "reminder drain queries per message"),
        (lambda r: r["endpoints"]["mine"]["XL"].update(queries=6), "mine queries same at S, L and XL"),
        (
            lambda r: r["reminders"]["settled"].update(s=0.6),
            "settled reminder sweep s at L ÷ at S (500 due)",
        ),
        (lambda r: r["endpoints"]["queue"].update(flatness_xl=0.79), "queue flatness at XL (÷ S)"),
    ],
)
def test_a_figure_past_its_goal_is_missed(change, goal):
    report = copy.deepcopy(meeting_every_goal())
    change(report)
    assert missed(report) == {goal}


def test_the_flat_pages_are_judged_at_xl_only_when_xl_was_run():
    report = meeting_every_goal()
    del report["sizes"]["XL"]
    judged = {g["what"] for g in goals(report)}
    assert not any("at XL" in what or "S, L and XL" in what for what in judged)
    assert set(XL_PAGES) <= set(report["endpoints"])


def test_every_page_the_bench_loads_is_a_page_of_the_project():
    """A wrong path would be measured as a fast 404 (the bench checks the status only on
    the seeded data, after an hour of seeding at XL)."""
    from urllib.parse import urlsplit

    from django.urls import resolve

    for ep in endpoints(SEED):
        match = resolve(urlsplit(ep.path).path)
        assert match.func.__module__.split(".")[0] in {
            "cases",
            "complaints",
            "regulators",
            "escalations",
            "notifications",
        }, ep


def _slice(rps: float, p50: float) -> dict:
    return {
        "rps": rps,
        "p50_ms": p50,
        "p99_ms": p50 * 2,
        "requests": int(rps),
        "non_2xx": 0,
        "socket_errors": 0,
    }


def test_slices_of_one_page_join_into_one_run_at_their_mean_rate():
    run = joined([_slice(3000, 0.5), _slice(2000, 0.7), _slice(2500, 0.6)])
    assert run["rps"] == 2500.0
    assert run["p50_ms"] == 0.6
    assert run["requests"] == 7500


def test_the_middleware_ratio_is_the_median_of_every_pair_of_every_round():
    """Not the median of the rounds' medians: one slow slice moves one pair, not a round."""
    rounds = [
        {"pair_ratios": [0.80, 0.90, 0.91]},
        {"pair_ratios": [0.70, 0.72, 0.95]},
        {"pair_ratios": [0.88]},
    ]
    found = middleware(rounds)
    assert found["middleware_ratio"] == 0.88
    assert found["middleware_by_round"] == [0.9, 0.72, 0.88]
    assert found["middleware_pairs"] == 7

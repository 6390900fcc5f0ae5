"""Ceiling pages: served by the whole project and its middleware, touching no database.

Every figure of `make bench` is divided by the ceiling measured in the same round, so the
machine's noise cancels. They are routed only when the BENCHMARK setting is on.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.template.backends.django import Template

from lib.china import CHINA_TZ

TEMPLATE = Path(__file__).resolve().parent / "templates" / "bench" / "ceiling_table.html"
STATUSES = ["已提交", "审核中", "等待贷款机构答复", "等待监管部门答复", "已解决"]
LENDERS = ["小赢卡贷", "拍拍贷", "安逸花", "360借条", "马上消费金融"]
START = datetime(2026, 1, 5, 9, 30, tzinfo=CHINA_TZ)


def _rows() -> list[dict[str, Any]]:
    """Fifty rows shaped like the advocates' queue, made up in memory."""
    return [
        {
            "reference": f"BENCH-{i:05d}",
            "lender": LENDERS[i % len(LENDERS)],
            "status": STATUSES[i % len(STATUSES)],
            "province": "广东",
            "changed": START + timedelta(hours=7 * i),
            "incidents": i % 13 + 1,
            "evidence": i % 11,
            "kinds": ["爆通讯录", "威胁"] if i % 2 else ["夜间联系"],
        }
        for i in range(50)
    ]


ROWS = _rows()


@cache
def _table_template() -> Template:
    # Compiled once per process, as Django's cached loader does for the real pages.
    return engines["django"].from_string(TEMPLATE.read_text(encoding="utf-8"))


def tiny(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


def table(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_table_template().render({"rows": ROWS}, request))

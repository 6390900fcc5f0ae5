"""Rules written once: China's time zone (lib/china.py) and the spreadsheet formula
guard (lib/spreadsheets.py). Copies drift: one of four time zones read settings, which
a deployment in UTC would have turned into deadlines on the wrong day."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SKIP = {".venv", "node_modules", "migrations", "vendor", "var"}


def project_sources() -> list[Path]:
    return [
        path
        for path in sorted(ROOT.rglob("*.py"))
        if not SKIP & set(path.relative_to(ROOT).parts) and path.parts[len(ROOT.parts)] != "tests"
    ]


def test_china_time_zone_is_defined_once():
    pattern = re.compile(r"ZoneInfo\(|Asia/Shanghai")
    found = [
        str(path.relative_to(ROOT))
        for path in project_sources()
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert sorted(found) == ["config/settings.py", "lib/china.py"]


def test_the_formula_guard_is_defined_once():
    pattern = re.compile(r"""["']=["'],\s*["']\+["'],\s*["']-["'],\s*["']@["']""")
    found = [
        str(path.relative_to(ROOT))
        for path in project_sources()
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert found == ["lib/spreadsheets.py"]

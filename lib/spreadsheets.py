"""Cells written to a CSV that people open in a spreadsheet.

A spreadsheet runs a cell that starts with one of FORMULA_STARTS as a formula (CSV
injection): `=HYPERLINK(...)` in a lender's name typed by anyone would become a link
or worse on an advocate's machine. Every CSV the app writes passes its cells here.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: Any) -> Any:
    """The cell as text a spreadsheet shows as text: a leading quote defuses a formula.
    Anything that does not start like a formula is returned unchanged (numbers stay numbers)."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else value


def formula_unsafe(value: str) -> str:
    """Undo formula_safe, so that a file exported and imported back does not gain quotes."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value

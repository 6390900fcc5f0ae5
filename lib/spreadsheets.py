"""Cells written to a CSV that people open in a spreadsheet.

A spreadsheet runs a cell that starts with one of FORMULA_STARTS as a formula (CSV
injection): `=HYPERLINK(...)` in a lender's name typed by anyone would become a link
or worse on an advocate's machine. Every CSV the app writes passes its cells here.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

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


class SpreadsheetError(Exception):
    """The file as a whole cannot be read as a CSV; the message is for the admin."""


# Bytes that start files people mistake for a spreadsheet's CSV: (start, is an Excel workbook).
_BINARY_STARTS = (
    (b"PK\x03\x04", True),  # an Excel workbook (a ZIP), or any other ZIP
    (b"\xd0\xcf\x11\xe0", True),  # an old Excel workbook
    (b"%PDF", False),
    (b"\x89PNG", False),
    (b"\xff\xd8\xff", False),
    (b"GIF8", False),
)
_CONTROL_BYTES = [bytes([b]) for b in range(32) if b not in (9, 10, 13)]


def decode_csv(data: bytes) -> str:
    """An uploaded CSV's text: UTF-8 (with or without Excel's BOM) or GB18030, which Excel
    in a Chinese locale saves. A binary file is refused first: GB18030 decodes almost any
    bytes, so a picture would otherwise come back as a header of odd characters."""
    for start, workbook in _BINARY_STARTS:
        if data.startswith(start):
            if workbook:
                raise SpreadsheetError(
                    _(
                        "This is an Excel workbook, not a CSV file. In Excel, save it as “CSV UTF-8” and upload that."
                    )
                )
            break
    else:
        # Text never holds NUL or control characters other than tab, line feed and return.
        sample = data[:65536]
        if not any(b in sample for b in _CONTROL_BYTES):
            for encoding in ("utf-8-sig", "gb18030"):
                try:
                    return data.decode(encoding)
                except UnicodeDecodeError:
                    continue
            raise SpreadsheetError(_("The file is neither UTF-8 nor GB18030 text."))
    raise SpreadsheetError(
        _("This is not a text CSV file: it holds binary data. Save the sheet as CSV (UTF-8) and upload that.")
    )

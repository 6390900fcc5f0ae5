"""Phone numbers as borrowers and collectors write them: spaces, dashes, +86, 0086."""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-().\u3000（）]")
_MAINLAND_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")


def fold_digits(raw: str) -> str:
    """Text as a Chinese input method or another script may type it, in plain characters:
    NFKC turns full-width digits, signs and spaces (１３８, ＋, the ideographic space) into
    ASCII, and every other decimal digit (Arabic-Indic ٠١٢, Devanagari...) becomes 0-9."""
    text = unicodedata.normalize("NFKC", raw or "")
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def normalize_phone(raw: str) -> str:
    """Digits only, without China's country code; '' when nothing number-like is left.

    Collectors' numbers may be landlines or short service numbers, so this does not
    judge validity; `is_mainland_mobile` does that for sign-up.
    """
    value = _SEPARATORS.sub("", fold_digits(raw)).strip()
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    elif value.startswith("86") and len(value) == 13:
        value = value[2:]
    return value if value.isascii() and value.isdigit() else ""


def is_mainland_mobile(number: str) -> bool:
    return bool(_MAINLAND_MOBILE.match(number))


def mask_phone(number: str) -> str:
    """138****5678: enough to recognise one's own contact, not enough to call them."""
    digits = normalize_phone(number) or (number or "")
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) > 2:
        return digits[0] + "*" * (len(digits) - 2) + digits[-1]
    return "*" * len(digits)

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


# Between the numbers of a pasted list: new lines, commas, semicolons and the enumeration
# comma, as a phone's call log or a chat copies them.
_LIST_SEPARATORS = re.compile(r"[\n\r,;，；、]+")
# What a number may be written with; anything else (a name, a note) is not part of one.
_NUMBER_LIKE = re.compile(r"^[+0-9\s\-().]*$")


def parse_number_list(raw: str) -> tuple[list[str], list[str]]:
    """A pasted list of phone numbers: (the numbers, normalised, each once, in the order
    given; the pieces that are not a number).

    A piece between commas or lines is one number when it reads as one ("138 1234 5678",
    "+86-138..."). Otherwise its space-separated parts are gathered until they make a
    mobile number, so "0086 137 0000 3333 13600004444" is two; parts that make none are
    returned as not numbers (landlines in such a run need commas or lines between them).
    """
    numbers: list[str] = []
    bad: list[str] = []
    seen: set[str] = set()

    def take(piece: str) -> bool:
        number = normalize_phone(piece)
        if not number or not 5 <= len(number) <= 15:
            return False
        if number not in seen:
            seen.add(number)
            numbers.append(number)
        return True

    def give_up(parts: list[str]) -> None:
        bad.extend(part for part in parts if not take(part))

    for piece in _LIST_SEPARATORS.split(fold_digits(raw or "")):
        piece = piece.strip()
        if not piece or take(piece):
            continue
        gathered: list[str] = []
        for part in piece.split():
            gathered.append(part)
            text = " ".join(gathered)
            if not _NUMBER_LIKE.match(text):
                give_up(gathered)
                gathered = []
            elif is_mainland_mobile(normalize_phone(text)):
                take(text)
                gathered = []
            elif len(normalize_phone(text) or re.sub(r"\D", "", text)) > 15:
                give_up(gathered)
                gathered = []
        if gathered and not take(" ".join(gathered)):
            give_up(gathered)
    return numbers, bad

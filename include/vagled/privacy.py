"""Personal data guard: Swedish national identity and co-ordination numbers in free text.

A personnummer is YYMMDD-NNNC or YYYYMMDDNNNC with a Luhn check digit C over the ten digits
YYMMDDNNN; a samordningsnummer is the same with 60 added to the day. Only numbers whose date
and check digit are valid count, so order numbers and phone numbers are left alone.
"""

from __future__ import annotations

import re

MASK = "[personnummer borttaget]"

_CANDIDATE = re.compile(r"(?<!\d)(?:(?:19|20)?\d{6})[-+ ]?\d{4}(?!\d)")
# A candidate has at least ten digits. Latin-1 holds no decimal digits but 0-9, so for a text that
# fits in Latin-1 (Swedish prose does) counting ASCII digits in C decides whether the regex, about
# twenty times dearer, needs to run at all. Wider texts may hold other digits \d matches: regex.
_MIN_DIGITS = 10
_NOT_ASCII_DIGIT = bytes(byte for byte in range(256) if not 0x30 <= byte <= 0x39)


def luhn_ok(digits: str) -> bool:
    """Return whether the last digit is the Luhn check digit of the others."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _is_identity_number(candidate: str) -> bool:
    digits = re.sub(r"\D", "", candidate)
    ten = digits[-10:]
    month, day = int(ten[2:4]), int(ten[4:6])
    if day > 60:  # co-ordination number
        day -= 60
    return 1 <= month <= 12 and 1 <= day <= 31 and luhn_ok(ten)


def may_hold_identity_number(text: str) -> bool:
    """Whether a text has the ten digits a number needs (False means no regex is needed)."""
    if not isinstance(text, str):
        return True  # the regex raises the TypeError callers expect
    if len(text) < _MIN_DIGITS:
        return False
    try:
        latin1 = text.encode("latin-1")
    except UnicodeEncodeError:
        return True
    return len(latin1.translate(None, _NOT_ASCII_DIGIT)) >= _MIN_DIGITS


def find_identity_numbers(text: str | None) -> list[str]:
    """Return the national identity or co-ordination numbers found in a text."""
    if not text or not may_hold_identity_number(text):
        return []
    return [m.group(0) for m in _CANDIDATE.finditer(text) if _is_identity_number(m.group(0))]


def mask_identity_numbers(text: str | None) -> tuple[str | None, bool]:
    """Return the text with every identity number replaced by a mask, and whether any was found."""
    if not text or not may_hold_identity_number(text):
        return text, False
    found = False

    def replace(match: re.Match[str]) -> str:
        nonlocal found
        if _is_identity_number(match.group(0)):
            found = True
            return MASK
        return match.group(0)

    return _CANDIDATE.sub(replace, text), found

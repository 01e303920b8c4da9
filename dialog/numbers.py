"""The spoken digits, one table for every reader of numbers (keypad words, ages,
numbers in names): marked, and as they look typed or heard without marks."""

from __future__ import annotations

from dialog.normalize import strip_diacritics

DIGITS: dict[str, int] = {
    "không": 0, "một": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "sáu": 6,
    "bảy": 7, "bẩy": 7, "tám": 8, "chín": 9,
}  # fmt: skip
BARE_DIGITS: dict[str, int] = {strip_diacritics(k): v for k, v in DIGITS.items()}

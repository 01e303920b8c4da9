"""Numbered qualifiers: "mức độ 2", "định danh mức một", "phiếu số 1".

Sibling procedures often differ by a number after a counter word (the level-1 and the
level-2 electronic identity account). A caller who says one number does not mean the
sibling whose name, aliases or keywords give that counter only another number."""

from __future__ import annotations

from collections.abc import Iterable

from dialog.normalize import strip_diacritics

_COUNTERS = frozenset(("mức", "hạng", "loại", "nhóm", "số"))
_SKIP = frozenset(("độ",))  # "mức độ 2" is "mức 2"
_NUMBERS = {
    "một": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9,
}  # fmt: skip
_BARE_COUNTERS = frozenset(strip_diacritics(c) for c in _COUNTERS)
_BARE_NUMBERS = {"mot": 1, "hai": 2, "ba": 3, "bon": 4, "sau": 6, "bay": 7, "tam": 8, "chin": 9}


def _value(word: str, unmarked: bool) -> int | None:
    if word.isdigit():
        return int(word)
    value = _NUMBERS.get(word)
    if value is None and unmarked:
        value = _BARE_NUMBERS.get(word)
    return value


def numbered(words: list[str]) -> dict[str, set[int]]:
    """Counter -> the numbers said after it ("vneid mức một" -> {"mức": {1}})."""
    found: dict[str, set[int]] = {}
    for i, w in enumerate(words):
        unmarked = w.isascii()
        counter = strip_diacritics(w) if unmarked else w
        if (counter not in _BARE_COUNTERS) if unmarked else (counter not in _COUNTERS):
            continue
        j = i + 1
        if j < len(words) and (words[j] in _SKIP or words[j] == "do"):
            j += 1
        if j < len(words):
            value = _value(words[j], words[j].isascii())
            if value is not None:
                found.setdefault(strip_diacritics(counter), set()).add(value)
    return found


def record_numbers(texts: Iterable[str]) -> dict[str, set[int]]:
    """Counter -> every number a record's texts (name, aliases, keywords) give it."""
    out: dict[str, set[int]] = {}
    for text in texts:
        for counter, values in numbered(text.split()).items():
            out.setdefault(counter, set()).update(values)
    return out


def contradicts(said: dict[str, set[int]], known: dict[str, set[int]]) -> bool:
    """Whether a record gives a counter the caller numbered only other numbers."""
    return any(counter in known and not (values & known[counter]) for counter, values in said.items())

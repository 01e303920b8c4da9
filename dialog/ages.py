"""A caller's spoken age ("má tui sáu chục tuổi", "bé năm tuổi") and the age limits
procedure names state ("cho người dưới 14 tuổi", "từ đủ 14 tuổi trở lên").

A caller who gives an age describes the person, not the procedure: the matcher checks
the age against each name's limit instead of matching the words "14 tuổi"."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from dialog.normalize import strip_diacritics
from dialog.numbers import BARE_DIGITS, DIGITS

# Units as said after tens: "hai mươi mốt", "hai mươi lăm" (Northern "nhăm").
_UNITS = {**DIGITS, "mốt": 1, "lăm": 5, "nhăm": 5}
_TENS = frozenset(("mươi", "chục"))
_TEN = "mười"
_UNITS_BARE = {**BARE_DIGITS, "lam": 5, "nham": 5}
_LIMIT = re.compile(r"(dưới|trên|từ đủ|đủ|từ)\s+(\d+)\s+tuổi(?:\s+trở\s+lên)?")


@dataclass(frozen=True, slots=True)
class SpokenAge:
    years: int
    positions: range  # the words of "<number> tuổi" in the utterance


def _unit(word: str) -> int | None:
    value = _UNITS.get(word)
    return _UNITS_BARE.get(word) if value is None else value


def _tens_word(word: str) -> bool:
    return word in _TENS or word in ("muoi", "chuc")  # unmarked "muoi": mươi or mười


def _ten_word(word: str) -> bool:
    return word in (_TEN, "muoi")


def _number_before(words: list[str], end: int) -> tuple[int, int] | None:
    """The number spoken just before ``end`` ("hai mươi lăm", "mười bốn", "sáu chục",
    "hai lăm", "14") as (value, index of its first word)."""
    i = end - 1
    if i < 0:
        return None
    if words[i].isdigit():
        return int(words[i]), i
    unit = _unit(words[i])
    before = _unit(words[i - 1]) if i >= 1 else None
    if unit is None:
        if _tens_word(words[i]) and before:
            return before * 10, i - 1  # "sáu chục", "bảy mươi"
        if _ten_word(words[i]):
            return 10, i
        return None
    if i >= 1 and _tens_word(words[i - 1]):
        tens = _unit(words[i - 2]) if i >= 2 else None
        if tens:
            return tens * 10 + unit, i - 2  # "hai mươi lăm"
    if i >= 1 and _ten_word(words[i - 1]):
        return 10 + unit, i - 1  # "mười bốn"
    if before and before > 1 and unit in (1, 4, 5):
        return before * 10 + unit, i - 1  # "hai lăm", "ba mốt"
    return (unit, i) if unit > 0 else None


def spoken_age(words: list[str]) -> SpokenAge | None:
    """The first "<number> tuổi" in an utterance (normalised words, marks or not)."""
    for i, w in enumerate(words):
        if w in ("tuổi", "tuoi") and i > 0:
            found = _number_before(words, i)
            if found is not None and 0 < found[0] <= 120:
                years, start = found
                # "trẻ dưới 14 tuổi" names a limit, not an age: someone just inside it.
                before = strip_diacritics(words[start - 1]) if start > 0 else ""
                if before == "duoi":
                    years, start = years - 1, start - 1
                elif before == "tren":
                    years, start = years + 1, start - 1
                return SpokenAge(years, range(start, i + 1))
    return None


def age_limits(name: str) -> tuple[float, float] | None:
    """The age range a normalised procedure name admits ("dưới 14 tuổi": [0, 14)), or None."""
    lo, hi = 0.0, math.inf
    found = False
    for kind, n in _LIMIT.findall(name):
        found = True
        if kind == "dưới":
            hi = min(hi, float(n))
        else:
            lo = max(lo, float(n) + (kind == "trên"))
    return (lo, hi) if found else None


def limit_words(name: str) -> frozenset[str]:
    """The words of a name's age limits ("từ đủ 14 tuổi trở lên")."""
    return frozenset(w for m in _LIMIT.finditer(name) for w in m.group(0).split())


def admits(limits: tuple[float, float] | None, years: int) -> bool:
    return limits is None or limits[0] <= years < limits[1]

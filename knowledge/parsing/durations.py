"""Processing times: "7 Ngày làm việc", "15 Ngày", "8 Giờ", a bare "1"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.parsing.outcome import Parsed
from knowledge.parsing.text import clean_inline
from knowledge.records import DayKind

# A working day is 8 office hours, so hours convert to working days.
HOURS_PER_WORKING_DAY = 8

# Longest unit first: the crawl glues the next cell straight after the unit.
_UNIT = r"ngày làm việc|ngày|giờ làm việc|giờ|phút|tuần|tháng|năm"
_LEADING = re.compile(rf"(?P<n>\d+(?:[.,]\d+)?)\s*(?P<unit>{_UNIT})", re.IGNORECASE)
_BARE = re.compile(r"\d+(?:[.,]\d+)?")
# Said of a bare number: the portal gives it without a unit.
UNIT_MISSING = "theo Cổng dịch vụ công, không ghi rõ đơn vị"
# Statements that are a complete answer though they carry no number.
_NO_LIMIT = ("không quy định", "không phải trả kết quả", "không thời hạn")


def is_no_limit(text: str) -> bool:
    """ "Không", "Không quy định": the source states there is no time limit."""
    low = text.strip(" .").lower()
    return low == "không" or low.startswith(_NO_LIMIT)


@dataclass(slots=True, frozen=True)
class Duration:
    text: str = ""  # spoken-friendly, e.g. "7 ngày làm việc", "8 giờ"
    days: float | None = None
    day_kind: DayKind | None = None


def read_number(digits: str) -> float:
    """ "07" -> 7, "1.5" / "1,5" -> 1.5."""
    return float(digits.replace(",", "."))


def format_number(value: float) -> str:
    """7.0 -> "7", 1.5 -> "1,5" (Vietnamese decimal comma)."""
    if value == int(value):
        return str(int(value))
    return f"{value:g}".replace(".", ",")


def duration_of(number: float, unit: str) -> Duration:
    """The duration for a number and a (case-insensitive) unit word."""
    unit = unit.lower()
    text = f"{format_number(number)} {unit}"
    if unit == "ngày làm việc":
        return Duration(text, number, "working")
    if unit == "ngày":
        return Duration(text, number, "calendar")
    if unit in ("giờ", "giờ làm việc"):
        return Duration(text, number / HOURS_PER_WORKING_DAY, "working")
    if unit == "phút":
        return Duration(text, number / 60 / HOURS_PER_WORKING_DAY, "working")
    if unit == "tuần":
        return Duration(text, number * 7, "calendar")
    # Months and years have no fixed length in days: keep the words only.
    return Duration(text)


def match_duration(text: str, pos: int = 0) -> tuple[Duration, int] | None:
    """A number with its unit at ``pos``; returns the duration and where it ends."""
    m = _LEADING.match(text, pos)
    if not m:
        return None
    return duration_of(read_number(m.group("n")), m.group("unit")), m.end()


def unitless(number: float) -> Duration:
    """A time the source gives as a bare number ("1", "75"). Its unit is unknown
    (hours? working days? days?), so no number of days is kept: assuming one
    would have callers told "một ngày". The text says what the source says, in
    words a caller can be read (the seed catalogue's wording)."""
    return Duration(f"{format_number(number)} {UNIT_MISSING}")


def unitless_value(text: str) -> float | None:
    """The number of a `unitless` time text; None for any other text."""
    m = re.fullmatch(rf"(\d+(?:,\d+)?) {UNIT_MISSING}", text)
    return read_number(m.group(1)) if m else None


def without_zero(duration: Duration, flags: list[str]) -> Duration:
    """A zero processing time says nothing (same day? not filled in?): keep the text only."""
    if duration.days == 0 or unitless_value(duration.text) == 0:
        flags.append("time_zero")
        return Duration(duration.text)
    return duration


def unit_from_text(number: float, text: str) -> str | None:
    """The unit the source itself gives this number elsewhere ("Trong thời hạn
    03 (ba) ngày làm việc ..."), when exactly one unit follows it; else None."""
    if number != int(number) or number <= 0:
        return None
    pattern = rf"(?<![\d.,/])0*{int(number)}\s*(?:\([^)]{{1,20}}\)\s*)?(?P<unit>{_UNIT})(?!\w)"
    units = {m.group("unit").lower() for m in re.finditer(pattern, text, re.IGNORECASE)}
    return units.pop() if len(units) == 1 else None


def parse_duration(text: str | None) -> Parsed[Duration]:
    """One time cell. Unreadable text is kept as ``text`` with a flag, never guessed."""
    parsed = _parse_duration(text)
    parsed.value = without_zero(parsed.value, parsed.flags)
    return parsed


def _parse_duration(text: str | None) -> Parsed[Duration]:
    cell = clean_inline(text)
    if not cell:
        return Parsed(Duration())
    found = match_duration(cell)
    if found:
        duration, end = found
        rest = cell[end:].strip(" .;,")
        if rest:
            # "30 ngày làm việc kể từ ..." : the number stands, the words stay.
            return Parsed(Duration(cell, duration.days, duration.day_kind))
        return Parsed(duration)
    bare = _BARE.fullmatch(cell)
    if bare:
        return Parsed(unitless(read_number(cell)), ["time_unit_missing"])
    if is_no_limit(cell):
        return Parsed(Duration(cell))
    return Parsed(Duration(cell), ["time_unparsed"])

"""The portal's flattened "cách thức thực hiện" table.

Input looks like ``Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến7 Ngày làm
việc10,000 Việt Nam Đồng(...)mô tả...Trực tiếp...``: four columns (channel,
time, fee, description) with every cell boundary lost. A row starts at a
channel label directly followed by a time cell (a digit or "Không ...")."""

from __future__ import annotations

import re
from dataclasses import replace

from knowledge.parsing.durations import (
    Duration,
    duration_of,
    is_no_limit,
    match_duration,
    unit_from_text,
    unitless,
    unitless_value,
    without_zero,
)
from knowledge.parsing.feenotes import ITEM_NUMBER, amounts_in, is_list_marker
from knowledge.parsing.fees import AMOUNT, FREE, NO_INFO, Fee, amount_fee, closing_paren, settle
from knowledge.parsing.outcome import Parsed
from knowledge.parsing.text import clean_inline, strip_placeholder
from knowledge.records import Channel, ChannelKind

HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
LABELS: dict[str, ChannelKind] = {
    "Trực tuyến": "online",
    "Trực tiếp": "direct",
    "Dịch vụ bưu chính": "postal",
}
_LABEL = re.compile(r"Trực tuyến|Trực tiếp|Dịch vụ bưu chính")
_FEE_START = re.compile(rf"{FREE}|{NO_INFO}|{AMOUNT.pattern}")
_GROUPED = re.compile(r"[1-9]\d{0,2}(?:,\d{3})+")


def resolve_bare_times(channels: list[Channel], context: str) -> Parsed[list[Channel]]:
    """Give a unit to times the table left bare ("1") when the row's note or
    ``context`` (e.g. the steps) states that same number with one unit.
    Flags "time_unit_from_text" when a unit was taken from the text, and
    "time_unit_missing" for what is still bare."""
    result: Parsed[list[Channel]] = Parsed([])
    for c in channels:
        number = unitless_value(c.time_text) if c.days is None else None
        if number is not None:
            unit = unit_from_text(number, f"{c.note} {context}")
            if unit:
                d = duration_of(number, unit)
                c = replace(c, time_text=d.text, days=d.days, day_kind=d.day_kind)
                result.flag("time_unit_from_text")
            else:
                result.flag("time_unit_missing")
        result.value.append(c)
    return result


def channel_kind(label: str) -> ChannelKind | None:
    """ "Trực tuyến" -> "online"; also accepts the labels in other casings."""
    low = clean_inline(label).lower()
    for name, kind in LABELS.items():
        if low == name.lower() or low.startswith(name.lower()):
            return kind
    if "bưu" in low:
        return "postal"
    return None


def parse_channels(text: str | None) -> Parsed[list[Channel]]:
    """All rows of the table, one Channel per source row, in source order."""
    body = (text or "").strip()
    if not clean_inline(body):
        return Parsed([])
    if body.startswith(HEADER):
        body = body[len(HEADER):]
    starts = row_starts(body)
    if not starts or clean_inline(body[: starts[0].start()]):
        return Parsed([], ["channels_unparsed"])
    rows = []
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(body)
        cells = body[m.end():end]
        rows.append((_glued_token(cells), parse_row(LABELS[m.group()], cells)))
    _settle_glued_like_siblings(rows)
    _doubt_bare_free_like_siblings([row for _, row in rows])
    result: Parsed[list[Channel]] = Parsed([])
    for _, row in rows:
        result.value.append(row.value)
        for f in row.flags:
            result.flag(f)
    return result


def _glued_token(cells: str) -> str:
    m = AMOUNT.match(cells.lstrip())
    return m.group() if m else ""


def _settle_glued_like_siblings(rows: list[tuple[str, Parsed[Channel]]]) -> None:
    """ "Trực tuyến120 VNĐ(20.000 vnđ/tờ khai)Trực tiếp120 VNĐ": the same glued
    text splits the same way in every row, so a row whose own note settled
    the split settles its siblings too."""
    settled = {token: row.value for token, row in rows if token and "fee_from_note" in row.flags}
    for token, row in rows:
        source = settled.get(token)
        if source is None or "time_fee_glued" not in row.flags:
            continue
        row.value = replace(
            row.value, time_text=source.time_text, days=source.days, day_kind=source.day_kind, fee_vnd=source.fee_vnd
        )
        row.flags = [f for f in row.flags if f != "time_fee_glued"] + ["fee_from_note", "time_unit_missing"]


def _doubt_bare_free_like_siblings(rows: list[Parsed[Channel]]) -> None:
    """ "Trực tuyến8 Ngày làm việcMiễn phí(Theo quy định của Luật phí và lệ phí ...)Dịch vụ
    bưu chính18 Ngày làm việcMiễn phíTrực tiếp...": a bare "Miễn phí" is the pick list's
    default, and a sibling whose same label came with a note naming the fee shows the
    default was not chosen. The bare row's fee becomes unknown too, with the sibling's
    words; a row with its own note keeps what its note says."""
    named = next((row.value for row in rows if "fee_note_conflict" in row.flags), None)
    if named is None:
        return
    for row in rows:
        if row.value.fee_vnd == 0 and row.value.fee_text == FREE:
            row.value = replace(row.value, fee_text=named.fee_text, fee_vnd=None)
            row.flag("fee_note_conflict")


def row_starts(body: str) -> list[re.Match[str]]:
    """Labels that open a row. A label is followed by its time cell: a number,
    "Không ...", or (when a sentence) glued on both sides, as in "xãTrực tuyếnHệ
    thống ...". Labels inside descriptions are preceded by a space and followed
    by lower-case words or punctuation."""
    starts = []
    for m in _LABEL.finditer(body):
        after = body[m.end():m.end() + 2]
        glued_before = m.start() == 0 or not body[m.start() - 1].isspace()
        if re.match(r" ?\d|Không", after) or (glued_before and after[:1].isupper()):
            starts.append(m)
    return starts


def parse_row(kind: ChannelKind, cells: str) -> Parsed[Channel]:
    """One row without its label: time, fee (+ its bracketed note), description."""
    flags: list[str] = []
    duration, pos, fee_from_note = _read_time(cells, flags)
    duration = without_zero(duration, flags)
    fee, pos = _read_fee(cells, pos, flags, fee_from_note)
    note = strip_placeholder(cells[pos:])
    channel = Channel(
        channel=kind, time_text=duration.text, days=duration.days, day_kind=duration.day_kind,
        fee_text=fee.text, fee_vnd=fee.vnd, note=note,
    )
    return Parsed(channel, flags)


def _read_time(cells: str, flags: list[str]) -> tuple[Duration, int, int | None]:
    """The time cell, where it ends, and a fee amount read from the fee's note
    when the time was glued to the fee."""
    pos = len(cells) - len(cells.lstrip())
    found = match_duration(cells, pos)
    if found:
        return found[0], found[1], None
    if cells.startswith(NO_INFO, pos):
        return Duration(), pos + len(NO_INFO), None
    if re.match(r"\d", cells[pos:]):
        return _split_bare_number(cells, pos, flags)
    fee_at = _FEE_START.search(cells, pos)
    stop = fee_at.start() if fee_at else len(cells)
    text = clean_inline(cells[pos:stop])
    if not is_no_limit(text):
        flags.append("time_unparsed")
    return Duration(text), stop, None


def _split_bare_number(cells: str, pos: int, flags: list[str]) -> tuple[Duration, int, int | None]:
    """A time with no unit ("1Miễn phí"), possibly glued to a fee amount
    ("120,000 VNĐ" = time 1 + fee 20,000). Only an unambiguous split is taken;
    returns the duration, where the fee starts, and a fee read from the note."""
    money = AMOUNT.match(cells, pos)
    if not money:
        digits = re.match(r"\d+(?:\.\d+)?", cells[pos:]).group()
        flags.append("time_unit_missing")
        return unitless(float(digits)), pos + len(digits), None
    digits = money.group("amount")
    candidates = [k for k in range(1, len(digits)) if re.fullmatch(r"[1-9]\d{0,2}(?:,\d{3})*|0", digits[k:])]
    grouped = [k for k in candidates if _GROUPED.fullmatch(digits[k:])]
    fee_override = None
    if len(grouped) == 1:
        k = grouped[0]
    else:
        # "120 VNĐ(20.000 vnđ/tờ khai)": 1 + 20 or 12 + 0? The note settles it
        # when exactly one split's fee matches an amount in it (the portal
        # stored that fee in thousands).
        note_end = _fee_end(cells, money.end())
        amounts = set(amounts_in(cells[money.end():note_end]))
        confirmed = [
            (k, a) for k in candidates for a in (int(digits[k:]), int(digits[k:]) * 1000)
            if int(digits[k:]) > 0 and a in amounts
        ]
        if len({k for k, _ in confirmed}) != 1:
            flags.append("time_fee_glued")
            return Duration(), pos, None
        k, fee_override = confirmed[0]
        flags.append("fee_from_note")
    flags.append("time_unit_missing")
    return unitless(float(digits[:k])), pos + k, fee_override


def _read_fee(cells: str, pos: int, flags: list[str], from_note: int | None = None) -> tuple[Fee, int]:
    """The fee cell at ``pos`` and where it ends; ``from_note`` is the amount a
    glued time/fee split already read from the note."""
    if "time_fee_glued" in flags:
        end = _fee_end(cells, AMOUNT.match(cells, pos).end())
        return Fee(clean_inline(cells[pos:end])), end
    rest = cells[pos:]
    if rest.startswith(NO_INFO):
        return Fee(), pos + len(NO_INFO)
    value: int | None
    if rest.startswith(FREE):
        value, start = 0, pos + len(FREE)
    else:
        m = AMOUNT.match(cells, pos)
        if not m:
            if clean_inline(rest):
                flags.append("fee_unparsed")
            return Fee(), pos
        value, amount_flags = amount_fee(m.group("amount"), m.group("currency"))
        flags += amount_flags
        start = m.end()
    if from_note is not None:
        value = from_note
    end = _fee_end(cells, start)
    head = clean_inline(cells[pos:start])
    explanation = clean_inline(cells[start:end])
    fee = Fee(f"{head} {explanation}" if explanation else head, value)
    fee, settled = settle(fee, explanation, strip_placeholder(cells[end:]))
    for f in settled:
        if f not in flags:
            flags.append(f)
    return fee, end


def _fee_end(cells: str, start: int) -> int:
    """The fee cell ends after an optional parenthesised explanation."""
    i = start
    while i < len(cells) and cells[i] == " ":
        i += 1
    if i < len(cells) and cells[i] == "(":
        end = closing_paren(cells, i)
        if is_list_marker(cells[i:end]):
            return _list_note_end(cells, end) or end
        return end
    return start


def _list_note_end(cells: str, after_marker: int) -> int | None:
    """ "(a) Cung cấp ...: 30.000.000 đồng; b) Cung cấp ...: 20.000.000 đồng.)": a
    note whose first list number "a)" closed the bracket the note opened. Its end
    is the first bracket that closes once the items' own "b)" are set aside; None
    when nothing closes it in the row (then "(a)" is all the cell has)."""
    depth = 1
    i = after_marker
    while i < len(cells):
        item = ITEM_NUMBER.match(cells, i)
        if item:
            i = item.end()
            continue
        if cells[i] == "(":
            depth += 1
        elif cells[i] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None

"""Fees: "Miễn phí", "10,000 Việt Nam Đồng(...)", "70,000 VNĐ", "Phí : 0 Đồng"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.parsing.feenotes import (
    MIN_PLAUSIBLE_VND,
    contradicts,
    in_thousands,
    is_list_marker,
    mentions_money,
    names_a_fee,
    opens_with_fee,
    unwrap,
)
from knowledge.parsing.outcome import Parsed
from knowledge.parsing.text import clean_inline

FREE = "Miễn phí"
NO_INFO = "Không có thông tin"
_VND = ("việt nam đồng", "vnđ", "vnd", "đồng", "đ")
_CURRENCY = r"Việt Nam Đồng|VNĐ|VND|Đồng|đồng|USD|EUR"
AMOUNT = re.compile(rf"(?P<amount>\d[\d.,]*)\s*(?P<currency>{_CURRENCY})")
_LOCAL_COUNCIL = re.compile(r"hội đồng nhân dân", re.IGNORECASE)


@dataclass(slots=True, frozen=True)
class Fee:
    text: str = ""  # cell text incl. its parenthesised explanation
    vnd: int | None = None  # 0 = free, None = unknown or foreign currency


def parse_amount(digits: str) -> float | None:
    """ "10,000" / "2.000.000" -> int value, "1.5" -> 1.5; None if malformed."""
    digits = digits.strip(".,")
    if re.fullmatch(r"\d+", digits):
        return int(digits)
    for sep in (",", "."):
        if re.fullmatch(rf"\d{{1,3}}(?:{re.escape(sep)}\d{{3}})+", digits):
            return int(digits.replace(sep, ""))
    if re.fullmatch(r"\d+[.,]\d{1,2}", digits):
        return float(digits.replace(",", "."))
    return None


def is_vnd(currency: str) -> bool:
    return currency.lower() in _VND


def closing_paren(text: str, start: int) -> int:
    """Index just after the parenthesis group opening at ``start``; the text end if unbalanced."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
    return len(text)


def settle(fee: Fee, explanation: str, continuation: str = "") -> tuple[Fee, list[str]]:
    """Check a fee read from its cell against the cell's own note (``explanation``),
    see knowledge.parsing.feenotes. ``continuation`` is the row's text after the
    cell; it speaks for the fee only when the note was cut to a list number
    ("(a)") or is empty while the description opens with the fee ("Phí : ...").

    A "free" whose note names a fee or a fee schedule, an amount under 1,000 đồng
    the note does not write out in full, and an amount the note's own amounts
    contradict become unknown (None); the first two take the note's words as
    their text. The returned review flags say why."""
    flags: list[str] = []
    witness = explanation
    if is_list_marker(explanation) or (not explanation.strip() and opens_with_fee(continuation)):
        witness = f"{explanation} {continuation}"
    if fee.vnd == 0 and names_a_fee(witness):
        # The portal's pick list defaults to "Miễn phí": the note is the better witness.
        fee = Fee(unwrap(witness), None)
        flags.append("fee_note_conflict")
    elif fee.vnd is not None and 0 < fee.vnd < MIN_PLAUSIBLE_VND:
        real = in_thousands(fee.vnd, explanation)
        if real is not None:
            fee = Fee(fee.text, real)
            flags.append("fee_in_thousands")
        else:
            fee = Fee(unwrap(explanation), None)
            flags.append("fee_implausible")
    elif fee.vnd and contradicts(fee.vnd, explanation):
        # Often a reduced rate for a period ("áp dụng mức phí 400.000 đồng ... đến hết ngày
        # 31/12/2026"): which one applies today is not the parser's call. The text says both.
        fee = Fee(fee.text, None)
        flags.append("fee_note_differs")
    if _LOCAL_COUNCIL.search(witness):
        flags.append("fee_set_locally")
    return fee, flags


def amount_fee(amount: str, currency: str) -> tuple[int | None, list[str]]:
    value = parse_amount(amount)
    if value is None:
        return None, ["fee_unparsed"]
    if not is_vnd(currency):
        return None, []  # readable, but not in đồng
    if value != int(value):
        return None, ["fee_unparsed"]
    return int(value), []


def parse_fee(text: str | None) -> Parsed[Fee]:
    """One fee cell of a structured table (one or more "Phí : X Đồng (note)" lines)."""
    cell = clean_inline(text)
    if not cell:
        return Parsed(Fee())
    parts = [p for p in re.split(r"\s*(?=(?:Lệ phí|Phí)\s*:)", cell) if p.strip()]
    values: list[int | None] = []
    flags: list[str] = []
    explanations: list[str] = []
    for part in parts:
        body = re.sub(r"^(?:Lệ phí|Phí)\s*:\s*", "", part).strip()
        value, part_flags, explanation = _read_fee_body(body)
        values.append(value)
        flags += part_flags
        explanations.append(explanation)
    known = [v for v in values if v is not None]
    vnd = None
    if known and len(known) == len(values):
        vnd = sum(known)  # a fee and a charge (phí + lệ phí) are paid together
    fee, settled = settle(Fee(cell, vnd), " ".join(e for e in explanations if e.strip()))
    result = Parsed(fee, [])
    for f in flags + settled:
        result.flag(f)
    return result


def _read_fee_body(body: str) -> tuple[int | None, list[str], str]:
    """(value, flags, the explanation after the amount) of "X Đồng (note)"."""
    free = re.match(r"(?:miễn phí|miễn|không)(?:\s*(?:đồng|vnđ))?", body, re.IGNORECASE)
    if free and not mentions_money(body.split("(")[0]):
        return 0, [], body[free.end():]
    m = AMOUNT.match(body)
    if m:
        value, flags = amount_fee(m.group("amount"), m.group("currency"))
        return value, flags, body[m.end():]
    if not body:
        return None, [], body
    if re.match(rf"(?:{_CURRENCY})\b|\(", body):
        return None, ["fee_amount_missing"], body  # "Đồng (Theo quy định ...)"
    return None, ["fee_unparsed"], body

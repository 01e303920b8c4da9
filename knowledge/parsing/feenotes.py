"""What a fee cell's own note says about the fee.

The portal's fee column is a pick list whose first entry is "Miễn phí", so many
rows carry that label while their note names the real fee: "Miễn phí (Lệ phí
cấp giấy chứng nhận: 40.000 đồng ...)", "Miễn phí (Theo quy định của Hội đồng
nhân dân cấp tỉnh)". Amounts are often typed in thousands: "135 VNĐ (Lệ phí
cấp giấy phép lái xe: 135.000 đồng/lần.)". The note is the only witness, so it
decides; what it cannot settle is left unknown, never guessed. Pure text in,
facts out: the decision itself is `knowledge.parsing.fees.settle`."""

from __future__ import annotations

import re

# Below this an amount in đồng is not a real fee: the cell was typed in thousands, in
# another currency, or as a placeholder ("1 Việt Nam Đồng").
MIN_PLAUSIBLE_VND = 1000

# Money mentioned in free text: "8.000.000/lần", "20.000 vnđ", "100 USD", "50USD", "01 triệu đồng", "5%".
_MONEY = re.compile(
    r"\d{1,3}(?:[.,]\d{3})+(?!\d)|\d+\s*(?:đồng|vnđ|vnd|usd|triệu|nghìn|ngàn|%)(?!\w)", re.IGNORECASE
)
# A clause that says no fee is charged: "Miễn lệ phí.", "Không thu phí", "Không quy định",
# "Không được quy định tại Biểu phí ...", "(1) Chấp thuận tổ chức lại: Không có."
_NO_FEE = re.compile(
    r"^(?:\(|\d+\)|[a-zđ]\)|[-+*•]|\s)*(?:được\s+)?(?:miễn\b|không\b|chưa\s+quy\s+định)"
    r"|:\s*không(?:\s+có)?\s*[.)]*$",
    re.IGNORECASE,
)
# "Miễn lệ phí cho người thuộc hộ nghèo": waived for some callers only, so the others pay.
_SOME_CALLERS = re.compile(r"^\W*(?:được\s+)?miễn\b.*?(?<!\w)(?:đối với|cho|trường hợp|trừ)(?!\w)", re.IGNORECASE)
# An extra paid only on request: "Phí cấp bản sao trích lục (nếu có yêu cầu) ...".
_ON_REQUEST = re.compile(r"nếu có yêu cầu", re.IGNORECASE)
# Words that name a fee or the schedule that sets it.
_FEE_WORDS = re.compile(
    r"(?<!\w)(?:lệ phí|phí|chi phí|giá dịch vụ|mức thu|mức giá|biểu giá|khung giá|pháp luật về giá|luật giá"
    r"|hội đồng nhân dân|bộ tài chính|tt-btc|thông tư|nghị định|quy định)(?!\w)",
    re.IGNORECASE,
)
# A description column that opens with the fee: "Phí : Thông tư số 261/2016/TT-BTC ...".
_OPENS_WITH_FEE = re.compile(r"^[\W\d]*(?:các loại\s+)?(?:lệ phí|phí|mức thu|mức phí|mức lệ phí)(?!\w)", re.IGNORECASE)
# Sentence or list-item boundaries inside a note.
_CLAUSE_BREAK = re.compile(r"(?<=[.;])\s+|\s+(?=[-+*•]\s)|\n")
# "a)", "2)", "ii)" opening a list item inside a note.
ITEM_NUMBER = re.compile(r"(?:^|(?<=\s))(?:[a-zđ]|\d{1,2}|[ivx]{1,4})\)", re.IGNORECASE)
# "(a)", "(1)", "(ii)": a list item's number, not an explanation.
_LIST_MARKER = re.compile(r"\(\s*(?:[a-zđ]|\d{1,2}|[ivx]{1,4})\s*\)", re.IGNORECASE)


def mentions_money(text: str) -> bool:
    return bool(_MONEY.search(text))


def clauses(note: str) -> list[str]:
    """The note's sentences and list items, without empty ones."""
    return [c.strip() for c in _CLAUSE_BREAK.split(note) if c.strip(" .;()-+*•")]


def names_a_fee(note: str) -> bool:
    """True when the note states an amount or a fee schedule for this procedure,
    i.e. a "Miễn phí" in front of it cannot be taken at its word."""
    for clause in clauses(note):
        if _ON_REQUEST.search(clause):
            continue
        if _NO_FEE.search(clause) and not _SOME_CALLERS.search(clause):
            continue
        if mentions_money(clause) or _FEE_WORDS.search(clause):
            return True
    return False


def opens_with_fee(description: str) -> bool:
    """The row's description column starts by stating the fee ("Phí : ...", "- Các loại phí ...")."""
    return bool(_OPENS_WITH_FEE.match(description))


def is_list_marker(text: str) -> bool:
    """ "(a)", "(1)": the crawl cut the note after its first list number."""
    return bool(_LIST_MARKER.fullmatch(text.strip()))


def unwrap(text: str) -> str:
    """ "((Theo quy định ...))" -> "Theo quy định ...", "(a) ...; b) ...)" -> "a) ...; b) ...";
    text not wrapped whole is returned as it is."""
    text = text.strip()
    while text.startswith("(") and text.endswith(")") and _balanced(ITEM_NUMBER.sub("", text[1:-1])):
        text = text[1:-1].strip()
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def amounts_in(text: str) -> list[int]:
    """Whole-đồng amounts written with thousands separators in a note: "20.000 vnđ" -> 20000."""
    return [int(re.sub(r"[.,]", "", m.group())) for m in re.finditer(r"(?<![\d.,])\d{1,3}(?:[.,]\d{3})+(?!\d)", text)]


def in_thousands(value: int, note: str) -> int | None:
    """The real amount of an implausibly small one when the note writes it out in
    full ("135 VNĐ (... 135.000 đồng/lần)" -> 135000); None when it does not."""
    if 0 < value < MIN_PLAUSIBLE_VND and value * 1000 in amounts_in(note):
        return value * 1000
    return None


def contradicts(value: int, note: str) -> bool:
    """The note writes amounts and none is the cell's, nor is their sum: "800,000 VNĐ
    (áp dụng mức phí 400.000 đồng/hồ sơ kể từ ngày 01/7/2025 đến hết ngày 31/12/2026 ...)"."""
    amounts = amounts_in(note)
    return bool(amounts) and value not in amounts and value != sum(amounts)

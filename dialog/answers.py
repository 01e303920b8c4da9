"""Spoken answers composed from a ProcedureRecord.

The summary says where to submit, how long it takes and what it costs, in a
few short sentences. Staff-written ``spoken_summary`` wins over the composed
one. Topic answers (fee, time, place, online, conditions, result) answer one
question. Steps and document lists are cut into chunks of two or three items
(and at most about ``CHUNK_CHARS`` characters) so the caller can follow them on
the phone and ask for the next chunk.

Texts keep digits ("10.000 đồng", "Bước 1"); ``Segment.spoken`` verbalises.
Every segment key names its record and part ("proc:<code>:fee").
"""

from __future__ import annotations

import re

from dialog.events import Segment
from dialog.verbalize import days_words
from knowledge.records import CHANNEL_LABELS_VI, Channel, ProcedureRecord

CHUNK_ITEMS = 3
CHUNK_CHARS = 320
LONG_TEXT_CHARS = 220  # free text read as one answer (conditions, a time description)

_WAYS = {"direct": "trực tiếp", "postal": "qua bưu chính", "online": "trực tuyến"}
_CHANNEL_ORDER = ("direct", "postal", "online")


NAME_CHARS = 110  # longer official names are cut at a clause for the phone

_LEVEL_SUFFIX = re.compile(r"\s*\((?:thực hiện\s+)?(?:tại\s+|ở\s+)?cấp\s[^)]*\)?\s*$", re.IGNORECASE)


def spoken_name(record: ProcedureRecord, limit: int = NAME_CHARS) -> str:
    """The name as said after "thủ tục": "Thủ tục đăng ký khai sinh" → "đăng ký khai sinh".

    The "(thực hiện tại cấp tỉnh)" suffix is dropped, and names longer than
    ``limit`` (some official names run to a paragraph) are cut at a clause.
    """
    name = re.sub(r"\s+", " ", record.name).strip().rstrip(".")
    name = re.sub(r"^(?:thủ tục\s*:?\s+)+", "", name, flags=re.IGNORECASE)
    name = _LEVEL_SUFFIX.sub("", name)
    if len(name) > limit:
        name = _cut(name, limit)
        if name.count("(") > name.count(")"):  # do not leave a parenthesis open
            name = name[: name.rfind("(")].rstrip(" ,;:-")
    return _lower_first(name)


def _cut(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at the last ";", ":", "," or word boundary."""
    head = text[: limit + 1]
    for marks in (";:", ",", " "):
        pos = max(head.rfind(m) for m in marks)
        if pos > limit // 2:
            return head[:pos].rstrip(" ,;:-")
    return head[:limit].rstrip(" ,;:-")


def _lower_first(text: str) -> str:
    # Lower the first letter of an ordinary word, keep acronyms and proper nouns in the middle.
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


_URL = re.compile(r"\(?[^()\s]*https?://[^\s)]+\)?|\bwww\.[^\s)]+")


def _clean(text: str) -> str:
    """Free text from the portal made speakable: no URLs, no stray spaces."""
    text = re.sub(r"\([^()]*https?://[^()]*\)", "", text)
    text = _URL.sub("", text)
    text = re.sub(r"\s+([,.;:])", r"\1", text)
    text = re.sub(r"([,;:])\s*([,.;:])", r"\2", text)
    return re.sub(r"\s+", " ", text).strip()


def _sentence(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"^[-+*•·–\s]+", "", text).strip()
    if text and text[-1] not in ".?!":
        text += "."
    return text


def _shorten(text: str, limit: int = LONG_TEXT_CHARS) -> str:
    """Whole sentences up to ``limit`` characters (at least the first sentence, cut at a clause)."""
    text = _clean(text)
    if len(text) <= limit:
        return text
    sentences = re.split(r"(?<=[.;!?])\s+", text)
    out = ""
    for s in sentences:
        if out and len(out) + len(s) + 1 > limit:
            break
        out = f"{out} {s}".strip()
    if len(out) > limit:
        cut = out[:limit]
        comma = max(cut.rfind(","), cut.rfind(";"))
        out = cut[:comma] if comma > limit // 2 else cut[: cut.rfind(" ")]
    return out.rstrip(",;: ")


def money_text(vnd: int) -> str:
    """Display form an amount is written in: 10000 → "10.000 đồng" (verbalised when spoken)."""
    if vnd == 0:
        return "miễn phí"
    return f"{vnd:,}".replace(",", ".") + " đồng"


def _ordered(channels: list[Channel]) -> list[Channel]:
    return sorted(
        channels, key=lambda c: _CHANNEL_ORDER.index(c.channel) if c.channel in _CHANNEL_ORDER else 9
    )


def _join_or(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " hoặc " + items[-1]


def place_text(record: ProcedureRecord) -> str:
    """Where to submit, and by which channels."""
    parts: list[str] = []
    place = re.sub(
        r"^(?:nộp\s+)?(?:hồ sơ\s+)?(?:trực tiếp\s+)?(?:tại|ở)\s+",
        "",
        _clean(record.submit_place),
        flags=re.IGNORECASE,
    )
    if place:
        parts.append(f"Ông/bà nộp hồ sơ tại {_shorten(place).rstrip('.')}.")
    elif record.agency.strip():
        parts.append(f"Cơ quan giải quyết là {_shorten(record.agency).rstrip('.')}.")
    elif record.levels:
        parts.append(f"Thủ tục được giải quyết ở cấp {' và '.join(record.levels)}.")
    ways = [_WAYS[c.channel] for c in _ordered(record.channels) if c.channel in _WAYS]
    ways = list(dict.fromkeys(ways))
    mentioned = "trực tuyến" in record.submit_place
    if len(ways) > 1 and not mentioned:
        parts.append(f"Ông/bà có thể nộp {_join_or(ways)}.")
    elif ways == ["trực tuyến"] and not mentioned:
        parts.append("Thủ tục này nộp trực tuyến trên Cổng dịch vụ công quốc gia.")
    return " ".join(parts)


def _per_channel(values: list[tuple[str, str]]) -> str:
    """ "khi nộp trực tiếp hoặc qua bưu chính là X, khi nộp trực tuyến là Y" (channels grouped by value)."""
    grouped: dict[str, list[str]] = {}
    for channel, value in values:
        way = _WAYS.get(channel, CHANNEL_LABELS_VI.get(channel, channel))
        if way not in grouped.setdefault(value, []):
            grouped[value].append(way)
    return ", ".join(f"khi nộp {_join_or(ways)} là {value}" for value, ways in grouped.items())


def _varies_within_channel(values: list[tuple[str, object]]) -> bool:
    """The same channel listed with different figures: the portal's per-case rows."""
    seen: dict[str, object] = {}
    for channel, value in values:
        if channel in seen and seen[channel] != value:
            return True
        seen[channel] = value
    return len({v for _, v in values}) > 3


def _unknown_elsewhere(channels: list[Channel], known: list[Channel]) -> bool:
    """A way of submitting with no figure at all: then the known figure is said for its own
    ways only ("khi nộp trực tiếp là ..."), not as the whole procedure's."""
    kinds = {c.channel for c in known}
    return any(c.channel not in kinds for c in channels)


def time_text(record: ProcedureRecord) -> str:
    """The processing time, one figure when every channel agrees."""
    timed = [c for c in _ordered(record.channels) if c.days is not None]
    if timed:
        distinct = list(dict.fromkeys((c.days, c.day_kind) for c in timed))
        if len(distinct) == 1 and not _unknown_elsewhere(record.channels, timed):
            days, kind = distinct[0]
            return f"Thời gian giải quyết là {days_words(days, kind)}."
        if _varies_within_channel([(c.channel, (c.days, c.day_kind)) for c in timed]):
            low = min(timed, key=lambda c: c.days)
            high = max(timed, key=lambda c: c.days)
            return (
                f"Thời gian giải quyết tùy trường hợp, từ {days_words(low.days, low.day_kind)} "
                f"đến {days_words(high.days, high.day_kind)}."
            )
        per = _per_channel([(c.channel, days_words(c.days, c.day_kind)) for c in timed])
        return f"Thời gian giải quyết {per}."
    described = next((c.time_text for c in record.channels if c.time_text.strip()), "")
    if described:
        return f"Thời gian giải quyết: {_shorten(described).rstrip('.')}."
    return ""


def fee_text(record: ProcedureRecord) -> str:
    """The fee, one figure when every channel agrees; "miễn phí" for 0."""
    known = [c for c in _ordered(record.channels) if c.fee_vnd is not None]
    if known:
        distinct = list(dict.fromkeys(c.fee_vnd for c in known))
        if len(distinct) == 1 and not _unknown_elsewhere(record.channels, known):
            fee = distinct[0]
            return "Thủ tục này miễn phí." if fee == 0 else f"Lệ phí là {money_text(fee)}."
        if _varies_within_channel([(c.channel, c.fee_vnd) for c in known]):
            low, high = min(distinct), max(distinct)
            if low == 0:
                return f"Lệ phí tùy trường hợp, có trường hợp miễn phí, cao nhất là {money_text(high)}."
            return f"Lệ phí tùy trường hợp, từ {money_text(low)} đến {money_text(high)}."
        return f"Lệ phí {_per_channel([(c.channel, money_text(c.fee_vnd)) for c in known])}."
    described = next((c.fee_text for c in record.channels if c.fee_text.strip()), "")
    if described:
        return f"Lệ phí: {_shorten(described, 160).rstrip('.')}."
    return ""


def online_text(record: ProcedureRecord) -> str:
    kinds = {c.channel for c in record.channels}
    if "online" in kinds:
        return "Thủ tục này nộp được trực tuyến trên Cổng dịch vụ công quốc gia."
    if "postal" in kinds:
        return "Thủ tục này chưa nộp trực tuyến được, nhưng ông/bà có thể gửi hồ sơ qua bưu chính."
    if kinds:
        return "Thủ tục này hiện chỉ nộp trực tiếp, chưa nộp trực tuyến được."
    return ""


def conditions_text(record: ProcedureRecord) -> str:
    if record.conditions.strip():
        return _sentence(_shorten(record.conditions))
    return "Tổng đài chưa có thông tin về điều kiện riêng của thủ tục này."


def result_text(record: ProcedureRecord) -> str:
    if record.result.strip():
        return f"Kết quả ông/bà nhận được là {_lower_first(_shorten(record.result, 160).rstrip('.'))}."
    return "Tổng đài chưa có thông tin về kết quả của thủ tục này."


_PARTS = {"place": place_text, "time": time_text, "fee": fee_text}
_TOPICS = {**_PARTS, "online": online_text, "conditions": conditions_text, "result": result_text}
SUMMARY_TOPICS = tuple(_PARTS)  # the parts a composed summary is made of


def summary(record: ProcedureRecord, *, without: str | None = None) -> Segment:
    """The spoken summary, opening with the procedure's name.

    ``without`` is the topic the caller just heard answered (which already named
    the procedure): the summary then drops the name and, when composed, that part.
    A staff-written summary is kept whole.
    """
    name = spoken_name(record)
    staff = record.spoken_summary.strip()
    if staff:
        if without is None:
            return Segment(
                _sentence(f"Về thủ tục {name}: {_lower_first(staff)}"), f"proc:{record.code}:summary"
            )
        return Segment(_sentence(staff), f"proc:{record.code}:summary:bare")
    parts = [fn(record) for topic, fn in _PARTS.items() if topic != without]
    parts = [p for p in parts if p]
    if not parts:
        parts = ["Tổng đài chưa có đủ thông tin về nơi nộp, thời gian và lệ phí của thủ tục này."]
    if without is None:
        return Segment(f"Về thủ tục {name}: {_lower_first(' '.join(parts))}", f"proc:{record.code}:summary")
    return Segment(" ".join(parts), f"proc:{record.code}:summary:no-{without}")


def topic_answer(record: ProcedureRecord, topic: str) -> Segment | None:
    """One question answered first: fee, time, place, online, conditions or result."""
    fn = _TOPICS.get(topic)
    if fn is None:
        return None
    text = fn(record)
    if not text:
        what = {"fee": "lệ phí", "time": "thời gian giải quyết", "place": "nơi nộp hồ sơ"}.get(topic, topic)
        text = f"Tổng đài chưa có thông tin về {what} của thủ tục này."
    about = "Về điều kiện của thủ tục" if topic == "conditions" else "Về thủ tục"
    return Segment(f"{about} {spoken_name(record)}: {_lower_first(text)}", f"proc:{record.code}:{topic}")


def _split_long(text: str) -> list[str]:
    """A single item longer than a chunk, cut at sentences, then clauses, then words."""
    if len(text) <= CHUNK_CHARS:
        return [text]
    units: list[str] = []
    for sentence in re.split(r"(?<=[.;!?])\s+", text):
        while len(sentence) > CHUNK_CHARS:
            piece = _cut(sentence, CHUNK_CHARS)
            units.append(piece)
            sentence = sentence[len(piece) :].lstrip(" ,;:-")
        if sentence:
            units.append(sentence)
    pieces, current = [], ""
    for unit in units:
        if current and len(current) + len(unit) + 1 > CHUNK_CHARS:
            pieces.append(current)
            current = unit
        else:
            current = f"{current} {unit}".strip()
    if current:
        pieces.append(current)
    return pieces


def _chunk(items: list[str]) -> list[str]:
    chunks: list[list[str]] = []
    for item in items:
        for piece in _split_long(item):
            last = chunks[-1] if chunks else None
            if (
                last is not None
                and len(last) < CHUNK_ITEMS
                and sum(map(len, last)) + len(piece) <= CHUNK_CHARS
            ):
                last.append(piece)
            else:
                chunks.append([piece])
    return [" ".join(c) for c in chunks]


def steps_chunks(record: ProcedureRecord) -> list[Segment]:
    """ "Các bước ...: Bước 1: ... Bước 2: ..." in chunks; empty when the record has no steps."""
    steps = [_sentence(s) for s in record.steps if s and s.strip()]
    items = [f"Bước {i}: {s}" for i, s in enumerate(steps, start=1)]
    chunks = _chunk(items)
    if chunks:
        chunks[0] = f"Các bước làm thủ tục {spoken_name(record)}. {chunks[0]}"
    return [Segment(text, f"proc:{record.code}:steps:{i}") for i, text in enumerate(chunks)]


def documents_chunks(record: ProcedureRecord) -> list[Segment]:
    """ "Giấy tờ cần chuẩn bị ...: Thứ 1: ..., 1 bản chính." in chunks, with group headings."""
    items: list[str] = []
    group = ""
    for i, doc in enumerate((d for d in record.documents if d.name.strip()), start=1):
        text = _sentence(doc.name).rstrip(".")
        if doc.copies.strip():
            text += f", {_lower_first(doc.copies.strip().rstrip('.'))}"
        text = f"Thứ {i}: {text}."
        if doc.group.strip() and doc.group.strip() != group:
            group = doc.group.strip()
            text = f"{group.rstrip(':')}: {text}"
        items.append(text)
    chunks = _chunk(items)
    if chunks:
        chunks[0] = f"Giấy tờ cần chuẩn bị cho thủ tục {spoken_name(record)}. {chunks[0]}"
    return [Segment(text, f"proc:{record.code}:documents:{i}") for i, text in enumerate(chunks)]

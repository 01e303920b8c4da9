"""What a caller's short reply means for the dialog, apart from naming a procedure.

- ``yes_no``: "dạ", "vâng", "đúng rồi", "ok" / "không", "không phải", "sai rồi",
  "thôi". A yes must stand alone (only fillers around it): "có mất phí không" is
  a question, not a yes. A no may carry a correction: "không, tôi hỏi kết hôn".
- ``command``: repeat, slower, operator, goodbye, continue, stop, another
  procedure, menu. Phrases marked whole-utterance only count when the caller
  said nothing else ("nhân viên" alone asks for an operator, "cấp thẻ nhân viên
  hàng không" names a procedure).
- ``choice``: "cái thứ hai", "số 3", "cái cuối" among n options.
- ``spoken_digit``: a keypad digit said aloud ("bấm một", "số 2", "1").

Input is normalised with ``dialog.normalize``; input typed or recognised
without any diacritics is compared against the stripped phrases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from dialog.normalize import normalize, strip_diacritics
from dialog.numbers import DIGITS

IntentName = Literal[
    "yes", "no", "repeat", "slower", "operator", "goodbye", "continue", "stop", "another", "menu"
]


@dataclass(frozen=True, slots=True)
class Intent:
    name: IntentName
    rest: str = ""  # what followed a leading "không": a correction to match ("tôi hỏi kết hôn")


# Politeness and hesitation words that carry no meaning around a short reply.
FILLERS = frozenset(
    [
        "ạ",
        "à",
        "ơi",
        "nhé",
        "nha",
        "nhá",
        "ha",
        "hả",
        "đó",
        "đấy",
        "á",
        "ờ",
        "ừm",
        "ơ",
        "alo",
        "a",
        "lô",
        "thì",
        "là",
        "em",
        "chị",
        "anh",
        "cô",
        "chú",
        "ông",
        "bà",
        "con",
        "cháu",
        "tôi",
        "tui",
        "mình",
        "bạn",
        "dạ",
        "vâng",
    ]
)
# "dạ" and "vâng" are yes on their own but fillers in front of anything else.
_SOFT_YES = frozenset({"dạ", "vâng"})

_YES = (
    "đúng rồi",
    "đúng vậy",
    "đúng thế",
    "đúng",
    "phải rồi",
    "phải",
    "vâng",
    "dạ",
    "dạ vâng",
    "dạ phải",
    "ừ",
    "ừm",
    "ờ",
    "uh",
    "có",
    "có ạ",
    "ok",
    "okay",
    "oke",
    "ô kê",
    "chính xác",
    "được",
    "được rồi",
    "đồng ý",
    "yes",
    "chuẩn",
    "chuẩn rồi",
    "đúng đó",
    "đúng á",
    "rồi",
)
_NO = (
    "không phải",
    "không đúng",
    "không có",
    "không cần",
    "không ạ",
    "không",
    "hông phải",
    "hổng phải",
    "hông",
    "hổng",
    "sai rồi",
    "sai",
    "chưa đúng",
    "chưa phải",
    "nhầm rồi",
    "nhầm",
    "thôi",
    "khỏi",
    "no",
    "không phải đâu",
    "đâu có",
    "đâu phải",
)

# (phrases anywhere in the utterance, phrases that must be the whole utterance)
_COMMANDS: dict[IntentName, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "operator": (
        (
            "gặp nhân viên",
            "gặp tổng đài viên",
            "tổng đài viên",
            "người thật",
            "gặp người",
            "nói chuyện với người",
            "nói chuyện với nhân viên",
            "điện thoại viên",
            "gặp cán bộ",
            "chuyển nhân viên",
            "chuyển máy cho nhân viên",
            "cho gặp nhân viên",
            "nhân viên tư vấn",
            "tư vấn viên",
            "gặp người trực",
            "chuyển máy",
        ),
        ("nhân viên", "operator", "cán bộ", "người trực"),
    ),
    "goodbye": (
        (
            "tạm biệt",
            "không còn gì",
            "không hỏi gì nữa",
            "không cần gì nữa",
            "hết câu hỏi",
            "cúp máy",
            "vậy thôi",
            "thế thôi",
            "thôi cảm ơn",
            "cảm ơn nhiều",
            "bye",
            "xin chào nhé",
        ),
        ("cảm ơn", "cám ơn", "hết rồi", "xong rồi", "vậy được rồi", "thôi được rồi", "hết"),
    ),
    "slower": (
        (
            "chậm lại",
            "nói chậm",
            "chậm chậm",
            "chậm thôi",
            "chậm một chút",
            "chậm chút",
            "nói từ từ",
            "nhanh quá",
            "chậm hơn",
        ),
        ("từ từ", "chậm"),
    ),
    "repeat": (
        (
            "nói lại",
            "lặp lại",
            "nhắc lại",
            "nghe lại",
            "đọc lại",
            "chưa nghe rõ",
            "không nghe rõ",
            "nghe không rõ",
            "không nghe kịp",
            "chưa nghe kịp",
            "nói gì vậy",
        ),
        ("hả", "sao", "gì", "cái gì", "sao ạ", "gì ạ", "lại"),
    ),
    "another": (
        (
            "thủ tục khác",
            "hỏi cái khác",
            "hỏi việc khác",
            "việc khác",
            "câu hỏi khác",
        ),
        (),
    ),
    "continue": (
        ("nghe tiếp", "tiếp tục", "tiếp đi", "tiếp theo", "đọc tiếp", "nói tiếp", "còn nữa không"),
        ("tiếp", "còn nữa", "nữa"),
    ),
    "stop": (("dừng lại", "đủ rồi", "ngừng lại"), ("dừng", "ngừng", "đủ")),
    "menu": (("chọn theo lĩnh vực", "chọn theo danh mục"), ("menu",)),
}
# Phrases that count inside a short utterance only (at most SHORT_SLACK other words):
# "tôi muốn hỏi thêm" asks for another procedure, "cho hỏi thêm về kết hôn" names one.
SHORT_SLACK = 2
_SHORT: dict[IntentName, tuple[str, ...]] = {
    "another": ("hỏi thêm", "hỏi tiếp", "cái khác", "hỏi cái khác"),
    "goodbye": ("cảm ơn", "cám ơn"),
    "menu": ("danh mục", "danh sách", "menu"),
}
# When several commands appear, the first in this order wins.
_ORDER: tuple[IntentName, ...] = (
    "operator",
    "goodbye",
    "slower",
    "repeat",
    "another",
    "continue",
    "stop",
    "menu",
)

_NUMBER_WORDS = {**DIGITS, "nhất": 1}  # "thứ nhất"
_DIGIT_PREFIXES = frozenset({"bấm", "phím", "số", "nút", "chọn", "ấn", "nhấn"})
_CHOICE_WORDS = frozenset(
    {"cái", "thủ", "tục", "thứ", "số", "chọn", "lựa", "phương", "án", "loại", "bấm", "phím"}
)


# Without diacritics "ba" may be "bà" (a filler) or "ba" (three): numbers win.
_PLAIN_FILLERS = frozenset(strip_diacritics(f) for f in FILLERS) - {
    strip_diacritics(w) for w in _NUMBER_WORDS
}


def _tokens(text: str) -> tuple[list[str], bool]:
    """Normalised tokens and whether the input had no diacritics (compare stripped)."""
    norm = normalize(text)
    return norm.split(), norm == strip_diacritics(norm)


def _key(phrase: str, plain: bool) -> list[str]:
    p = normalize(phrase)
    return (strip_diacritics(p) if plain else p).split()


def _fillers(plain: bool) -> frozenset[str]:
    return _PLAIN_FILLERS if plain else FILLERS


def _strip_fillers(tokens: list[str], plain: bool) -> list[str]:
    fillers = _fillers(plain)
    start, end = 0, len(tokens)
    while start < end and tokens[start] in fillers:
        start += 1
    while end > start and tokens[end - 1] in fillers:
        end -= 1
    return tokens[start:end]


def _starts(tokens: list[str], phrase: list[str]) -> bool:
    return tokens[: len(phrase)] == phrase


def _contains(tokens: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return any(tokens[i : i + n] == phrase for i in range(len(tokens) - n + 1))


def yes_no(text: str | None) -> Intent | None:
    """``Intent("yes")``, ``Intent("no", rest)`` or None when the reply is neither."""
    if not text:
        return None
    tokens, plain = _tokens(text)
    if not tokens:
        return None
    fillers = _fillers(plain)
    soft = {strip_diacritics(f) for f in _SOFT_YES} if plain else _SOFT_YES
    core = _strip_fillers(tokens, plain)
    if not core:
        # Only fillers: "dạ", "vâng ạ" are a yes; "ờ", "alo" are nothing.
        return Intent("yes") if any(t in soft for t in tokens) else None
    yes_words = {w for p in _YES for w in _key(p, plain)} | fillers
    for phrase in sorted(_NO, key=lambda p: -len(p)):
        key = _key(phrase, plain)
        if _starts(core, key):
            rest = [t for t in core[len(key) :] if t not in fillers or t in {"tôi", "tui"}]
            rest_text = " ".join(_strip_fillers(rest, plain))
            # "không" followed by a question word is not an answer ("không biết lệ phí bao nhiêu").
            if phrase == "không" and rest and rest[0] in {"biết", "biet", "hiểu", "hieu", "nghe"}:
                return None
            return Intent("no", rest_text)
    for phrase in sorted(_YES, key=lambda p: -len(p)):
        key = _key(phrase, plain)
        if _starts(core, key) and all(t in yes_words for t in core[len(key) :]):
            return Intent("yes")
    return None


def command(text: str | None) -> Intent | None:
    """A dialog command (repeat, slower, operator, goodbye, continue, stop, another, menu) or None."""
    if not text:
        return None
    tokens, plain = _tokens(text)
    core = _strip_fillers(tokens, plain)
    if not tokens:
        return None
    for name in _ORDER:
        anywhere, whole = _COMMANDS[name]
        for phrase in anywhere:
            key = _key(phrase, plain)
            if plain and len(key) < 2 and key != normalize(phrase).split():
                continue  # one stripped syllable is too ambiguous
            if _contains(tokens, key):
                return Intent(name)
        for phrase in whole:
            key = _key(phrase, plain)
            if core == key or tokens == key:
                return Intent(name)
        for phrase in _SHORT.get(name, ()):
            key = _key(phrase, plain)
            if len(core) <= len(key) + SHORT_SLACK and _contains(core, key):
                return Intent(name)
    return None


def _number_token(token: str) -> int | None:
    if token.isdigit() and len(token) == 1:
        return int(token)
    value = _NUMBER_WORDS.get(token)
    if value is None:
        plain = {strip_diacritics(k): v for k, v in _NUMBER_WORDS.items()}
        value = plain.get(token)
    return value


def spoken_digit(text: str | None) -> str | None:
    """A single keypad digit said aloud ("bấm một", "phím 2", "số ba", "1"), else None.

    A bare "không" is the answer no, not the digit 0; "bấm không", "số 0" are 0.
    """
    if not text:
        return None
    tokens, plain = _tokens(text)
    core = _strip_fillers(tokens, plain)
    prefixes = {strip_diacritics(p) for p in _DIGIT_PREFIXES} if plain else _DIGIT_PREFIXES
    had_prefix = False
    while core and core[0] in prefixes:
        core, had_prefix = core[1:], True
    core = [t for t in core if t not in {"ạ", "a", "nha", "nhé"}]
    if len(core) != 1:
        return None
    value = _number_token(core[0])
    if value is None or (value == 0 and not had_prefix and not core[0].isdigit()):
        return None
    if core[0] == "nhất":
        return None
    return str(value)


def choice(text: str | None, n: int) -> int | None:
    """1-based index among ``n`` options named by position: "cái thứ hai", "số 3", "cái cuối", "cái đầu"."""
    if not text or n < 1:
        return None
    tokens, plain = _tokens(text)
    core = _strip_fillers(tokens, plain)
    if not core:
        return None
    joined = " ".join(core)
    first = ("đầu tiên", "cái đầu", "thứ nhất", "số một", "đầu")
    last = ("cuối cùng", "cái cuối", "sau cùng", "cuối")
    if plain:
        first = tuple(strip_diacritics(p) for p in first)
        last = tuple(strip_diacritics(p) for p in last)
    if any(re.search(rf"(?<!\S){re.escape(p)}(?!\S)", joined) for p in first):
        return 1
    if any(re.search(rf"(?<!\S){re.escape(p)}(?!\S)", joined) for p in last):
        return n
    # "cái thứ hai", "số 3", "thủ tục thứ ba", or the number alone.
    words = {strip_diacritics(w) for w in _CHOICE_WORDS} if plain else _CHOICE_WORDS
    rest = [t for t in core if t not in words]
    had_marker = len(rest) < len(core)
    if len(rest) == 1:
        value = _number_token(rest[0])
        if value is not None and 1 <= value <= n and (had_marker or value != 0):
            return value
    return None

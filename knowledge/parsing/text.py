"""Cleaning of portal text: "Không có thông tin" placeholders, odd whitespace."""

from __future__ import annotations

import re
import unicodedata

# The portal prints these where a field has no content.
_EMPTY = {"không có thông tin", "không có thông tin.", "không có", "không có.", "-", "--", "..."}
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b-\u200d\ufeff\u00ad]")


def normalize(text: str | None) -> str:
    """NFC, no invisible characters, unified newlines; otherwise untouched."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", str(text))
    text = _INVISIBLE.sub("", text)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def is_empty(text: str | None) -> bool:
    """True for blank text and the portal's "no information" placeholders."""
    return clean_inline(text, keep_placeholder=True).lower() in _EMPTY | {""}


def clean_inline(text: str | None, *, keep_placeholder: bool = False) -> str:
    """One line: every whitespace run becomes one space; placeholders become ""."""
    out = _SPACES.sub(" ", normalize(text).replace("\n", " ")).strip()
    if not keep_placeholder and out.lower() in _EMPTY:
        return ""
    return out


def clean_block(text: str | None) -> str:
    """Multi-line text: spaces collapsed per line, blank lines dropped."""
    lines = (_SPACES.sub(" ", line).strip() for line in normalize(text).split("\n"))
    out = "\n".join(line for line in lines if line)
    return "" if out.lower() in _EMPTY else out


def strip_placeholder(text: str) -> str:
    """Remove embedded "Không có thông tin" runs left by glued table cells."""
    return clean_inline(re.sub(r"Không có thông tin", " ", text))


# The portal page's furniture after the last field: keywords, description and
# the "choose an agency / submit" widget. Captured by the crawl at a field's end.
_PAGE_FOOTER = re.compile(r"Từ khóa\s*(?::|Không có thông tin|$)|Chọn cơ quan thực hiện")


def strip_page_footer(text: str) -> str:
    """Cut "...Từ khóaKhông có thông tinMô tả...Chọn cơ quan thực hiện...Nộp hồ sơ"."""
    m = _PAGE_FOOTER.search(text)
    return text[: m.start()] if m else text

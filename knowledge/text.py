"""Text folding for diacritic-insensitive staff search (no dialog imports here)."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lowercase, strip Vietnamese diacritics (đ→d) and collapse whitespace."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(bare.split())

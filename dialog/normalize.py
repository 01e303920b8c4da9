"""Vietnamese text normalisation for matching: one canonical spelling per syllable.

Recognisers, staff and the national portal spell the same word differently:
composed vs decomposed Unicode, upper case, and the tone mark on either vowel of
"oa/oe/uy" ("hoà"/"hòa", "thuý"/"thúy"). ``normalize`` maps all of them to one
form (NFC, lower case, classic tone placement: "hòa", "thủy", "khỏe"), so equal
words compare equal as strings. ``strip_diacritics`` gives the fallback key for
input that arrives without any marks.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Combining tone marks (NFD): grave, acute, hook above, tilde, dot below.
_TONES = frozenset("\u0300\u0301\u0309\u0303\u0323")
# Vowels that carry their own quality mark and so take the tone when present.
_MARKED = frozenset("âăêôơư")
_VOWELS = frozenset("aăâeêioôơuưy")
_NON_WORD = re.compile(r"[^\w]+|_+")


@lru_cache(maxsize=65536)  # a caller's vocabulary is small; this runs for every syllable heard
def _place_tone(syllable: str) -> str:
    """Re-place the tone mark of one lower-case NFC syllable by the classic rule."""
    decomposed = unicodedata.normalize("NFD", syllable)
    tone = next((c for c in decomposed if c in _TONES), None)
    if tone is None:
        return syllable
    bare = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
    # The vowel nucleus: the first run of vowels. "qu" and "gi" + vowel are consonants.
    start = next((i for i, c in enumerate(bare) if c in _VOWELS), None)
    if start is None:
        return syllable
    end = start
    while end < len(bare) and bare[end] in _VOWELS:
        end += 1
    if (
        start > 0
        and end - start > 1
        and (
            (bare[start - 1] == "q" and bare[start] == "u") or (bare[start - 1] == "g" and bare[start] == "i")
        )
    ):
        start += 1
    nucleus = bare[start:end]
    marked = [i for i, c in enumerate(nucleus) if c in _MARKED]
    if marked:
        pos = marked[-1]  # "ươ" takes it on ơ
    elif len(nucleus) == 1:
        pos = 0
    elif end < len(bare) or len(nucleus) == 3:
        # Closed syllable ("hoàng", "quyết"): last vowel; open triphthong ("ngoài"): middle.
        pos = 1 if len(nucleus) == 3 and end == len(bare) else len(nucleus) - 1
    else:
        pos = 0  # open diphthong, classic style: "hòa", "thủy", "múa", "mái"
    i = start + pos
    return unicodedata.normalize("NFC", bare[:i] + bare[i] + tone + bare[i + 1 :])


def normalize(text: str) -> str:
    """NFC, lower case, canonical tone placement, punctuation to spaces, single spaces.

    Digits are kept ("7 ngày"); separators inside numbers become spaces ("1.001193" -> "1 001193").
    """
    text = unicodedata.normalize("NFC", text).lower()
    text = _NON_WORD.sub(" ", text)
    return " ".join(_place_tone(s) for s in text.split())


def _strip_table() -> dict[int, str]:
    table = {ord("đ"): "d", ord("Đ"): "D"}
    for cp in range(0xC0, 0x1F00):
        ch = chr(cp)
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        if base != ch and base.isascii() and base:
            table[cp] = base
    return table


_STRIP = _strip_table()


def strip_diacritics(text: str) -> str:
    """Remove every mark, including đ -> d; case and spacing are left as they are."""
    fast = text.translate(_STRIP)  # precomposed letters: one table lookup each
    if fast.isascii():
        return fast
    decomposed = unicodedata.normalize("NFD", fast)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare).replace("đ", "d").replace("Đ", "D")


def syllables(text: str) -> list[str]:
    """The normalised syllables (space-separated units) of ``text``."""
    return normalize(text).split()

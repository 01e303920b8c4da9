"""Pure text helpers for recognition output: Vietnamese folding, syllables,
repetition (decoder loop) detection and repair."""

from __future__ import annotations

import re
import unicodedata
import zlib

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def fold(text: str) -> str:
    """Lower-case, strip Vietnamese diacritics (đ → d) and punctuation; single spaces."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(_WORD.findall(bare))


def normalize(text: str) -> str:
    """Lower-case NFC words without punctuation, diacritics kept (for WER and matching)."""
    return " ".join(_WORD.findall(unicodedata.normalize("NFC", text.lower())))


def syllables(text: str) -> list[str]:
    """Vietnamese is written one syllable per space-separated token."""
    return normalize(text).split()


def compression_ratio(text: str) -> float:
    """Whisper's loop signal: repetitive text compresses well (> 2.4 is suspicious)."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def longest_repeat(words: list[str], max_n: int = 6) -> tuple[int, int, int]:
    """(start, n, count) of the n-gram repeated back-to-back the most times (count >= 1)."""
    best = (0, 1, 1)
    for n in range(1, max_n + 1):
        i = 0
        while i + 2 * n <= len(words):
            count = 1
            while words[i + count * n: i + (count + 1) * n] == words[i: i + n]:
                count += 1
            if count > best[2] or (count == best[2] and count > 1 and n > best[1]):
                best = (i, n, count)
            i += 1
    return best


def is_looping(text: str, max_repeats: int = 3, ratio: float = 2.4) -> bool:
    """True for decoder loops: an n-gram repeated ``max_repeats``+ times in a row, or very compressible text."""
    words = text.split()
    _, n, count = longest_repeat(words)
    if count >= max_repeats and n * count >= 3:
        return True
    return len(text) > 40 and compression_ratio(text) > ratio


def collapse_repeats(text: str, max_n: int = 6) -> str:
    """Keep one copy of back-to-back repeated n-grams (n >= 2 repeated twice or more,
    single words three times or more; Vietnamese reduplication such as "từ từ" survives):
    "a b a b a b c" → "a b c". A loop guard applied to decoder output."""
    words = text.split()
    out: list[str] = []
    i = 0
    while i < len(words):
        for n in range(1, min(max_n, (len(words) - i) // 2) + 1):  # smallest period first
            chunk = words[i: i + n]
            count = 1
            while words[i + count * n: i + (count + 1) * n] == chunk:
                count += 1
            if count >= (3 if n == 1 else 2):
                out.extend(chunk)
                i += count * n
                break
        else:
            out.append(words[i])
            i += 1
    return " ".join(out)

"""Syllable index of a procedure catalogue: vocabulary, IDF weights, postings,
and the fuzzy "lattice" of what each heard syllable may stand for.

Vietnamese is written one syllable per space; a recogniser (or a caller typing
without marks) may drop the diacritics, swap a tone, or mishear an initial or
final consonant ("thường chú", "kết hông", "khai xinh"). ``alternatives`` maps
each heard syllable to the catalogue syllables it may be, each with a
confidence: 1.0 exact, then same letters with other marks, same sound under
common phonetic mergers, and one-letter edits (rapidfuzz Levenshtein).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from dialog.normalize import strip_diacritics
from dialog.numbers import BARE_DIGITS, DIGITS

# Confidence that a heard syllable stands for a catalogue syllable.
W_EXACT = 1.0
W_UNMARKED = 0.92  # heard without any marks: "khai sinh" typed as "khai sinh", "ket hon"
W_RETONED = 0.75  # same letters, other tone or vowel mark: "hỏn" for "hôn"
W_INITIAL = 0.8  # same rhyme, initial consonant merged in speech: "chú"/"trú", "xinh"/"sinh"
W_PHONETIC = 0.65  # equal once finals are merged too: "xin"/"sinh", "hôn"/"hông"
W_EDIT = 0.58  # one letter inserted, dropped or replaced: "hông"/"hôn"
W_EDIT_UNMARKED = 0.5  # one letter apart once marks are removed
MAX_ALTERNATIVES = 12

_TONE_CHARS = "\u0300\u0301\u0303\u0309\u0323"
# "ký"/"kí", "lý"/"lí", "mỹ"/"mĩ": both spellings are current; index them as one.
_LONE_Y = re.compile(rf"^(qu|[bcdđghklmnprstvx]+)y([{_TONE_CHARS}]?)$")
_PHONETIC_INITIAL = (("tr", "ch"), ("gi", "d"), ("x", "s"), ("r", "d"), ("v", "d"), ("l", "n"))
_PHONETIC_FINAL = (("ng", "n"), ("nh", "n"), ("ch", "t"), ("c", "t"), ("p", "t"))
# Southern speech drops the glide of a diphthong before m, p, u, i ("kiểm" sounds like
# "kỉm", "nuôi" like "nui", "nhiều" like "nhìu", "người" like "ngừi").
_PHONETIC_RHYME = (("iem", "im"), ("iep", "ip"), ("ieu", "iu"), ("uoi", "ui"), ("uou", "uu"), ("yem", "im"))


# Names write numbers in digits ("mức độ 01", "số 2"); callers say them.
_DIGIT_OF = {w: str(v) for w, v in DIGITS.items() if v} | {"mười": "10"}
# Unmarked "tu" is too often tư/từ/tử/tự to be read as 4.
_BARE_DIGIT_OF = {w: str(v) for w, v in BARE_DIGITS.items() if v and w != "tu"} | {"muoi": "10"}


def syllable_key(syllable: str) -> str:
    """Index key of one normalised syllable (unifies the i/y spelling variants; "01" is "1")."""
    if syllable.isdigit():
        return str(int(syllable))
    nfd = unicodedata.normalize("NFD", syllable)
    m = _LONE_Y.match(nfd)
    if m:
        return unicodedata.normalize("NFC", f"{m.group(1)}i{m.group(2)}")
    return syllable


def initial_key(stripped: str) -> str:
    """Merge the initial consonants that regional speech and recognisers confuse (tr/ch, s/x, d/gi/r/v, l/n)."""
    for a, b in _PHONETIC_INITIAL:
        if stripped.startswith(a):
            return b + stripped[len(a) :]
    return stripped


def _rhyme(syllable: str) -> str:
    """The syllable without its initial consonants (tone and vowel marks kept)."""
    i = 0
    while i < len(syllable) and strip_diacritics(syllable[i]) not in "aeiouy":
        i += 1
    return syllable[i:]


def phonetic_key(stripped: str) -> str:
    """``initial_key`` plus merged finals (n/ng/nh, t/c/ch/p: "pháp" heard as "phát")."""
    s = initial_key(stripped)
    for a, b in _PHONETIC_RHYME:
        if s.endswith(a):
            s = s[: -len(a)] + b
            break
    for a, b in _PHONETIC_FINAL:
        if s.endswith(a) and len(s) > len(a):
            s = s[: -len(a)] + b
            break
    return s


@dataclass(frozen=True, slots=True)
class IndexedText:
    """One matchable text of a record (its name, the head of its name, or one alias), as
    syllable keys; ``factor`` scales its fit (a head says less than the whole name).
    ``optional`` words (the rest of a name around its head or in its brackets) explain
    what a caller said but are not missed when unsaid."""

    record: int
    keys: tuple[str, ...]
    factor: float = 1.0
    optional: tuple[str, ...] = ()


class SyllableIndex:
    """Vocabulary, document frequencies and postings over a list of texts."""

    def __init__(
        self,
        texts: Sequence[IndexedText],
        extra_terms: Sequence[Iterable[str]],
        n_records: int,
    ):
        self.n_records = n_records
        per_record: list[set[str]] = [set() for _ in range(n_records)]
        for t in texts:
            per_record[t.record].update(t.keys)
        for rec, terms in enumerate(extra_terms):
            per_record[rec].update(terms)
        df: Counter[str] = Counter()
        for terms in per_record:
            df.update(terms)
        self.df = df
        n = max(n_records, 1)
        self._idf = {k: math.log((n + 1) / (c + 0.5)) for k, c in df.items()}
        # Weight of a word the catalogue never uses: as informative as a rare word,
        # so that "xổ số", "bóng đá" count against every procedure.
        self.unknown_idf = math.log((n + 1) / 1.5)
        postings: dict[str, list[int]] = defaultdict(list)
        for rec, terms in enumerate(per_record):
            for k in terms:
                postings[k].append(rec)
        self.postings = {k: np.asarray(v, dtype=np.int32) for k, v in postings.items()}
        self.by_stripped: dict[str, list[str]] = defaultdict(list)
        self.by_initial: dict[str, list[str]] = defaultdict(list)
        self.by_phonetic: dict[str, list[str]] = defaultdict(list)
        for k in df:
            s = strip_diacritics(k)
            self.by_stripped[s].append(k)
            self.by_initial[initial_key(s)].append(k)
            self.by_phonetic[phonetic_key(s)].append(k)
        self._stripped_vocab = list(self.by_stripped)
        self._cache: dict[tuple[str, bool], tuple[tuple[str, float], ...]] = {}

    def idf(self, key: str) -> float:
        return self._idf.get(key, self.unknown_idf)

    def idf_at(self, df: float) -> float:
        """The IDF of a word found in ``df`` records."""
        return math.log((self.n_records + 1) / (df + 0.5))

    def __contains__(self, key: str) -> bool:
        return key in self._idf

    def alternatives(self, key: str, *, unmarked_input: bool) -> tuple[tuple[str, float], ...]:
        """Catalogue syllables ``key`` may stand for, best first, with confidences."""
        cache_key = (key, unmarked_input)
        hit = self._cache.get(cache_key)
        if hit is not None:
            return hit
        found: dict[str, float] = {}

        def add(k: str, w: float) -> None:
            if found.get(k, 0.0) < w:
                found[k] = w

        if key in self._idf:
            add(key, W_EXACT)
        digit = _DIGIT_OF.get(key) or (_BARE_DIGIT_OF.get(key) if unmarked_input else None)
        if digit is not None and digit in self._idf:
            add(digit, W_EXACT if key in _DIGIT_OF else W_UNMARKED)
        stripped = strip_diacritics(key)
        marked = stripped != key
        for k in self.by_stripped.get(stripped, ()):
            add(k, W_UNMARKED if unmarked_input and not marked else W_RETONED)
        for k in self.by_initial.get(initial_key(stripped), ()):
            add(k, W_INITIAL if _rhyme(k) == _rhyme(key) or not marked else W_PHONETIC)
        for k in self.by_phonetic.get(phonetic_key(stripped), ()):
            add(k, W_PHONETIC)
        # One-letter edits only for words the catalogue does not know: a recogniser that
        # heard a real catalogue word most likely heard it right.
        if len(stripped) >= 3 and key not in self._idf:
            for s, _, _ in process.extract(
                stripped, self._stripped_vocab, scorer=Levenshtein.distance, score_cutoff=1, limit=None
            ):
                for k in self.by_stripped[s]:
                    close = marked and Levenshtein.distance(key, k) <= 1
                    add(k, W_EDIT if close or not marked else W_EDIT_UNMARKED)
        ranked = tuple(sorted(found.items(), key=lambda kv: (-kv[1], -self.idf(kv[0])))[:MAX_ALTERNATIVES])
        if len(self._cache) > 100_000:  # bounded: callers say a few thousand distinct syllables
            self._cache.clear()
        self._cache[cache_key] = ranked
        return ranked

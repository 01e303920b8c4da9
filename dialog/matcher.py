"""Which procedure a caller means: ranked candidates, a calibrated score and a decision.

Scoring (all over syllable keys, see ``dialog.index``):

* Every heard syllable may stand for a few catalogue syllables, each with a
  confidence w (1.0 exact, less for missing marks, swapped tones, misheard
  consonants). Fillers, pronouns and the question phrase ("bao nhiêu tiền")
  carry no weight; every other syllable weighs its IDF over the catalogue, so
  "đăng ký", "cấp", "giấy" count little and "khai sinh", "thường trú" much.
* For one text of a record (its official name without "Thủ tục" and the
  "(thực hiện tại cấp ...)" suffix, or a staff alias):
  - precision P: the IDF share of what the caller said that the text (or the
    record's keywords) explains;
  - recall R: the IDF share of the text's own words that the caller said;
  - coherence C: the IDF share of the text's word pairs, both heard, that were
    heard next to each other ("khai sinh", not "sinh ... khai").
  fit = sqrt(P * R) * (0.85 + 0.15 * C); a record scores its best text.
  A caller who adds nothing distinctive ("khai sinh") fits the plain procedure
  better than "khai sinh có yếu tố nước ngoài", whose extra words go unheard.
* Records that say the same thing (one name at cấp xã, tỉnh and trung ương) are
  folded into the one citizens call about: curated (aliases or spoken summary)
  first, then the most local level.

The score is the fit, 0..1. On the labelled caller phrasings (see
``dialog.evaluation``) it reads roughly as: >= 0.70 almost always right,
0.45-0.70 usually right but worth a confirmation, < 0.45 mostly out of scope.
Decisions (constants below):

* ``no_match``: best score < NO_MATCH_BELOW;
* ``disambiguate``: a second distinct candidate within CLOSE of the best
  (all candidates that close, at most 3, are offered);
* ``answer``: best >= ANSWER_AT and ahead of the second by ANSWER_MARGIN;
* ``confirm``: otherwise.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from dialog.colloquial import FUNCTION_WORDS, STOPWORDS, apply_synonyms
from dialog.index import IndexedText, SyllableIndex, syllable_key
from dialog.normalize import normalize, strip_diacritics
from dialog.topics import Topic, detect_topic, topic_phrases
from knowledge.records import ProcedureRecord

Action = Literal["answer", "confirm", "disambiguate", "no_match"]

NO_MATCH_BELOW = 0.45
ANSWER_AT = 0.70
ANSWER_MARGIN = 0.10
CLOSE = 0.05
MAX_CANDIDATES = 5
MAX_OFFERED = 3
SHORTLIST = 60

# Tie-breaks between records that fit equally well (never enough to beat a better fit).
CURATED_BONUS = 0.02
LEVEL_BONUS = {"xã": 0.010, "huyện": 0.006, "tỉnh": 0.005}

_PREFIX = re.compile(r"^(?:thủ tục\s+)+")
# "(thực hiện tại cấp tỉnh)", "(cấp xã)", "(thực hiện ở cấp trung ương", sometimes cut off.
_LEVEL_SUFFIX = re.compile(r"\s*\((?:thực hiện\s+)?(?:tại\s+|ở\s+)?cấp\s[^)]*\)?\s*$")


@dataclass(frozen=True, slots=True)
class Candidate:
    code: str
    name: str
    score: float  # calibrated 0..1, see the module docstring


@dataclass(frozen=True, slots=True)
class MatchResult:
    action: Action
    candidates: list[Candidate]  # ranked, at most 5
    topic: Topic | None
    text: str  # normalised input

    @property
    def procedure(self) -> Candidate | None:
        """The best candidate, unless nothing matched."""
        if self.action == "no_match" or not self.candidates:
            return None
        return self.candidates[0]


def clean_name(name: str) -> str:
    """A procedure name as callers would say it: no "Thủ tục" prefix, no level suffix."""
    # Portal names carry line breaks; the suffix pattern needs single spaces and lower case.
    text = " ".join(unicodedata.normalize("NFC", name).lower().split())
    text = _PREFIX.sub("", _LEVEL_SUFFIX.sub("", text))
    return normalize(text)


@dataclass(frozen=True, slots=True)
class _Position:
    alts: tuple[tuple[str, float], ...]
    weight: float  # IDF of its most likely reading; 0 for fillers and question words


class Matcher:
    """Matches caller utterances against a procedure catalogue (built once, then read-only)."""

    def __init__(self, records: Iterable[ProcedureRecord]) -> None:
        self._records: list[ProcedureRecord] = [r for r in records if r.status != "draft"]
        self._by_code = {r.code: i for i, r in enumerate(self._records)}
        texts: list[IndexedText] = []
        keywords: list[frozenset[str]] = []
        self._name_key: list[str] = []
        self._rank_bonus = np.zeros(len(self._records))
        for i, r in enumerate(self._records):
            name = clean_name(r.name)
            self._name_key.append(strip_diacritics(name))
            texts.append(IndexedText(i, _keys(name), is_alias=False))
            for alias in r.aliases:
                keys = _keys(normalize(alias))
                if keys:
                    texts.append(IndexedText(i, keys, is_alias=True))
            keywords.append(frozenset(k for kw in r.keywords for k in _keys(normalize(kw))))
            curated = bool(r.aliases or r.spoken_summary.strip())
            level = max((LEVEL_BONUS.get(_level(lv), 0.0) for lv in r.levels), default=0.0)
            self._rank_bonus[i] = CURATED_BONUS * curated + level
        self._texts = texts
        self._keywords = keywords
        self._index = SyllableIndex(texts, keywords, len(self._records))
        self._texts_of: list[list[int]] = [[] for _ in self._records]
        for t, text in enumerate(texts):
            self._texts_of[text.record].append(t)
        # Per text: its content words with their weights, and its adjacent word pairs.
        self._content: list[dict[str, float]] = []
        self._pairs: list[frozenset[tuple[str, str]]] = []
        for text in texts:
            keys = [k for k in text.keys if k not in FUNCTION_WORDS]
            self._content.append({k: self._index.idf(k) for k in keys})
            self._pairs.append(frozenset(zip(keys, keys[1:], strict=False)))
        self._vocab = [
            frozenset(content) | keywords[text.record]
            for content, text in zip(self._content, texts, strict=True)
        ]
        self._mass = np.array([sum(c.values()) for c in self._content], dtype=float)
        self._min_mass = np.full(len(self._records), np.inf)
        for t, text in enumerate(texts):
            self._min_mass[text.record] = min(self._min_mass[text.record], max(self._mass[t], 1e-9))
        self._topic_phrases = [tuple(p.split()) for ps in topic_phrases().values() for p in ps]
        self._stripped_stopwords = frozenset(strip_diacritics(w) for w in STOPWORDS)

    def __len__(self) -> int:
        return len(self._records)

    def record(self, code: str) -> ProcedureRecord | None:
        i = self._by_code.get(code)
        return None if i is None else self._records[i]

    # -- query side ------------------------------------------------------------------------

    def _positions(self, words: list[str]) -> list[_Position]:
        unmarked = all(w == strip_diacritics(w) for w in words)
        question = self._question_positions(words, unmarked)
        index = self._index
        out: list[_Position] = []
        for i, w in enumerate(words):
            k = syllable_key(w)
            if k in FUNCTION_WORDS:
                continue  # weightless on both sides; dropping it lets "cho con" pair like "con"
            filler = k in STOPWORDS or (unmarked and k in self._stripped_stopwords)
            # Fillers still get readings: "chú" may be a misheard "trú" ("thường chú").
            alts = index.alternatives(k, unmarked_input=unmarked)
            if filler or i in question:
                out.append(_Position(alts, 0.0))
                continue
            if k in index:
                weight = index.idf(k)
            elif alts:
                # An unknown word weighs as its most common likely reading.
                top = alts[0][1]
                weight = min(index.idf(a) for a, c in alts if c == top)
            else:
                weight = index.unknown_idf
            out.append(_Position(alts, weight))
        return out

    def _question_positions(self, words: list[str], unmarked: bool) -> set[int]:
        probe = [strip_diacritics(w) for w in words] if unmarked else words
        hit: set[int] = set()
        for phrase in self._topic_phrases:
            p = [strip_diacritics(x) for x in phrase] if unmarked else list(phrase)
            if unmarked and len(p) < 2 and p[0] != phrase[0]:
                continue  # one stripped syllable is too ambiguous ("phi")
            n = len(p)
            for i in range(len(probe) - n + 1):
                if probe[i : i + n] == p:
                    hit.update(range(i, i + n))
        return hit

    # -- scoring ---------------------------------------------------------------------------

    def _shortlist(self, positions: list[_Position], allowed: np.ndarray | None) -> np.ndarray:
        n = len(self._records)
        acc = np.zeros(n)
        total = 0.0
        for pos in positions:
            if pos.weight <= 0.0 or not pos.alts:
                total += pos.weight
                continue
            total += pos.weight
            best = np.zeros(n)
            for key, conf in pos.alts:
                idx = self._index.postings.get(key)
                if idx is not None:
                    best[idx] = np.maximum(best[idx], conf * self._index.idf(key))
            acc += best
        if allowed is not None:
            acc = np.where(allowed, acc, 0.0)
        if total <= 0.0:
            return np.flatnonzero(acc > 0) if allowed is None else np.flatnonzero(allowed)
        approx = acc / total * np.sqrt(np.minimum(1.0, acc / self._min_mass))
        k = min(SHORTLIST, n)
        top = np.argpartition(-approx, k - 1)[:k] if k < n else np.arange(n)
        return top[approx[top] > 0]

    def _fit(self, t: int, positions: list[_Position], ignore: frozenset[str]) -> float:
        content = self._content[t]
        pairs = self._pairs[t]
        vocab = self._vocab[t]
        idf = self._index.idf
        num = den = 0.0  # precision over what the caller said
        best_conf: dict[str, float] = {}
        heard_at: dict[str, list[int]] = {}
        last = len(positions) - 1
        for i, pos in enumerate(positions):
            match_conf, match_key = 0.0, None
            for key, conf in pos.alts:
                if key not in vocab:
                    continue
                if pos.weight <= 0.0:
                    # A filler or question word counts only as part of a word pair of this
                    # text: "con" in "nhận con nuôi", "chú" in "thường chú", not "mất" in
                    # "hộ chiếu mất bao lâu".
                    before = i > 0 and any((k, key) in pairs for k, _ in positions[i - 1].alts)
                    after = i < last and any((key, k) in pairs for k, _ in positions[i + 1].alts)
                    if not (before or after):
                        continue
                if conf > best_conf.get(key, 0.0):
                    best_conf[key] = conf
                heard_at.setdefault(key, []).append(i)
                if conf > match_conf:
                    match_conf, match_key = conf, key
            if pos.weight <= 0.0 or (ignore and pos.alts and pos.alts[0][0] in ignore):
                continue
            if match_key is not None and match_key not in ignore:
                w = content.get(match_key) or pos.weight
                num += match_conf * w
                den += w
            else:
                den += pos.weight
        precision = num / den if den > 0 else 1.0
        # Recall over the text's own words.
        terms = [(k, w) for k, w in content.items() if k not in ignore]
        mass = sum(w for _, w in terms)
        recall = sum(w * best_conf.get(k, 0.0) for k, w in terms) / mass if mass > 0 else 1.0
        if recall <= 0.0 or precision <= 0.0:
            return 0.0
        # Coherence: pairs of the text's words, both heard, heard side by side.
        pair_num = pair_den = 0.0
        for a, b in pairs:
            pa, pb = heard_at.get(a), heard_at.get(b)
            if pa and pb and a not in ignore and b not in ignore:
                w = idf(a) + idf(b)
                pair_den += w
                if any(i + 1 in pb for i in pa):
                    pair_num += w
        coherence = pair_num / pair_den if pair_den > 0 else 1.0
        return math.sqrt(precision * recall) * (0.85 + 0.15 * coherence)

    def match(self, text: str, *, among: Collection[str] | None = None) -> MatchResult:
        """Match one utterance; ``among`` restricts the answer to these procedure codes."""
        norm = normalize(text)
        topic = detect_topic(norm)
        words = apply_synonyms(norm.split())
        positions = self._positions(words)
        allowed: np.ndarray | None = None
        ignore: frozenset[str] = frozenset()
        if among is not None:
            chosen = [self._by_code[c] for c in among if c in self._by_code]
            allowed = np.zeros(len(self._records), dtype=bool)
            allowed[chosen] = True
            if len(chosen) >= 2:
                # Words every option shares ("đăng ký khai sinh") cannot tell them apart.
                sets = [
                    {k for t in self._texts_of[r] for k in self._content[t]} | self._keywords[r]
                    for r in chosen
                ]
                ignore = frozenset(set.intersection(*sets))
        if among is None and all(p.weight <= 0.0 for p in positions):
            return MatchResult("no_match", [], topic, norm)
        scored: list[tuple[float, float, int]] = []
        for r in self._shortlist(positions, allowed):
            fit = max(self._fit(t, positions, ignore) for t in self._texts_of[r])
            if fit > 0.0:
                scored.append((fit + self._rank_bonus[r], fit, int(r)))
        scored.sort(key=lambda x: (-x[0], self._records[x[2]].code))
        candidates: list[Candidate] = []
        seen: set[str] = set()
        for _, fit, r in scored:
            rec = self._records[r]
            if self._name_key[r] in seen or rec.code in seen:
                continue
            seen.update((self._name_key[r], rec.code))
            candidates.append(Candidate(rec.code, rec.name, round(min(fit, 1.0), 4)))
            if len(candidates) == MAX_CANDIDATES:
                break
        return MatchResult(decide(candidates), candidates, topic, norm)


def decide(candidates: list[Candidate]) -> Action:
    """The decision for ranked candidates, from the thresholds in the module docstring."""
    if not candidates or candidates[0].score < NO_MATCH_BELOW:
        return "no_match"
    best = candidates[0].score
    second = candidates[1].score if len(candidates) > 1 else 0.0
    if second >= NO_MATCH_BELOW and best - second < CLOSE:
        return "disambiguate"
    if best >= ANSWER_AT and best - second >= ANSWER_MARGIN:
        return "answer"
    return "confirm"


def offered(result: MatchResult) -> list[Candidate]:
    """The candidates to offer when disambiguating: those close to the best, at most 3."""
    if not result.candidates:
        return []
    best = result.candidates[0].score
    return [c for c in result.candidates[:MAX_OFFERED] if best - c.score < CLOSE or c is result.candidates[0]]


def _keys(text: str) -> tuple[str, ...]:
    return tuple(syllable_key(w) for w in apply_synonyms(text.split()))


def _level(label: str) -> str:
    """ "Cấp xã" -> "xã"."""
    label = normalize(label)
    return label.removeprefix("cấp ").strip()

"""Catalogue phrase rescoring: which of a few expected phrases did the caller say?

Method (see ../shared/notes/recognition-findings.md, measured 28/40 top-1, 37/40
top-3 where plain transcripts give 15/40): decode with the phrases as a prompt;
for every candidate phrase, splice it into the transcript in place of the
syllables that look most like it, have Whisper score that text against the
audio (CTranslate2 ``Whisper.align`` gives per-token probabilities), and keep
the mean log-probability of the phrase's own tokens minus the same phrase's
score on silence (without that prior the score mostly measures how common a
phrase is).

``splice`` and ``fuzzy_rank`` are pure; ``PhraseScorer`` runs the model."""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from asr.base import Hypothesis
from asr.text import fold, normalize


@dataclass(frozen=True, slots=True)
class Splice:
    before: str  # transcript words before the replaced window
    phrase: str
    after: str
    similarity: float  # 0..100, folded fuzzy ratio between the window and the phrase


def splice(transcript: str, phrase: str) -> Splice:
    """Replace the transcript window (phrase length ±1 syllables) most similar to
    ``phrase`` (diacritics ignored) by the phrase itself."""
    words = normalize(transcript).split()
    target = fold(phrase)
    n = max(1, len(target.split()))
    best = Splice("", normalize(phrase), " ".join(words), 0.0)
    if not words:
        return best
    folded = [fold(w) for w in words]
    for size in range(max(1, n - 1), n + 2):
        for i in range(0, max(1, len(words) - size + 1)):
            window = " ".join(folded[i: i + size])
            sim = fuzz.ratio(window, target)
            if sim > best.similarity:
                best = Splice(" ".join(words[:i]), normalize(phrase), " ".join(words[i + size:]), sim)
    return best


def fuzzy_rank(text: str, candidates: Sequence[str]) -> list[Hypothesis]:
    """Rank candidates by the best fuzzy match of their folded syllables anywhere in ``text``
    (the text-only fallback for engines without token scores)."""
    folded = fold(text)
    scored = []
    for cand in candidates:
        target = fold(cand)
        if not (folded and target):
            score = 0.0
        elif len(target) <= len(folded):  # the phrase somewhere inside what was heard
            score = fuzz.partial_ratio(target, folded)
        else:  # a phrase longer than the whole transcript cannot be fully inside it
            score = fuzz.ratio(target, folded)
        scored.append((score / 100.0, len(target), cand))
    # Ties go to the longer phrase: "không phải" over "không" when both match fully.
    scored.sort(key=lambda x: (-x[0], -x[1]))
    return [Hypothesis(c, round(s, 4)) for s, _, c in scored]


def softmax_confidences(scores: Sequence[float], temperature: float = 0.5) -> list[float]:
    """Turn log-probability margins into 0..1 confidences that sum to 1 over the shortlist."""
    if not scores:
        return []
    top = max(scores)
    exps = [math.exp((s - top) / temperature) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


class PhraseScorer:
    """Scores spliced candidate texts with a CTranslate2 Whisper model.

    ``model`` is a ``ctranslate2.models.Whisper``; ``tokenizer`` a faster-whisper
    ``Tokenizer`` for the language; ``silence_encoding`` the encoder output of
    ~1 s of silence (for the prior)."""

    def __init__(self, model, tokenizer, silence_encoding, silence_frames: int, batch_size: int = 2,
                 prior_weight: float = 1.0, similarity_weight: float = 0.0):
        self._model = model
        self._tok = tokenizer
        self._silence = silence_encoding
        self._silence_frames = silence_frames
        self._batch = batch_size
        self.prior_weight = prior_weight
        self.similarity_weight = similarity_weight
        self._prior: dict[str, float] = {}
        self._lock = threading.Lock()

    def _encode(self, text: str) -> list[int]:
        return self._tok.encode(" " + text) if text else []

    def _mean_logprobs(self, encoding, num_frames: int, items: list[tuple[list[int], int, int]]) -> list[float]:
        """Mean log-probability of tokens[start:end] for each (tokens, start, end)."""
        import ctranslate2

        start_sequence = list(self._tok.sot_sequence) + [self._tok.no_timestamps]
        out = [-30.0] * len(items)  # a phrase with no tokens (only punctuation) scores lowest
        todo = [i for i, (tokens, s, e) in enumerate(items) if tokens and e > s]
        enc = np.asarray(encoding)
        for k in range(0, len(todo), self._batch):
            chunk = todo[k: k + self._batch]
            batch = ctranslate2.StorageView.from_array(np.ascontiguousarray(np.repeat(enc, len(chunk), axis=0)))
            results = self._model.align(batch, start_sequence, [items[i][0] for i in chunk],
                                        [num_frames] * len(chunk))
            for res, i in zip(results, chunk, strict=True):
                _, s, e = items[i]
                probs = np.asarray(res.text_token_probs[s:e], dtype=np.float64)
                out[i] = float(np.mean(np.log(np.maximum(probs, 1e-9))))
        return out

    def prior(self, phrases: Sequence[str]) -> list[float]:
        """Each phrase's mean token log-probability on silence (cached per phrase)."""
        with self._lock:
            missing = [p for p in dict.fromkeys(phrases) if p not in self._prior]
        if missing:
            items = []
            for p in missing:
                toks = self._encode(normalize(p))
                items.append((toks, 0, len(toks)))
            scores = self._mean_logprobs(self._silence, self._silence_frames, items)
            with self._lock:
                self._prior.update(zip(missing, scores, strict=True))
        return [self._prior[p] for p in phrases]

    def components(self, encoding, num_frames: int, transcript: str,
                   candidates: Sequence[str]) -> list[tuple[float, float, float]]:
        """(mean log-prob of the spliced phrase, its prior on silence, fuzzy similarity 0..1
        of the transcript window it replaced) for each candidate, in order."""
        items, sims = [], []
        for cand in candidates:
            sp = splice(transcript, cand)
            before, phrase, after = self._encode(sp.before), self._encode(sp.phrase), self._encode(sp.after)
            items.append((before + phrase + after, len(before), len(before) + len(phrase)))
            sims.append(sp.similarity / 100.0)
        raw = self._mean_logprobs(encoding, num_frames, items)
        priors = self.prior(candidates)
        return list(zip(raw, priors, sims, strict=True))

    def score(self, encoding, num_frames: int, transcript: str,
              candidates: Sequence[str]) -> list[tuple[str, float]]:
        """(candidate, score) for every candidate, best first; the score is a
        log-probability margin over the silence prior (higher is better)."""
        comps = self.components(encoding, num_frames, transcript, candidates)
        scored = [(c, combine(r, p, s, self.prior_weight, self.similarity_weight))
                  for c, (r, p, s) in zip(candidates, comps, strict=True)]
        scored.sort(key=lambda x: -x[1])
        return scored


def combine(raw: float, prior: float, similarity: float, prior_weight: float = 1.0,
            similarity_weight: float = 0.0) -> float:
    return raw - prior_weight * prior + similarity_weight * similarity

"""Vosk (Kaldi) engine: streaming partial and final results, N-best, grammar
biasing from the caller's phrases, pooled recognisers.

``AcceptWaveform`` releases the GIL, so several calls decode in parallel on
worker threads; grammar mode (a phrase list) is ~20x cheaper than free decoding."""

from __future__ import annotations

import json
import math
import threading
import time
from pathlib import Path

from asr.audio import resample
from asr.base import AsrError, Hints, Hypothesis, Result
from asr.models import check_vosk_model_dir
from asr.pool import RecognizerPool
from asr.rescoring import fuzzy_rank

UNK = "[unk]"


class VoskRecognizer:
    def __init__(self, engine: VoskEngine, key: tuple[str, ...] | None, hints: Hints):
        self._engine = engine
        self._key = key
        self._hints = hints
        self._rec = engine._pool.acquire(key)
        self._segments: list[str] = []  # text of segments Kaldi already endpointed
        self._partial = ""
        self._closed = False

    def feed(self, pcm: bytes) -> Result | None:
        if self._closed:
            raise AsrError("recognizer already finished")
        if not pcm:
            return None
        if self._rec.AcceptWaveform(pcm):
            alts = _parse(json.loads(self._rec.Result()))
            if alts and alts[0].text:
                self._segments.append(alts[0].text)
            text = " ".join(self._segments)
        else:
            partial = json.loads(self._rec.PartialResult()).get("partial", "")
            text = " ".join([*self._segments, partial]).strip()
        if text == self._partial:
            return None
        self._partial = text
        return Result(text, 0.0, False, [])

    def finish(self) -> Result:
        if self._closed:
            raise AsrError("recognizer already finished")
        t0 = time.perf_counter()
        self._closed = True
        try:
            alts = _parse(json.loads(self._rec.FinalResult()))
        finally:
            self._engine._pool.release(self._key, self._rec)
            self._rec = None
        prefix = " ".join(self._segments)
        alts = [Hypothesis(" ".join(filter(None, (prefix, a.text))), a.confidence) for a in alts]
        alts = [a for a in alts if a.text] or [Hypothesis(prefix, 0.5 if prefix else 0.0)]
        best = alts[0]
        alternatives = fuzzy_rank(best.text, self._hints.candidates) if self._hints.candidates else alts
        return Result(best.text, best.confidence, True, alternatives, time.perf_counter() - t0)


def _parse(res: dict) -> list[Hypothesis]:
    """Hypotheses from a Vosk result: N-best (``alternatives``, lattice scores turned
    into posteriors over the list) or one best with per-word confidences."""
    if "alternatives" in res:
        items = [(_clean(a.get("text", "")), float(a.get("confidence", 0.0))) for a in res["alternatives"]]
        if not items:
            return []
        top = max(s for _, s in items)
        weights = [math.exp(s - top) for _, s in items]
        total = sum(weights)
        return [Hypothesis(t, round(w / total, 4)) for (t, _), w in zip(items, weights, strict=True)]
    text = _clean(res.get("text", ""))
    words = res.get("result") or []
    conf = sum(w.get("conf", 0.0) for w in words) / len(words) if words else (0.5 if text else 0.0)
    return [Hypothesis(text, round(conf, 4))]


def _clean(text: str) -> str:
    return " ".join(w for w in text.split() if w != UNK)


class VoskEngine:
    name = "vosk"

    def __init__(self, model_path: str | Path | None = None, sample_rate: int = 8000, n_best: int = 3,
                 pool_size: int = 8, grammar_keys: int = 32, words: bool = True):
        if not model_path:
            raise AsrError("the vosk engine needs a model directory: set HOTLINE_ASR_MODEL_PATH "
                           "(or run `hotline models install vosk-vi` where internet exists)")
        if sample_rate not in (8000, 16000):
            raise AsrError(f"sample_rate must be 8000 or 16000, got {sample_rate}")
        import vosk

        vosk.SetLogLevel(-1)
        self.model_path = check_vosk_model_dir(model_path)
        self.sample_rate = sample_rate
        self.n_best = n_best
        self._words = words
        self._vosk = vosk
        try:
            self._model = vosk.Model(str(self.model_path))
        except Exception as exc:  # vosk raises a bare Exception
            raise AsrError(f"cannot load Vosk model {self.model_path}: {exc}") from exc
        self._known: dict[str, bool] = {}
        self._known_lock = threading.Lock()
        self._has_unk = self.knows(UNK)
        self._pool: RecognizerPool = RecognizerPool(self._build, lambda r: r.Reset(), pool_size, grammar_keys)

    def _build(self, key: tuple[str, ...] | None):
        if key is None:
            rec = self._vosk.KaldiRecognizer(self._model, self.sample_rate)
        else:
            rec = self._vosk.KaldiRecognizer(self._model, self.sample_rate,
                                             json.dumps(list(key), ensure_ascii=False))
        rec.SetMaxAlternatives(self.n_best)
        rec.SetWords(self._words)
        return rec

    def knows(self, word: str) -> bool:
        with self._known_lock:
            hit = self._known.get(word)
        if hit is None:
            hit = self._model.vosk_model_find_word(word) >= 0
            with self._known_lock:
                self._known[word] = hit
        return hit

    def grammar(self, hints: Hints | None) -> tuple[str, ...] | None:
        """The phrase list for grammar mode (words unknown to the model dropped), or
        None for free decoding. ``[unk]`` is added when the model has it, so speech
        outside the list is not forced onto a listed phrase."""
        if hints is None or not (hints.vocabulary() or hints.candidates):
            return None
        phrases: dict[str, None] = {}
        for phrase in (*hints.candidates, *hints.vocabulary()):
            kept = [w for w in phrase.lower().split() if self.knows(w)]
            if kept:
                phrases[" ".join(kept)] = None
        if not phrases:
            return None
        if self._has_unk:
            phrases[UNK] = None
        return tuple(sorted(phrases))

    @property
    def pool_stats(self):
        return self._pool.stats

    def recognizer(self, hints: Hints | None = None) -> VoskRecognizer:
        return VoskRecognizer(self, self.grammar(hints), hints or Hints())

    def transcribe(self, pcm: bytes, sample_rate: int, hints: Hints | None = None) -> Result:
        t0 = time.perf_counter()
        rec = self.recognizer(hints)
        pcm = resample(pcm, sample_rate, self.sample_rate)
        step = self.sample_rate // 5 * 2  # 200 ms chunks keep Kaldi's endpointing as in streaming
        for i in range(0, len(pcm), step):
            rec.feed(pcm[i: i + step])
        result = rec.finish()
        return Result(result.text, result.confidence, True, result.alternatives, time.perf_counter() - t0)

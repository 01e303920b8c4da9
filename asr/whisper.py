"""faster-whisper / CTranslate2 Whisper engine: utterance-level recognition
after end of speech, Vietnamese by default.

Telephone utterances (<= 30 s) are decoded directly with CTranslate2 so the
encoder runs once and its output is reused for catalogue rescoring; longer
audio goes through faster-whisper's segment-by-segment ``transcribe``.
Decoding is deterministic (temperature 0, beam search) with guards against
Whisper's failure modes: silence (no-speech probability), loops (repeated
n-grams, compression ratio: one retry with a repetition penalty, then the
repeats are cut)."""

from __future__ import annotations

import math
import os
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from asr.audio import pcm_to_float, resample
from asr.base import AsrError, Hints, Hypothesis, Result
from asr.models import assemble_whisper_base, check_ct2_whisper_dir
from asr.rescoring import PhraseScorer, combine, fuzzy_rank, softmax_confidences
from asr.text import collapse_repeats, compression_ratio, is_looping

MODEL_RATE = 16000
MAX_DIRECT_S = 30.0


@dataclass(frozen=True, slots=True)
class WhisperOptions:
    language: str = "vi"
    sample_rate: int = 8000  # rate of the PCM given to recognizer().feed()
    beam_size: int = 5
    n_best: int = 3
    compute_type: str = "int8"
    cpu_threads: int = 0  # 0: one per core, at most 4 (more threads than cores slows every call)
    num_workers: int = 1  # concurrent decodes inside the model
    max_new_tokens: int = 120
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    compression_ratio_threshold: float = 2.4
    retry_repetition_penalty: float = 1.3
    prompt: bool = True  # bias decoding with Hints.phrases (and candidates when not rescoring) as previous text
    rescore: bool = True  # rank Hints.candidates against the audio (else: fuzzy match on the transcript)
    rescore_prompted: bool = False  # also splice into a decode prompted with the candidates (2x cost)
    prior_weight: float = 1.0  # rescoring: weight of the phrase's score on silence
    similarity_weight: float = 2.0  # rescoring: weight of the spliced window's fuzzy similarity
    max_prompt_tokens: int = 200
    cache_dir: str | None = None  # where the embedded model is assembled


class WhisperRecognizer:
    """Buffers one utterance; recognition runs in ``finish()`` (Whisper does not stream)."""

    def __init__(self, engine: WhisperEngine, hints: Hints | None):
        self._engine = engine
        self._hints = hints
        self._chunks: list[bytes] = []

    def feed(self, pcm: bytes) -> Result | None:
        self._chunks.append(pcm)
        return None

    def finish(self) -> Result:
        pcm = b"".join(self._chunks)
        self._chunks.clear()
        return self._engine.transcribe(pcm, self._engine.sample_rate, self._hints)


class WhisperEngine:
    name = "whisper"

    def __init__(self, model_path: str | Path | None = None, **options):
        try:
            self.options = WhisperOptions(**options)
        except TypeError as exc:
            raise AsrError(f"bad whisper option: {exc}") from exc
        if self.options.sample_rate not in (8000, 16000):
            raise AsrError(f"sample_rate must be 8000 or 16000, got {self.options.sample_rate}")
        self.sample_rate = self.options.sample_rate
        if model_path:
            self.model_path = check_ct2_whisper_dir(model_path)
        else:
            self.model_path = assemble_whisper_base(Path(self.options.cache_dir) if self.options.cache_dir else None)
        from faster_whisper import WhisperModel
        from faster_whisper.tokenizer import Tokenizer

        try:
            threads = self.options.cpu_threads or min(4, os.cpu_count() or 1)
            self._fw = WhisperModel(str(self.model_path), device="cpu", compute_type=self.options.compute_type,
                                    cpu_threads=threads, num_workers=self.options.num_workers)
        except (RuntimeError, ValueError) as exc:
            raise AsrError(f"cannot load Whisper model {self.model_path}: {exc}") from exc
        self._ct2 = self._fw.model
        if not self._ct2.is_multilingual:
            raise AsrError(f"{self.model_path} is an English-only Whisper model")
        self._tok = Tokenizer(self._fw.hf_tokenizer, True, task="transcribe", language=self.options.language)
        from faster_whisper.transcribe import get_suppressed_tokens

        self._suppress = list(get_suppressed_tokens(self._tok, [-1]))
        self._scorer: PhraseScorer | None = None
        self._scorer_lock = threading.Lock()

    # -- protocol -----------------------------------------------------------------------------

    def recognizer(self, hints: Hints | None = None) -> WhisperRecognizer:
        return WhisperRecognizer(self, hints)

    def transcribe(self, pcm: bytes, sample_rate: int, hints: Hints | None = None) -> Result:
        if sample_rate not in (8000, 16000, 22050, 24000, 44100, 48000):
            raise AsrError(f"unsupported sample rate {sample_rate}")
        t0 = time.perf_counter()
        audio = pcm_to_float(resample(pcm, sample_rate, MODEL_RATE))
        hints = hints or Hints()
        if audio.size < MODEL_RATE // 10:  # < 100 ms: nothing a caller can have said
            return Result("", 0.0, True, [], time.perf_counter() - t0)
        if audio.size / MODEL_RATE > MAX_DIRECT_S:
            result = self._transcribe_long(audio, hints)
        else:
            result = self._transcribe_short(audio, hints)
        return replace(result, latency_s=time.perf_counter() - t0)

    # -- decoding -------------------------------------------------------------------------------

    def _prompt_words(self, hints: Hints, with_candidates: bool) -> str:
        words = dict.fromkeys((*(hints.candidates if with_candidates else ()), *hints.phrases))
        if not words:
            words = dict.fromkeys(hints.vocabulary())
        return ", ".join(w.strip() for w in words if w.strip())

    def _prompt(self, hints: Hints, with_candidates: bool = True) -> list[int]:
        prompt: list[int] = []
        text = self._prompt_words(hints, with_candidates) if self.options.prompt else ""
        if text:
            tokens = self._tok.encode(" " + text)[-self.options.max_prompt_tokens:]
            prompt = [self._tok.sot_prev, *tokens]
        return prompt + list(self._tok.sot_sequence) + [self._tok.no_timestamps]

    def encode(self, audio: np.ndarray):
        """Log-mel features and encoder output of up to 30 s of 16 kHz float audio."""
        from faster_whisper.audio import pad_or_trim

        feats = self._fw.feature_extractor(audio)[..., :-1]
        num_frames = min(feats.shape[-1], self._fw.feature_extractor.nb_max_frames)
        enc = self._fw.encode(pad_or_trim(feats))
        return enc, num_frames

    def _generate(self, enc, prompt: list[int], repetition_penalty: float = 1.0, no_repeat_ngram: int = 0):
        return self._ct2.generate(
            enc, [prompt], beam_size=self.options.beam_size,
            num_hypotheses=max(1, min(self.options.n_best, self.options.beam_size)),
            max_length=min(len(prompt) + self.options.max_new_tokens, self._fw.max_length),
            return_scores=True, return_no_speech_prob=True, suppress_blank=True,
            suppress_tokens=self._suppress, repetition_penalty=repetition_penalty,
            no_repeat_ngram_size=no_repeat_ngram,
        )[0]

    def _hypotheses(self, gen) -> list[tuple[str, float]]:
        out = []
        for ids, score in zip(gen.sequences_ids, gen.scores, strict=True):
            text = self._tok.decode(ids).strip()
            # CTranslate2 returns the length-normalised sum: the mean log-prob per token.
            out.append((text, float(score)))
        return out

    def _decode(self, enc, prompt: list[int]) -> tuple[list[tuple[str, float]], float]:
        """N-best (text, mean log-prob) and the no-speech probability, with the loop guard."""
        gen = self._generate(enc, prompt)
        hyps = self._hypotheses(gen)
        if is_looping(hyps[0][0], ratio=self.options.compression_ratio_threshold):
            # Temperature stays 0 (deterministic); a repetition penalty breaks most loops.
            gen = self._generate(enc, prompt, self.options.retry_repetition_penalty, no_repeat_ngram=3)
            hyps = self._hypotheses(gen)
        return [(collapse_repeats(t), s) for t, s in hyps], float(gen.no_speech_prob)

    def _transcribe_short(self, audio: np.ndarray, hints: Hints) -> Result:
        enc, num_frames = self.encode(audio)
        # Short closed answers (yes/no, digits) do better with a prompted decode and a fuzzy
        # match (7/10 against 3/10 on synthetic yes/no answers): the silence prior favours
        # short words like "không" over a fully heard "không phải".
        rescore = bool(hints.candidates) and self.options.rescore and hints.expect in ("any", "speech")
        # When rescoring, the candidates stay out of the prompt: a prompted decoder copies
        # listed phrases that were never said, and the transcript must stay honest for
        # out-of-scope detection. Splicing into the plain transcript scored better too.
        hyps, no_speech = self._decode(enc, self._prompt(hints, with_candidates=not rescore))
        text, logprob = hyps[0]
        if no_speech > self.options.no_speech_threshold and logprob < self.options.log_prob_threshold:
            # Probably no speech. The VAD heard something, though: still rank the expected
            # phrases (a quiet "có"), scaled down so the dialog confirms or asks again.
            alternatives = []
            if rescore:
                alternatives = [Hypothesis(h.text, round(h.confidence * (1.0 - no_speech), 4))
                                for h in self._rescore(enc, num_frames, "", hints)]
            return Result("", 0.0, True, alternatives)
        confidence = _confidence(logprob, no_speech)
        if not hints.candidates:
            alternatives = [Hypothesis(t, _confidence(s, no_speech)) for t, s in hyps]
        elif not rescore:
            alternatives = fuzzy_rank(text, hints.candidates)
        else:
            alternatives = self._rescore(enc, num_frames, text, hints)
        return Result(text, confidence, True, alternatives)

    def _rescore(self, enc, num_frames: int, text: str, hints: Hints) -> list[Hypothesis]:
        scorer = self.scorer()
        cands = hints.candidates
        transcripts = [text]
        if self.options.rescore_prompted:
            transcripts.append(self._decode(enc, self._prompt(hints, with_candidates=True))[0][0][0])
        best = [-math.inf] * len(cands)
        for transcript in dict.fromkeys(transcripts):
            comps = scorer.components(enc, num_frames, transcript, cands)
            for i, (raw, prior, sim) in enumerate(comps):
                best[i] = max(best[i], combine(raw, prior, sim, self.options.prior_weight,
                                               self.options.similarity_weight))
        ranked = sorted(zip(cands, best, strict=True), key=lambda x: -x[1])
        confs = softmax_confidences([s for _, s in ranked])
        return [Hypothesis(c, round(p, 4)) for (c, _), p in zip(ranked, confs, strict=True)]

    def _transcribe_long(self, audio: np.ndarray, hints: Hints) -> Result:
        prompt = self._prompt_words(hints, True) if self.options.prompt else ""
        segments, _info = self._fw.transcribe(
            audio, language=self.options.language, task="transcribe", beam_size=self.options.beam_size,
            temperature=0.0, condition_on_previous_text=False, initial_prompt=prompt or None,
            without_timestamps=True, compression_ratio_threshold=self.options.compression_ratio_threshold,
            log_prob_threshold=self.options.log_prob_threshold,
            no_speech_threshold=self.options.no_speech_threshold)
        texts, logprobs = [], []
        for seg in segments:
            t = collapse_repeats(seg.text.strip())
            if t and compression_ratio(t) <= self.options.compression_ratio_threshold * 1.5:
                texts.append(t)
                logprobs.append(seg.avg_logprob)
        text = " ".join(texts)
        conf = _confidence(float(np.mean(logprobs)), 0.0) if logprobs else 0.0
        return Result(text, conf, True, [Hypothesis(text, conf)] if text else [])

    def scorer(self) -> PhraseScorer:
        """The catalogue rescorer (its silence prior is computed on first use)."""
        with self._scorer_lock:
            if self._scorer is None:
                silence = np.zeros(MODEL_RATE, dtype=np.float32)
                enc, frames = self.encode(silence)
                self._scorer = PhraseScorer(self._ct2, self._tok, enc, frames)
            return self._scorer


def _confidence(mean_logprob: float, no_speech_prob: float) -> float:
    return round(max(0.0, min(1.0, math.exp(mean_logprob) * (1.0 - no_speech_prob))), 4)

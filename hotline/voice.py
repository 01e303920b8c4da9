"""Speech engines as the call loop uses them: recognition behind a bounded worker
pool (never on the event loop) and prompt audio from the answer-audio cache."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from asr.base import Engine, Hints, Result
from dialog.events import Segment
from tts import create_synthesizer
from tts.base import Audio, Synthesizer, Voice
from tts.cache import AnswerAudioCache

from .config import Settings
from .metrics import Metrics

log = logging.getLogger(__name__)


class Recognition:
    """Runs `engine.transcribe` in a pool of `workers` threads.

    Calls beyond the pool wait their turn (back-pressure): the caller hears silence a
    little longer, nothing is dropped. The queue depth and latency go to the metrics."""

    def __init__(self, engine: Engine, *, workers: int | None = None, metrics: Metrics | None = None) -> None:
        self.engine = engine
        self.workers = workers or os.cpu_count() or 1
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="asr")
        self._slots = asyncio.Semaphore(self.workers)
        self._waiting = 0
        self._metrics = metrics

    async def recognize(self, pcm: bytes, sample_rate: int, hints: Hints | None = None) -> Result:
        self._waiting += 1
        self._gauge()
        started = time.perf_counter()
        try:
            async with self._slots:
                self._waiting -= 1
                self._gauge()
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(self._pool, self.engine.transcribe, pcm, sample_rate, hints)
        finally:
            if self._metrics is not None:
                self._metrics.asr_seconds.observe(time.perf_counter() - started)

    def _gauge(self) -> None:
        if self._metrics is not None:
            self._metrics.asr_queue.set(self._waiting)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


@dataclass(frozen=True, slots=True)
class PromptAudio:
    """Telephone audio for dialog segments: a staff recording or cached TTS; rendering a
    miss happens in a worker thread (espeak-ng takes ~10-30 ms a sentence)."""

    cache: AnswerAudioCache
    slow_cache: AnswerAudioCache | None = None  # same texts at a slower voice ("nói chậm lại")

    async def audio(self, segment: Segment, *, slow: bool = False) -> Audio:
        cache = self.slow_cache if slow and self.slow_cache is not None else self.cache
        text = segment.spoken
        key = None if segment.key == "dyn" else segment.key
        hit = cache.peek(text, key=key)
        if hit is not None:
            return hit
        return await asyncio.to_thread(cache.get, text, key=key)


def slower(voice: Voice, factor: float = 0.8) -> Voice:
    return Voice(name=voice.name, rate=max(80, int(voice.rate * factor)), pitch=voice.pitch)


def configured_synthesizer(settings: Settings, engine: str | None = None) -> Synthesizer:
    """The TTS engine named by the settings (or `engine`); Coqui needs its model path."""
    name = engine or settings.tts_engine
    options = {"model_path": settings.tts_model_path} if name == "coqui" else {}
    return create_synthesizer(name, **options)


def open_answer_cache(settings: Settings, synthesizer: Synthesizer | None = None,
                      voice: Voice | None = None) -> AnswerAudioCache:
    """The answer-audio cache calls play from: one directory per data dir, shared by
    `hotline serve`, the console and the prompt API."""
    return AnswerAudioCache(settings.cache_dir / "audio", synthesizer or configured_synthesizer(settings),
                            voice or Voice(name=settings.tts_voice))

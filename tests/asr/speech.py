"""Synthesised speech for the recognition tests and benchmarks, from the project's own
espeak-ng engine (tts.espeak). One engine per process: libespeak-ng keeps global state
(its callback among it), so a second ctypes wrapper around the same library would
break the first."""

from __future__ import annotations

import numpy as np

from tts.base import Voice
from tts.espeak import EspeakSynthesizer

_engines: dict[str, EspeakSynthesizer] = {}


def synthesize(text: str, voice: str = "vi", sample_rate: int = 16000, rate_wpm: int = 150,
               pitch: int = 50) -> bytes:
    """``text`` spoken by espeak-ng as 16-bit mono PCM at ``sample_rate``."""
    engine = _engines.get("library")
    if engine is None:
        engine = _engines["library"] = EspeakSynthesizer(backend="library", normalize=False)
    try:
        audio = engine.synthesize(text, Voice(name=voice, rate=rate_wpm, pitch=pitch), sample_rate=sample_rate)
    except ValueError as exc:
        raise ValueError(f"espeak-ng has no voice {voice!r}") from exc
    return _trim(audio.pcm)


def _trim(pcm: bytes, floor: int = 64) -> bytes:
    """Without the engine's closing pause: the tests place silence themselves."""
    samples = np.frombuffer(pcm, dtype="<i2")
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > floor)
    if loud.size == 0:
        return b""
    return samples[: loud[-1] + 1].tobytes()

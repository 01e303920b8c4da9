"""The answer audio of a procedure for staff to listen to: the same summary
segment and cache key a call plays, rendered through the answer-audio cache."""

from __future__ import annotations

import threading
from pathlib import Path

from dialog.answers import summary
from knowledge.records import ProcedureRecord
from tts.audio import write_wav
from tts.cache import AnswerAudioCache

_lock = threading.Lock()


def answer_cache(extras: dict, cache_dir: Path, engine: str) -> AnswerAudioCache:
    """The process's answer-audio cache (``extras["audio_cache"]``), built on first use."""
    with _lock:
        cache = extras.get("audio_cache")
        if cache is None:
            from tts import create_synthesizer

            cache = AnswerAudioCache(cache_dir / "answers", create_synthesizer(engine))
            extras["audio_cache"] = cache
        return cache


def summary_wav(cache: AnswerAudioCache, record: ProcedureRecord, *, regenerate: bool = False) -> bytes:
    """WAV bytes (8 kHz mono) of the procedure's spoken summary; ``regenerate`` drops the
    cached render first (a staff recording for the key is kept and still wins)."""
    segment = summary(record)
    if regenerate:
        cache.invalidate([segment.key])
    return write_wav(cache.get(segment.spoken, key=segment.key))


def summary_text(record: ProcedureRecord) -> tuple[str, str]:
    """(key, spoken text) of the summary segment."""
    segment = summary(record)
    return segment.key, segment.spoken

"""The answer audio of a procedure for staff to listen to: the same summary
segment and cache key a call plays, rendered through the answer-audio cache."""

from __future__ import annotations

import threading

from dialog.answers import summary
from knowledge.records import ProcedureRecord
from tts.audio import write_wav
from tts.cache import AnswerAudioCache

from ..config import Settings

_lock = threading.Lock()


def answer_cache(extras: dict, settings: Settings) -> AnswerAudioCache:
    """The answer-audio cache the calls play from (``extras["audio_cache"]``, set by
    ``hotline serve``); without one (API-only process) the same cache directory, voice
    and engine are opened on first use."""
    with _lock:
        cache = extras.get("audio_cache")
        if cache is None:
            from ..voice import open_answer_cache

            cache = extras["audio_cache"] = open_answer_cache(settings)
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

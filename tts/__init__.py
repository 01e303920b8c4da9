"""Text-to-speech engines (transport-free) and the answer-audio cache.

Public interface: :class:`~tts.base.Voice`, :class:`~tts.base.Audio`,
:class:`~tts.base.Synthesizer`, :func:`create_synthesizer`,
:class:`~tts.cache.AnswerAudioCache`, :func:`~tts.normalize.normalize`.
"""

from tts.base import (
    TELEPHONE_RATE,
    VIETNAMESE_VOICES,
    WIDEBAND_RATE,
    Audio,
    EngineUnavailable,
    SynthesisError,
    Synthesizer,
    Voice,
)
from tts.cache import AnswerAudioCache, CacheUsage, PrerenderReport, RecordingError
from tts.factory import ENGINES, create_synthesizer
from tts.normalize import normalize

__all__ = [
    "AnswerAudioCache",
    "CacheUsage",
    "PrerenderReport",
    "RecordingError",
    "normalize",
    "ENGINES",
    "TELEPHONE_RATE",
    "VIETNAMESE_VOICES",
    "WIDEBAND_RATE",
    "Audio",
    "EngineUnavailable",
    "SynthesisError",
    "Synthesizer",
    "Voice",
    "create_synthesizer",
]

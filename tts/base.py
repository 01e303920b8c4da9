"""The synthesiser protocol and the plain data it speaks in.

Engines (``espeak.py``, ``coqui.py``) implement :class:`Synthesizer`; the rest of
the system only sees :class:`Voice` and :class:`Audio`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

TELEPHONE_RATE = 8000  # Hz, what the G.711 phone line carries
WIDEBAND_RATE = 16000

VIETNAMESE_VOICES = ("vi", "vi-vn-x-central", "vi-vn-x-south")

DEFAULT_RATE = 165  # words per minute: a little slower than espeak's 175, clearer on a phone line
MIN_RATE, MAX_RATE = 80, 450  # espeak-ng's accepted range
MIN_PITCH, MAX_PITCH = 0, 100


class SynthesisError(RuntimeError):
    """The engine failed to produce audio for a text."""


class EngineUnavailable(RuntimeError):
    """The engine's library or model is not installed or cannot be loaded."""


@dataclass(frozen=True, slots=True)
class Voice:
    """How to speak.

    ``name``: the engine's voice (espeak: ``vi``, ``vi-vn-x-central``, ``vi-vn-x-south``;
    Coqui: a speaker name of a multi-speaker model, ignored otherwise).
    ``rate``: speaking speed in words per minute, espeak-ng's unit (80-450); Coqui maps it
    to VITS' ``length_scale = DEFAULT_RATE / rate``.
    ``pitch``: 0-100, 50 is the voice's normal pitch (espeak-ng's unit; Coqui ignores it).
    """

    name: str = "vi"
    rate: int = DEFAULT_RATE
    pitch: int = 50

    def __post_init__(self) -> None:
        if not self.name or not self.name.strip():
            raise ValueError("voice name must not be empty")
        if not MIN_RATE <= self.rate <= MAX_RATE:
            raise ValueError(f"voice rate {self.rate} outside {MIN_RATE}-{MAX_RATE} words per minute")
        if not MIN_PITCH <= self.pitch <= MAX_PITCH:
            raise ValueError(f"voice pitch {self.pitch} outside {MIN_PITCH}-{MAX_PITCH}")

    @property
    def key(self) -> str:
        """Stable text identity, part of the answer-audio cache key."""
        return f"{self.name}|{self.rate}|{self.pitch}"


@dataclass(frozen=True, slots=True)
class Audio:
    """Mono 16-bit little-endian PCM at ``sample_rate`` Hz."""

    pcm: bytes
    sample_rate: int

    def __post_init__(self) -> None:
        if self.sample_rate <= 0:
            raise ValueError(f"sample rate must be positive, got {self.sample_rate}")
        if len(self.pcm) % 2:
            raise ValueError("16-bit PCM must have an even number of bytes")

    @property
    def samples(self) -> int:
        return len(self.pcm) // 2

    @property
    def duration(self) -> float:
        """Seconds."""
        return self.samples / self.sample_rate


@runtime_checkable
class Synthesizer(Protocol):
    """A text-to-speech engine. ``synthesize`` is blocking and thread-safe; run it in a
    worker thread from async code (the answer-audio cache keeps it off the call path)."""

    name: str

    def synthesize(
        self, text: str, voice: Voice | None = None, *, sample_rate: int = TELEPHONE_RATE
    ) -> Audio:
        """Speak ``text`` (normalised for speech by the engine) and return mono PCM16 at
        ``sample_rate``. Raises :class:`SynthesisError` when the engine fails."""
        ...

"""The recognition protocol every engine implements, and its result types.

Engines are transport-free: they take 16-bit mono PCM and plain strings (the
vocabulary and candidate phrases come from the caller, not from the catalogue)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

Expect = Literal["any", "speech", "yes_no", "digits"]
EXPECT_VALUES: tuple[str, ...] = ("any", "speech", "yes_no", "digits")


# What callers say for the closed expectations when the dialog passes no phrases of its own.
DEFAULT_PHRASES: dict[str, tuple[str, ...]] = {
    "yes_no": ("có", "không", "đúng", "sai", "đúng rồi", "không phải", "vâng", "dạ"),
    "digits": ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"),
}


class AsrError(RuntimeError):
    """A recogniser cannot be built or run (missing model, bad options, bad audio)."""


@dataclass(frozen=True, slots=True)
class Hypothesis:
    text: str
    confidence: float  # 0..1


@dataclass(frozen=True, slots=True)
class Result:
    text: str
    confidence: float  # 0..1
    final: bool
    alternatives: list[Hypothesis] = field(default_factory=list)  # N-best, best first
    latency_s: float = 0.0  # compute time from finish()/transcribe() call to result


@dataclass(frozen=True, slots=True)
class Hints:
    """What the dialog expects to hear, as plain strings.

    ``phrases``: vocabulary to bias towards (catalogue names and aliases, yes/no
    words, digits). ``candidates``: a short list of expected phrases; when given,
    ``Result.alternatives`` ranks these candidates against the audio (best
    first) so the dialog can confirm the first and offer the next ones."""

    phrases: tuple[str, ...] = ()
    candidates: tuple[str, ...] = ()
    expect: Expect = "any"

    def vocabulary(self) -> tuple[str, ...]:
        """Phrases to bias towards: the given ones, else the defaults of ``expect``."""
        return self.phrases or DEFAULT_PHRASES.get(self.expect, ())

    def __post_init__(self) -> None:
        if self.expect not in EXPECT_VALUES:
            raise ValueError(f"Hints.expect must be one of {EXPECT_VALUES}, got {self.expect!r}")
        if isinstance(self.phrases, str) or isinstance(self.candidates, str):
            raise TypeError("Hints.phrases and Hints.candidates are tuples of strings, not a string")


@runtime_checkable
class Recognizer(Protocol):
    """One utterance (or one stream)."""

    def feed(self, pcm: bytes) -> Result | None:
        """Add 16-bit mono PCM at the engine's rate; a partial result when the engine streams."""
        ...

    def finish(self) -> Result:
        """The final result for everything fed; the recogniser returns to its pool."""
        ...


@runtime_checkable
class Engine(Protocol):
    name: str
    sample_rate: int

    def recognizer(self, hints: Hints | None = None) -> Recognizer: ...

    def transcribe(self, pcm: bytes, sample_rate: int, hints: Hints | None = None) -> Result: ...


def create_engine(name: str = "whisper", model_path: str | None = None, **options) -> Engine:
    """``"whisper"`` (default: the bundled base model) or ``"vosk"`` (``model_path`` required)."""
    if name == "whisper":
        from asr.whisper import WhisperEngine

        return WhisperEngine(model_path or None, **options)
    if name == "vosk":
        from asr.vosk import VoskEngine

        return VoskEngine(model_path or None, **options)
    raise AsrError(f"unknown ASR engine {name!r}; expected 'whisper' or 'vosk'")

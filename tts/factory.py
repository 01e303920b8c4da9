"""Build a synthesiser by engine name (the ``HOTLINE_TTS_ENGINE`` setting)."""

from __future__ import annotations

from pathlib import Path

from tts.base import Synthesizer

ENGINES = ("espeak", "coqui")


def create_synthesizer(engine: str = "espeak", **options) -> Synthesizer:
    """``espeak``: options of :class:`tts.espeak.EspeakSynthesizer` (voice, backend, ...).
    ``coqui``: ``model_path`` (required; empty means not configured) and the options of
    :class:`tts.coqui.CoquiSynthesizer`. Engines are imported here so that an unused
    optional engine costs nothing."""
    name = engine.strip().lower()
    if name in ("espeak", "espeak-ng"):
        from tts.espeak import EspeakSynthesizer

        return EspeakSynthesizer(**options)
    if name == "coqui":
        model_path = options.pop("model_path", None)
        if not model_path:
            raise ValueError("the coqui engine needs a model path (HOTLINE_TTS_MODEL_PATH)")
        from tts.coqui import CoquiSynthesizer

        return CoquiSynthesizer(Path(model_path), **options)
    raise ValueError(f"unknown TTS engine {engine!r}; choose one of {', '.join(ENGINES)}")

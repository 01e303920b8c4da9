"""Coqui TTS: a Vietnamese VITS model (``config.json`` + model ``.pth``) from a
configured path, for a more natural voice than espeak-ng.

Optional: ``coqui-tts`` and PyTorch are imported only when this engine is created, so
the default install stays light. ``Voice.rate`` maps to VITS' ``length_scale``
(``DEFAULT_RATE / rate``, relative to the model's own); ``Voice.pitch`` is not
adjustable in VITS and is ignored; ``Voice.name`` picks a speaker of a multi-speaker
model and is ignored for a single-speaker one.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path

import numpy as np

from tts.audio import from_float
from tts.base import DEFAULT_RATE, TELEPHONE_RATE, Audio, EngineUnavailable, SynthesisError, Voice
from tts.normalize import normalize as normalize_text

log = logging.getLogger(__name__)

CHECKPOINT_NAMES = ("model.pth", "best_model.pth", "checkpoint.pth", "model_file.pth")
INSTALL_HINT = (
    "pip install coqui-tts six torch==2.9.1 'torchaudio==2.9.*' 'torchcodec==0.8.*' "
    "(the 'coqui' extra of hotline)"
)


def find_model_files(model_path: Path, config_path: Path | None = None) -> tuple[Path, Path]:
    """(checkpoint, config) for a model directory or a checkpoint file. Raises
    FileNotFoundError naming what is missing."""
    model_path = Path(model_path)
    if model_path.is_dir():
        candidates = [model_path / n for n in CHECKPOINT_NAMES if (model_path / n).is_file()]
        if not candidates:
            candidates = sorted(model_path.glob("*.pth"))
        if not candidates:
            raise FileNotFoundError(f"no model .pth file in {model_path}")
        if len(candidates) > 1 and candidates[0].name not in CHECKPOINT_NAMES:
            raise FileNotFoundError(f"several .pth files in {model_path}; name the checkpoint file")
        checkpoint = candidates[0]
    elif model_path.is_file():
        checkpoint = model_path
    else:
        raise FileNotFoundError(f"Coqui model path {model_path} does not exist")
    config = Path(config_path) if config_path else checkpoint.parent / "config.json"
    if not config.is_file():
        raise FileNotFoundError(f"Coqui model config {config} does not exist")
    return checkpoint, config


def _file_digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for path in paths:
        with path.open("rb") as f:
            while block := f.read(1 << 20):
                h.update(block)
    return h.hexdigest()


class CoquiSynthesizer:
    """A Coqui TTS model (VITS or any single-model architecture the library loads)."""

    name = "coqui"

    def __init__(
        self,
        model_path: str | Path,
        *,
        config_path: str | Path | None = None,
        voice: Voice | None = None,
        normalize: bool = True,
        threads: int | None = None,
    ) -> None:
        self.checkpoint, self.config_path = find_model_files(Path(model_path), config_path)
        self.default_voice = voice or Voice()
        self.normalize = normalize
        try:
            import torch
            from TTS.utils.synthesizer import Synthesizer as _CoquiSynthesizer
        except ImportError as exc:
            raise EngineUnavailable(f"Coqui TTS is not installed ({exc}); {INSTALL_HINT}") from exc
        if threads:
            torch.set_num_threads(threads)
        self._torch = torch
        try:
            self._synth = _CoquiSynthesizer(tts_checkpoint=self.checkpoint, tts_config_path=self.config_path)
        except Exception as exc:  # the library raises many kinds for a bad model
            raise EngineUnavailable(f"cannot load Coqui model {self.checkpoint}: {exc}") from exc
        self.native_rate = int(self._synth.output_sample_rate)
        model = self._synth.tts_model
        self._base_length_scale = float(getattr(model, "length_scale", 1.0))
        manager = getattr(model, "speaker_manager", None)
        self.speakers: list[str] = list(manager.speaker_names) if manager is not None else []
        # The cache key must change when the model file does: hash it once here.
        self.identity = f"coqui:{_file_digest(self.checkpoint, self.config_path)[:16]}"
        self._lock = threading.Lock()  # one model, mutable length_scale: one call at a time

    def synthesize(
        self, text: str, voice: Voice | None = None, *, sample_rate: int = TELEPHONE_RATE
    ) -> Audio:
        voice = voice or self.default_voice
        spoken = normalize_text(text) if self.normalize else text.strip()
        if not spoken:
            return Audio(b"", sample_rate)
        speaker = voice.name if voice.name in self.speakers else None
        if self.speakers and speaker is None:
            speaker = self.speakers[0]
        model = self._synth.tts_model
        with self._lock, self._torch.inference_mode():
            if hasattr(model, "length_scale"):
                model.length_scale = self._base_length_scale * DEFAULT_RATE / voice.rate
            try:
                wav = self._synth.tts(spoken, speaker_name=speaker, split_sentences=True)
            except Exception as exc:
                raise SynthesisError(f"Coqui synthesis failed: {exc}") from exc
            finally:
                if hasattr(model, "length_scale"):
                    model.length_scale = self._base_length_scale
        samples = np.asarray(wav, dtype=np.float32)
        return from_float(samples, self.native_rate, sample_rate)

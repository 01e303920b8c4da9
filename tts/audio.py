"""PCM helpers: sample-format conversion, resampling (soxr), WAV in and out, levels."""

from __future__ import annotations

import math

import numpy as np
import soxr

from tts.base import Audio
from tts.wav import WavData, encode_wav, parse_wav


def float_to_pcm16(samples: np.ndarray) -> bytes:
    """Float samples in [-1, 1] (clipped) to PCM16 little-endian bytes."""
    # Scale by 32768 (the inverse of pcm16_to_float) so PCM16 -> float -> PCM16 is exact.
    scaled = np.round(np.asarray(samples, dtype=np.float32) * 32768.0)
    return np.clip(scaled, -32768, 32767).astype("<i2").tobytes()


def pcm16_to_float(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, "<i2").astype(np.float32) / 32768.0


PEAK_CEILING = 10 ** (-1 / 20)  # -1 dBFS


def limit_peak(samples: np.ndarray, ceiling: float = PEAK_CEILING) -> np.ndarray:
    """Scale the clip down when its peak exceeds ``ceiling``: espeak-ng output sits near
    full scale and a resampler's overshoot would otherwise clip."""
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    return samples * (ceiling / peak) if peak > ceiling else samples


def resample_float(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Resample mono float samples with libsoxr (VHQ), whose anti-alias filter keeps
    the telephone band clean when going down to 8 kHz; the result keeps -1 dBFS headroom."""
    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    if from_rate != to_rate and x.size:
        x = soxr.resample(x, from_rate, to_rate, quality="VHQ")
        x = limit_peak(x)
    return x


def resample_pcm16(pcm: bytes, from_rate: int, to_rate: int) -> bytes:
    if from_rate == to_rate or not pcm:
        return pcm
    return float_to_pcm16(resample_float(pcm16_to_float(pcm), from_rate, to_rate))


def resample(audio: Audio, sample_rate: int) -> Audio:
    if sample_rate <= 0:
        raise ValueError(f"sample rate must be positive, got {sample_rate}")
    if audio.sample_rate == sample_rate:
        return audio
    return Audio(resample_pcm16(audio.pcm, audio.sample_rate, sample_rate), sample_rate)


def from_float(samples: np.ndarray, source_rate: int, sample_rate: int) -> Audio:
    """Mono float samples (any rate) to PCM16 Audio at ``sample_rate``."""
    return Audio(float_to_pcm16(resample_float(samples, source_rate, sample_rate)), sample_rate)


def wav_to_audio(wav: WavData, sample_rate: int | None = None) -> Audio:
    """Down-mix to mono (channel mean) and resample to ``sample_rate`` (default: keep)."""
    if wav.pcm16 is not None and sample_rate in (None, wav.sample_rate):
        return Audio(wav.pcm16, wav.sample_rate)  # already what we store: bytes unchanged
    mono = wav.samples.mean(axis=1) if wav.channels > 1 else wav.samples[:, 0]
    return from_float(mono, wav.sample_rate, sample_rate or wav.sample_rate)


def read_wav(data: bytes, sample_rate: int | None = None) -> Audio:
    """Any supported WAV (see :mod:`tts.wav`) to mono PCM16, optionally resampled.
    Raises :class:`tts.wav.WavFormatError` for files it cannot read."""
    return wav_to_audio(parse_wav(data), sample_rate)


def write_wav(audio: Audio) -> bytes:
    """Mono 16-bit WAV file bytes."""
    return encode_wav(audio.pcm, audio.sample_rate)


def peak_dbfs(audio: Audio) -> float:
    """Peak level in dB relative to full scale; -inf for digital silence or no samples."""
    if not audio.pcm:
        return -math.inf
    peak = int(np.abs(np.frombuffer(audio.pcm, "<i2").astype(np.int32)).max())
    return 20 * math.log10(peak / 32768.0) if peak else -math.inf


def rms_dbfs(audio: Audio) -> float:
    if not audio.pcm:
        return -math.inf
    x = pcm16_to_float(audio.pcm).astype(np.float64)
    rms = math.sqrt(float(np.mean(x * x)))
    return 20 * math.log10(rms) if rms > 0 else -math.inf


def concatenate(parts: list[Audio], gap: float = 0.0) -> Audio:
    """Join same-rate clips with ``gap`` seconds of silence between them."""
    if not parts:
        raise ValueError("nothing to concatenate")
    rate = parts[0].sample_rate
    if any(p.sample_rate != rate for p in parts):
        raise ValueError("clips have different sample rates; resample first")
    silence = b"\x00\x00" * round(gap * rate)
    return Audio(silence.join(p.pcm for p in parts), rate)

"""PCM helpers: 16-bit mono little-endian PCM as ``bytes`` on the wire, float32
arrays for models; resampling with soxr; reading WAV/MP3 files."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

SAMPLE_WIDTH = 2  # bytes per sample, 16-bit PCM


def pcm_to_float(pcm: bytes) -> np.ndarray:
    """16-bit PCM bytes to float32 samples in [-1, 1)."""
    if len(pcm) % SAMPLE_WIDTH:
        raise ValueError(f"PCM16 data must have an even length, got {len(pcm)} bytes")
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


def float_to_pcm(samples: np.ndarray) -> bytes:
    """float32 samples to 16-bit PCM bytes, clipped."""
    clipped = np.clip(np.asarray(samples, dtype=np.float32), -1.0, 32767 / 32768)
    return (clipped * 32768.0).astype("<i2").tobytes()


def resample(pcm: bytes, from_rate: int, to_rate: int) -> bytes:
    """Resample 16-bit mono PCM (e.g. 8 kHz phone audio to 16 kHz for Whisper)."""
    if from_rate == to_rate or not pcm:
        return pcm
    import soxr  # a well-kept polyphase resampler; imported late so the wire helpers stay light

    samples = np.frombuffer(pcm, dtype="<i2")
    return soxr.resample(samples, from_rate, to_rate, quality="HQ").astype("<i2").tobytes()


def resample_float(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    if from_rate == to_rate or samples.size == 0:
        return np.asarray(samples, dtype=np.float32)
    import soxr

    return soxr.resample(np.asarray(samples, dtype=np.float32), from_rate, to_rate, quality="HQ")


def duration_s(pcm: bytes, sample_rate: int) -> float:
    return len(pcm) / (SAMPLE_WIDTH * sample_rate)


def frame_bytes(sample_rate: int, frame_ms: int = 20) -> int:
    """Bytes in one frame of 16-bit mono PCM (20 ms at 8 kHz = 320 bytes)."""
    return sample_rate * frame_ms // 1000 * SAMPLE_WIDTH


def level_dbfs(pcm: bytes) -> float:
    """RMS level in dBFS (-inf for digital silence is reported as -120)."""
    x = pcm_to_float(pcm)
    if x.size == 0:
        return -120.0
    rms = float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))
    return 20.0 * np.log10(rms) if rms > 1e-6 else -120.0


def silence(seconds: float, sample_rate: int) -> bytes:
    return bytes(int(seconds * sample_rate) * SAMPLE_WIDTH)


def read_wav(path: str | Path) -> tuple[bytes, int]:
    """PCM16 mono bytes and sample rate of a WAV file (stereo is mixed down)."""
    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != SAMPLE_WIDTH:
            raise ValueError(f"{path}: only 16-bit WAV is read directly, got {8 * w.getsampwidth()}-bit")
        rate, channels = w.getframerate(), w.getnchannels()
        data = w.readframes(w.getnframes())
    if channels > 1:
        x = np.frombuffer(data, dtype="<i2").reshape(-1, channels).astype(np.int32).mean(axis=1)
        data = x.astype("<i2").tobytes()
    return data, rate


def write_wav(path: str | Path, pcm: bytes, sample_rate: int) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(SAMPLE_WIDTH)
        w.setframerate(sample_rate)
        w.writeframes(pcm)


def read_audio(path: str | Path, sample_rate: int = 16000) -> bytes:
    """Any audio file (WAV, MP3, ...) as 16-bit mono PCM at ``sample_rate``.

    16-bit WAV is read with the standard library; everything else is decoded by
    PyAV through faster-whisper's ``decode_audio``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"audio file not found: {path}")
    if path.suffix.lower() == ".wav":
        try:
            pcm, rate = read_wav(path)
        except (ValueError, wave.Error):
            pass
        else:
            return resample(pcm, rate, sample_rate)
    from faster_whisper.audio import decode_audio

    try:
        samples = decode_audio(str(path), sampling_rate=sample_rate)
    except Exception as exc:  # PyAV raises several unrelated types for corrupt input
        raise ValueError(f"cannot decode audio file {path}: {exc}") from exc
    return float_to_pcm(samples)

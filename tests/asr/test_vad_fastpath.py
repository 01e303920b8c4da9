"""The VAD's per-frame fast paths (one whole frame per call, digital silence without
numpy) give the same events as the general path."""

from __future__ import annotations

import numpy as np

from asr.vad import EndpointDetector, VadConfig

RATE = 8000


def voice_like(seconds: float) -> bytes:
    rng = np.random.default_rng(1)
    t = np.arange(int(seconds * RATE)) / RATE
    x = sum(np.sin(2 * np.pi * 140 * h * t) / h for h in range(1, 15))
    x = x * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t)) + rng.normal(0, 0.02, len(t))
    return (0.5 * 32767 * x / np.abs(x).max()).astype("<i2").tobytes()


def stream() -> bytes:
    silence = bytes(2 * RATE)  # 1 s of digital silence, as many phones send between words
    return silence + voice_like(1.2) + silence + voice_like(0.8) + silence


def events(chunk_bytes: int) -> list[tuple]:
    vad = EndpointDetector(VadConfig(sample_rate=RATE))
    pcm = stream()
    out = []
    for i in range(0, len(pcm), chunk_bytes):
        out += [(e.kind, e.time_s, len(e.audio)) for e in vad.feed(pcm[i:i + chunk_bytes])]
    return out


def test_frame_at_a_time_and_odd_chunks_agree():
    per_frame = events(320)  # 20 ms: the fast path
    assert [k for k, _, _ in per_frame] == ["speech_start", "speech_end"] * 2
    assert events(480) == per_frame  # 30 ms chunks: the general path
    assert events(100) == per_frame


def test_digital_silence_is_not_speech_and_sets_the_floor():
    vad = EndpointDetector(VadConfig(sample_rate=RATE))
    assert vad.feed(bytes(320 * 100)) == []
    assert vad.noise_floor_dbfs == -120.0 and not vad.in_speech

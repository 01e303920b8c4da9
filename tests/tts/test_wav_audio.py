"""WAV parsing/writing and PCM helpers, on WAV files built here in every format."""

from __future__ import annotations

import io
import math
import struct
import warnings
import wave

import numpy as np
import pytest

from tts.audio import concatenate, peak_dbfs, read_wav, resample, rms_dbfs, write_wav
from tts.base import Audio
from tts.wav import FORMAT_ALAW, FORMAT_EXTENSIBLE, FORMAT_FLOAT, FORMAT_MULAW, WavFormatError, parse_wav


def sine(freq: float, rate: int, seconds: float, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (amp * np.sin(2 * math.pi * freq * t)).astype(np.float32)


def dominant_frequency(audio: Audio) -> float:
    x = np.frombuffer(audio.pcm, "<i2").astype(np.float64)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    return float(np.argmax(spectrum) * audio.sample_rate / x.size)


def stdlib_wav(samples: np.ndarray, rate: int, width: int, channels: int = 1) -> bytes:
    inter = np.repeat(samples[:, None], channels, axis=1).reshape(-1)
    if width == 1:
        raw = (np.round(inter * 127) + 128).astype(np.uint8).tobytes()
    elif width == 2:
        raw = np.round(inter * 32767).astype("<i2").tobytes()
    elif width == 3:
        ints = np.round(inter * 8388607).astype("<i4")
        raw = b"".join(int(v).to_bytes(3, "little", signed=True) for v in ints)
    else:
        raw = np.round(inter * 2147483647.0).astype("<i4").tobytes()
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(raw)
    return buf.getvalue()


def riff(fmt_chunk: bytes, data: bytes, extra_chunks: bytes = b"") -> bytes:
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt_chunk)) + fmt_chunk + extra_chunks
    body += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


@pytest.mark.parametrize(
    ("width", "rate", "channels"), [(1, 8000, 1), (2, 44100, 2), (3, 48000, 1), (4, 16000, 2)]
)
def test_integer_pcm_any_width_rate_channels_to_8k_mono(width: int, rate: int, channels: int) -> None:
    data = stdlib_wav(sine(440, rate, 0.5), rate, width, channels)
    audio = read_wav(data, 8000)
    assert audio.sample_rate == 8000
    assert abs(audio.duration - 0.5) < 0.01
    assert abs(dominant_frequency(audio) - 440) < 5
    assert -8 < peak_dbfs(audio) < -5  # amplitude 0.5 is -6 dBFS


def test_float_wav_and_extensible_header() -> None:
    x = sine(1000, 22050, 0.3)
    fmt_float = struct.pack("<HHIIHH", FORMAT_FLOAT, 1, 22050, 22050 * 4, 4, 32)
    audio = read_wav(riff(fmt_float, x.astype("<f4").tobytes()), 8000)
    assert abs(dominant_frequency(audio) - 1000) < 10
    # WAVE_FORMAT_EXTENSIBLE around 16-bit PCM, as many editors write it, plus a LIST chunk to skip.
    pcm = np.round(x * 32767).astype("<i2").tobytes()
    guid = struct.pack("<H", 1) + bytes.fromhex("000000001000800000aa00389b71")
    fmt_ext = struct.pack("<HHIIHHHHI", FORMAT_EXTENSIBLE, 1, 22050, 44100, 2, 16, 22, 16, 4) + guid
    listing = b"LIST" + struct.pack("<I", 5) + b"INFOx" + b"\0"  # odd size: padded
    wav = parse_wav(riff(fmt_ext, pcm, listing))
    assert wav.format_tag == 1 and wav.sample_rate == 22050
    assert np.allclose(wav.samples[:, 0], x, atol=1e-4)


@pytest.mark.parametrize(("tag", "encode"), [(FORMAT_MULAW, "lin2ulaw"), (FORMAT_ALAW, "lin2alaw")])
def test_g711_wav_matches_reference_codec(tag: int, encode: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        # The stdlib's C G.711 codec is the reference (Python 3.11-3.12; removed in 3.13).
        audioop = pytest.importorskip(
            "audioop", reason="stdlib audioop (the reference codec) needs Python < 3.13"
        )
    x = np.round(sine(300, 8000, 0.2, amp=0.8) * 32767).astype("<i2")
    coded = getattr(audioop, encode)(x.tobytes(), 2)
    expected = np.frombuffer(
        audioop.ulaw2lin(coded, 2) if tag == FORMAT_MULAW else audioop.alaw2lin(coded, 2), "<i2"
    )
    fmt = struct.pack("<HHIIHH", tag, 1, 8000, 8000, 1, 8)
    audio = read_wav(riff(fmt, coded))
    got = np.frombuffer(audio.pcm, "<i2").astype(np.int32)
    assert np.max(np.abs(got - expected.astype(np.int32))) <= 1


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "too short"),
        (b"ID3\x04" + b"\0" * 100, "no RIFF/WAVE header"),
        (b"RIFF\x10\0\0\0WAVEdata\x00\0\0\0", "no 'fmt ' chunk"),
        (riff(struct.pack("<HHIIHH", 0x55, 1, 8000, 1000, 1, 0), b"\0" * 10), "unsupported"),  # MP3-in-WAV
        (riff(struct.pack("<HHIIHH", 1, 0, 8000, 16000, 2, 16), b"\0" * 10), "channel count"),
        (riff(struct.pack("<HHIIHH", 1, 1, 0, 0, 2, 16), b"\0" * 10), "sample rate"),
        (riff(struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 12), b"\0" * 10), "sample width"),
        (
            riff(struct.pack("<HHIIHH", FORMAT_FLOAT, 1, 8000, 32000, 4, 32), struct.pack("<f", math.nan)),
            "NaN",
        ),
    ],
)
def test_bad_wav_gets_a_clear_error(data: bytes, reason: str) -> None:
    with pytest.raises(WavFormatError, match=reason):
        parse_wav(data)


def test_truncated_data_chunk_keeps_what_is_there() -> None:
    full = stdlib_wav(sine(440, 8000, 0.5), 8000, 2)
    audio = read_wav(full[: 44 + 2001])  # cut mid-sample
    assert audio.samples == 1000


def test_write_read_round_trip_and_resample() -> None:
    audio = Audio(np.round(sine(500, 16000, 1.0) * 32767).astype("<i2").tobytes(), 16000)
    data = write_wav(audio)
    assert data[:4] == b"RIFF" and len(data) == 44 + len(audio.pcm)
    with wave.open(io.BytesIO(data)) as w:  # the stdlib reads what we write
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16000, 1, 2)
    assert read_wav(data) == audio
    down = resample(audio, 8000)
    assert down.sample_rate == 8000 and down.samples == 8000
    assert abs(dominant_frequency(down) - 500) < 3


def test_resampling_to_8k_removes_content_above_4k() -> None:
    tone = Audio(np.round(sine(6000, 22050, 0.5) * 32767).astype("<i2").tobytes(), 22050)
    down = resample(tone, 8000)
    # The tone sits at -9 dBFS RMS; folded back it would be a 2 kHz tone of similar level.
    assert rms_dbfs(tone) > -10
    assert rms_dbfs(down) < -50


def test_resampling_leaves_headroom_for_full_scale_input() -> None:
    square = np.sign(sine(700, 22050, 0.3, amp=1.0))
    loud = Audio(np.round(square * 32767).astype("<i2").tobytes(), 22050)
    assert peak_dbfs(resample(loud, 8000)) <= -0.99


def test_levels_and_concatenate() -> None:
    silent = Audio(b"\0\0" * 800, 8000)
    assert peak_dbfs(silent) == -math.inf and rms_dbfs(silent) == -math.inf
    beep = Audio(np.round(sine(440, 8000, 0.1) * 32767).astype("<i2").tobytes(), 8000)
    joined = concatenate([beep, beep], gap=0.05)
    assert joined.samples == 2 * beep.samples + 400
    with pytest.raises(ValueError, match="different sample rates"):
        concatenate([beep, Audio(b"", 16000)])


def test_audio_validates() -> None:
    with pytest.raises(ValueError):
        Audio(b"\0", 8000)
    with pytest.raises(ValueError):
        Audio(b"", 0)
    assert Audio(b"\0\0" * 4000, 8000).duration == 0.5

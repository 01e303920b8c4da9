"""WAV (RIFF) parsing and writing, pure: bytes in, samples out, no file I/O.

The stdlib ``wave`` module of Python 3.11 reads only integer PCM without the
extensible header; staff recordings come from any editor or phone system, so this
reader also takes IEEE float, WAVE_FORMAT_EXTENSIBLE and G.711 A-law/µ-law files.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

FORMAT_PCM = 0x0001
FORMAT_FLOAT = 0x0003
FORMAT_ALAW = 0x0006
FORMAT_MULAW = 0x0007
FORMAT_EXTENSIBLE = 0xFFFE

MAX_CHANNELS = 8
MAX_SAMPLE_RATE = 384_000


class WavFormatError(ValueError):
    """The bytes are not a WAV file this reader understands; the message says why."""


@dataclass(frozen=True, slots=True)
class WavData:
    """Decoded samples as float32 in [-1, 1], shape (frames, channels)."""

    samples: np.ndarray
    sample_rate: int
    channels: int
    format_tag: int
    bits_per_sample: int
    pcm16: bytes | None = None  # the data chunk itself when it is mono 16-bit PCM

    @property
    def duration(self) -> float:
        return self.samples.shape[0] / self.sample_rate


def _g711_table(mu_law: bool) -> np.ndarray:
    """Decode tables per ITU-T G.711 (the same expansion as Sun's g711.c)."""
    codes = np.arange(256, dtype=np.int32)
    if mu_law:
        u = ~codes & 0xFF
        t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
        out = np.where(u & 0x80, 0x84 - t, t - 0x84)
    else:
        a = codes ^ 0x55
        seg = (a & 0x70) >> 4
        t = (a & 0x0F) << 4
        t = np.where(seg == 0, t + 8, np.where(seg == 1, t + 0x108, (t + 0x108) << np.maximum(seg - 1, 0)))
        out = np.where(a & 0x80, t, -t)
    return out.astype(np.float32) / 32768.0


_ULAW = _g711_table(True)
_ALAW = _g711_table(False)


def _chunks(data: bytes):
    pos = 12
    while pos + 8 <= len(data):
        cid, size = struct.unpack_from("<4sI", data, pos)
        body = data[pos + 8 : pos + 8 + size]
        yield cid, body
        pos += 8 + size + (size & 1)  # chunks are word-aligned


def parse_wav(data: bytes) -> WavData:
    """Decode a WAV file. Raises :class:`WavFormatError` with a clear reason."""
    if len(data) < 12:
        raise WavFormatError("file too short to be a WAV file")
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise WavFormatError("not a WAV file (no RIFF/WAVE header)")
    fmt: bytes | None = None
    pcm: bytes | None = None
    for cid, body in _chunks(data):
        if cid == b"fmt ":
            fmt = body
        elif cid == b"data":
            # A truncated data chunk is common (recorder stopped, streaming writer that
            # never patched the size): keep what is there rather than refuse the file.
            pcm = body
            break
    if fmt is None:
        raise WavFormatError("WAV file has no 'fmt ' chunk")
    if pcm is None:
        raise WavFormatError("WAV file has no 'data' chunk")
    if len(fmt) < 16:
        raise WavFormatError("WAV 'fmt ' chunk is too short")
    tag, channels, rate, _byte_rate, block_align, bits = struct.unpack_from("<HHIIHH", fmt)
    if tag == FORMAT_EXTENSIBLE:
        if len(fmt) < 40:
            raise WavFormatError("extensible WAV 'fmt ' chunk is too short")
        tag = struct.unpack_from("<H", fmt, 24)[0]  # first two bytes of the sub-format GUID
    if not 1 <= channels <= MAX_CHANNELS:
        raise WavFormatError(f"unsupported channel count {channels}")
    if not 1 <= rate <= MAX_SAMPLE_RATE:
        raise WavFormatError(f"implausible sample rate {rate} Hz")
    samples = _decode(pcm, tag, bits, channels, block_align)
    raw16 = pcm[: len(pcm) - len(pcm) % 2] if (tag, bits, channels) == (FORMAT_PCM, 16, 1) else None
    return WavData(samples.reshape(-1, channels), rate, channels, tag, bits, raw16)


def _decode(pcm: bytes, tag: int, bits: int, channels: int, block_align: int) -> np.ndarray:
    width = bits // 8
    if bits % 8 or width == 0:
        raise WavFormatError(f"unsupported sample width {bits} bits")
    if block_align and block_align != width * channels:
        raise WavFormatError(f"inconsistent block alignment {block_align} for {channels}x{bits} bits")
    frame = width * channels
    pcm = pcm[: len(pcm) - len(pcm) % frame]
    if tag == FORMAT_PCM:
        if width == 1:  # 8-bit WAV is unsigned
            return (np.frombuffer(pcm, np.uint8).astype(np.float32) - 128.0) / 128.0
        if width == 2:
            return np.frombuffer(pcm, "<i2").astype(np.float32) / 32768.0
        if width == 3:
            raw = np.frombuffer(pcm, np.uint8).reshape(-1, 3).astype(np.int32)
            val = raw[:, 0] | (raw[:, 1] << 8) | (raw[:, 2] << 16)
            val = np.where(val & 0x800000, val - 0x1000000, val)
            return val.astype(np.float32) / 8388608.0
        if width == 4:
            return (np.frombuffer(pcm, "<i4").astype(np.float64) / 2147483648.0).astype(np.float32)
        raise WavFormatError(f"unsupported PCM sample width {bits} bits")
    if tag == FORMAT_FLOAT:
        if width == 4:
            out = np.frombuffer(pcm, "<f4").astype(np.float32)
        elif width == 8:
            out = np.frombuffer(pcm, "<f8").astype(np.float32)
        else:
            raise WavFormatError(f"unsupported float sample width {bits} bits")
        if not np.all(np.isfinite(out)):
            raise WavFormatError("float WAV contains NaN or infinite samples")
        return np.clip(out, -1.0, 1.0)
    if tag in (FORMAT_ALAW, FORMAT_MULAW):
        if width != 1:
            raise WavFormatError(f"G.711 WAV must be 8 bits per sample, got {bits}")
        table = _ULAW if tag == FORMAT_MULAW else _ALAW
        return table[np.frombuffer(pcm, np.uint8)]
    raise WavFormatError(f"unsupported WAV encoding 0x{tag:04x} (use PCM, float, A-law or µ-law)")


def encode_wav(pcm: bytes, sample_rate: int, channels: int = 1) -> bytes:
    """A canonical 44-byte-header PCM16 WAV file around ``pcm``."""
    if len(pcm) % (2 * channels):
        raise ValueError("PCM length is not a whole number of 16-bit frames")
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF", 36 + len(pcm), b"WAVE",
        b"fmt ", 16, FORMAT_PCM, channels, sample_rate, sample_rate * 2 * channels, 2 * channels, 16,
        b"data", len(pcm),
    )  # fmt: skip
    return header + pcm

"""G.711 μ-law (PCMU) and A-law (PCMA) with lookup tables.

PCM is 16-bit signed little-endian, mono, 8 kHz. The tables follow the ITU-T
G.191 reference implementation (``g711.c`` of the Software Tools Library):
negative samples are quantised on their ones' complement, so -1 encodes to a
"negative zero" and decodes back to silence. ``audioop`` is gone in Python
3.13, so the tables are built once with numpy (65,536 entries per encoder,
256 per decoder) and each call is a single vectorised gather.
"""

from __future__ import annotations

import numpy as np

_PCM = np.dtype("<i2")


def _bit_length(values: np.ndarray) -> np.ndarray:
    """Bit length of non-negative integers below 2**16."""
    out = np.zeros(values.shape, dtype=np.int32)
    v = values.copy()
    while np.any(v):
        nz = v > 0
        out[nz] += 1
        v >>= 1
    return out


def _all_samples() -> np.ndarray:
    # Index i of the encoder tables is the uint16 bit pattern of the sample.
    return np.arange(65536, dtype=np.int32).astype(np.uint16).view(np.int16).astype(np.int32)


def _build_ulaw_encoder() -> np.ndarray:
    x = _all_samples()
    # 14-bit magnitude (ones' complement for negatives) plus the μ-law bias 33.
    absno = np.where(x < 0, (~x) >> 2, x >> 2) + 33
    absno = np.minimum(absno, 0x1FFF)
    segno = _bit_length(absno >> 6) + 1
    high = 8 - segno
    low = 15 - ((absno >> segno) & 0x0F)
    code = (high << 4) | low
    code = np.where(x >= 0, code | 0x80, code)
    return code.astype(np.uint8)


def _build_alaw_encoder() -> np.ndarray:
    x = _all_samples()
    ix = np.where(x < 0, ~x, x) >> 4  # 0..2047
    iexp = np.maximum(_bit_length(ix) - 4, 1)
    mant = (ix >> (iexp - 1)) - 16
    code = np.where(ix > 15, mant + (iexp << 4), ix)
    code = np.where(x >= 0, code | 0x80, code)
    return (code ^ 0x55).astype(np.uint8)


def _build_ulaw_decoder() -> np.ndarray:
    out = np.zeros(256, dtype=np.int32)
    for code in range(256):
        mantissa = ~code
        exponent = (mantissa >> 4) & 0x07
        step = 4 << (exponent + 1)
        magnitude = (0x80 << exponent) + step * (mantissa & 0x0F) + step // 2 - 4 * 33
        out[code] = -magnitude if code < 0x80 else magnitude
    return out.astype(_PCM)


def _build_alaw_decoder() -> np.ndarray:
    out = np.zeros(256, dtype=np.int32)
    for code in range(256):
        ix = (code ^ 0x55) & 0x7F
        iexp = ix >> 4
        mant = ix & 0x0F
        if iexp > 0:
            mant += 16
        mant = (mant << 4) + 0x08
        if iexp > 1:
            mant <<= iexp - 1
        out[code] = mant if code > 127 else -mant
    return out.astype(_PCM)


ULAW_ENCODE_TABLE = _build_ulaw_encoder()
ALAW_ENCODE_TABLE = _build_alaw_encoder()
ULAW_DECODE_TABLE = _build_ulaw_decoder()
ALAW_DECODE_TABLE = _build_alaw_decoder()


def _samples(pcm16: bytes) -> np.ndarray:
    if len(pcm16) % 2:
        raise ValueError(f"16-bit PCM needs an even number of bytes, got {len(pcm16)}")
    return np.frombuffer(pcm16, dtype=_PCM).view(np.uint16)


def ulaw_encode(pcm16: bytes) -> bytes:
    """16-bit little-endian PCM → μ-law, one byte per sample."""
    return ULAW_ENCODE_TABLE[_samples(pcm16)].tobytes()


def alaw_encode(pcm16: bytes) -> bytes:
    """16-bit little-endian PCM → A-law, one byte per sample."""
    return ALAW_ENCODE_TABLE[_samples(pcm16)].tobytes()


def ulaw_decode(data: bytes) -> bytes:
    """μ-law → 16-bit little-endian PCM."""
    return ULAW_DECODE_TABLE[np.frombuffer(data, dtype=np.uint8)].tobytes()


def alaw_decode(data: bytes) -> bytes:
    """A-law → 16-bit little-endian PCM."""
    return ALAW_DECODE_TABLE[np.frombuffer(data, dtype=np.uint8)].tobytes()

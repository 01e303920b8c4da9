"""G.711 against a line-by-line port of the ITU-T G.191 reference (g711.c)."""

from __future__ import annotations

import struct

import pytest

from sip_gateway.codecs import alaw_decode, alaw_encode, ulaw_decode, ulaw_encode


def ref_ulaw_compress(lin: int) -> int:
    absno = ((~lin) >> 2) + 33 if lin < 0 else (lin >> 2) + 33
    absno = min(absno, 0x1FFF)
    i = absno >> 6
    segno = 1
    while i != 0:
        segno += 1
        i >>= 1
    high_nibble = 0x0008 - segno
    low_nibble = 0x000F - ((absno >> segno) & 0x000F)
    log = (high_nibble << 4) | low_nibble
    if lin >= 0:
        log |= 0x0080
    return log


def ref_ulaw_expand(log: int) -> int:
    sign = -1 if log < 0x0080 else 1
    mantissa = ~log
    exponent = (mantissa >> 4) & 0x0007
    segment = exponent + 1
    mantissa &= 0x000F
    step = 4 << segment
    return sign * ((0x0080 << exponent) + step * mantissa + step // 2 - 4 * 33)


def ref_alaw_compress(lin: int) -> int:
    ix = (~lin) >> 4 if lin < 0 else lin >> 4
    if ix > 15:
        iexp = 1
        while ix > 16 + 15:
            ix >>= 1
            iexp += 1
        ix -= 16
        ix += iexp << 4
    if lin >= 0:
        ix |= 0x0080
    return ix ^ 0x0055


def ref_alaw_expand(log: int) -> int:
    ix = (log ^ 0x0055) & 0x007F
    iexp = ix >> 4
    mant = ix & 0x000F
    if iexp > 0:
        mant += 16
    mant = (mant << 4) + 0x0008
    if iexp > 1:
        mant <<= iexp - 1
    return mant if log > 127 else -mant


ALL_PCM = struct.pack("<65536h", *range(-32768, 32768))
ALL_CODES = bytes(range(256))


def test_ulaw_encode_matches_reference_for_every_sample():
    expected = bytes(ref_ulaw_compress(s) for s in range(-32768, 32768))
    assert ulaw_encode(ALL_PCM) == expected


def test_alaw_encode_matches_reference_for_every_sample():
    expected = bytes(ref_alaw_compress(s) for s in range(-32768, 32768))
    assert alaw_encode(ALL_PCM) == expected


def test_decoders_match_reference_for_all_256_codes():
    assert struct.unpack("<256h", ulaw_decode(ALL_CODES)) == tuple(ref_ulaw_expand(c) for c in range(256))
    assert struct.unpack("<256h", alaw_decode(ALL_CODES)) == tuple(ref_alaw_expand(c) for c in range(256))


def test_all_codes_round_trip():
    assert alaw_encode(alaw_decode(ALL_CODES)) == ALL_CODES
    # μ-law has two zeros: 0x7F ("negative zero") decodes to 0, which encodes to 0xFF.
    expected = bytearray(ALL_CODES)
    expected[0x7F] = 0xFF
    assert ulaw_encode(ulaw_decode(ALL_CODES)) == bytes(expected)


@pytest.mark.parametrize(
    ("sample", "ulaw", "alaw"),
    [(0, 0xFF, 0xD5), (-1, 0x7F, 0x55), (32767, 0x80, 0xAA), (-32768, 0x00, 0x2A), (1000, 0xCE, 0xFA)],
)
def test_known_encodings(sample, ulaw, alaw):
    pcm = struct.pack("<h", sample)
    assert ulaw_encode(pcm) == bytes([ulaw])
    assert alaw_encode(pcm) == bytes([alaw])


def test_known_decodings():
    assert struct.unpack("<4h", ulaw_decode(bytes([0x00, 0x80, 0xFF, 0x7F]))) == (-32124, 32124, 0, 0)
    assert struct.unpack("<4h", alaw_decode(bytes([0xD5, 0x55, 0xAA, 0x2A]))) == (8, -8, 32256, -32256)


def test_quantisation_error_is_bounded():
    # Decoding an encoded sample stays within half a step of the largest segment (±1024 for μ-law).
    samples = struct.unpack("<65536h", ALL_PCM)
    for codec_enc, codec_dec, bound in ((ulaw_encode, ulaw_decode, 1024), (alaw_encode, alaw_decode, 1024)):
        back = struct.unpack("<65536h", codec_dec(codec_enc(ALL_PCM)))
        assert max(abs(a - b) for a, b in zip(samples, back, strict=True)) <= bound


def test_empty_and_odd_input():
    assert ulaw_encode(b"") == b"" and alaw_decode(b"") == b""
    with pytest.raises(ValueError):
        ulaw_encode(b"\x00\x01\x02")

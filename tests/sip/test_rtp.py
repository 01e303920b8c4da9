"""RTP packet parse/build (RFC 3550 §5.1)."""

from __future__ import annotations

import random
import struct

import pytest

from sip_gateway.rtp import RtpPacket, RtpParseError, build_rtp, parse_rtp


def test_round_trip_plain_packet():
    p = RtpPacket(
        payload_type=0,
        sequence=65535,
        timestamp=0xFFFFFFFF,
        ssrc=0x12345678,
        payload=b"\xff" * 160,
        marker=True,
    )
    data = p.to_bytes()
    assert len(data) == 12 + 160
    assert data[:2] == b"\x80\x80"
    assert parse_rtp(data) == p
    assert build_rtp(0, 65535, 0xFFFFFFFF, 0x12345678, b"\xff" * 160, True) == data


def test_csrc_extension_and_padding():
    p = RtpPacket(
        payload_type=8,
        sequence=7,
        timestamp=1234,
        ssrc=99,
        payload=b"abc",
        csrcs=(1, 2, 3),
        extension=(0xBEDE, b"\x10\x01\x00\x00"),
        padding=5,
    )
    data = p.to_bytes()
    assert data[0] == 0x80 | 0x20 | 0x10 | 3
    assert len(data) == 12 + 12 + 4 + 4 + 3 + 5
    q = parse_rtp(data)
    assert q.payload == b"abc"  # padding stripped
    assert q.csrcs == (1, 2, 3)
    assert q.extension == (0xBEDE, b"\x10\x01\x00\x00")
    assert (q.payload_type, q.sequence, q.timestamp, q.ssrc, q.marker) == (8, 7, 1234, 99, False)


def test_known_wire_bytes():
    # Hand-assembled: V=2, M=1, PT=101, seq=0x0102, ts=0x03040506, ssrc=0x0708090A, payload 4 bytes.
    data = bytes.fromhex("80e50102030405060708090a01 8a 03 20".replace(" ", ""))
    p = parse_rtp(data)
    assert (p.payload_type, p.marker, p.sequence, p.timestamp, p.ssrc) == (
        101,
        True,
        0x0102,
        0x03040506,
        0x0708090A,
    )
    assert p.payload == bytes.fromhex("018a0320")


@pytest.mark.parametrize(
    "data, why",
    [
        (b"", "shorter"),
        (b"\x80\x00\x00", "shorter"),
        (bytes([0x40]) + bytes(11), "version"),
        (bytes([0x00]) + bytes(11), "version"),
        (bytes([0x83]) + bytes(11) + bytes(8), "CSRC"),  # says 3 CSRCs, has 2
        (bytes([0x90]) + bytes(11) + b"\x00\x00\x00\x02" + bytes(4), "extension"),
        (bytes([0x90]) + bytes(11) + b"\x00", "extension"),
        (bytes([0xA0]) + bytes(11) + b"\x00", "padding"),  # zero padding length
        (bytes([0xA0]) + bytes(11) + b"ab\x09", "padding"),  # more padding than payload
        (bytes([0x80, 200]) + bytes(10), "RTCP"),  # SR on a muxed port
    ],
)
def test_malformed_raise_parse_error(data, why):
    with pytest.raises(RtpParseError, match=why):
        parse_rtp(data)


def test_random_bytes_never_crash():
    rng = random.Random(5)
    parsed = errors = 0
    for _ in range(20000):
        data = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 40)))
        try:
            p = parse_rtp(data)
        except RtpParseError:
            errors += 1
        else:
            parsed += 1
            assert 0 <= p.payload_type <= 127 and 0 <= p.sequence <= 0xFFFF
    assert errors > parsed > 0  # about a quarter have version 2 and enough bytes


def test_invalid_fields_rejected_on_build():
    with pytest.raises(ValueError):
        RtpPacket(payload_type=128, sequence=0, timestamp=0, ssrc=0).to_bytes()
    with pytest.raises(ValueError):
        RtpPacket(payload_type=0, sequence=70000, timestamp=0, ssrc=0).to_bytes()
    with pytest.raises(ValueError):
        RtpPacket(payload_type=0, sequence=0, timestamp=0, ssrc=0, extension=(1, b"abc")).to_bytes()


def test_header_is_network_order():
    data = build_rtp(0, 1, 2, 3, b"")
    assert struct.unpack("!BBHII", data) == (0x80, 0, 1, 2, 3)

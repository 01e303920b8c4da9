"""RTP packets (RFC 3550 §5.1): parse and build, no I/O.

Anything that is not a well-formed RTP version 2 packet raises
``RtpParseError``; the media layer counts and drops those, so a flood of
garbage datagrams cannot stop a call.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

RTP_VERSION = 2
HEADER_SIZE = 12
_HEADER = struct.Struct("!BBHII")


class RtpParseError(ValueError):
    """The datagram is not a usable RTP packet."""


@dataclass(slots=True)
class RtpPacket:
    payload_type: int
    sequence: int  # 16 bits, wraps
    timestamp: int  # 32 bits, in clock-rate units
    ssrc: int
    payload: bytes = b""
    marker: bool = False
    csrcs: tuple[int, ...] = ()
    extension: tuple[int, bytes] | None = None  # (profile, data) of the header extension
    padding: int = 0  # bytes of padding to append on build (stripped on parse)

    def validate(self) -> None:
        """Field ranges; checked on build (parsing cannot produce out-of-range values)."""
        if not 0 <= self.payload_type <= 127:
            raise ValueError(f"payload type {self.payload_type} out of range")
        if not 0 <= self.sequence <= 0xFFFF:
            raise ValueError(f"sequence {self.sequence} out of range")
        if not 0 <= self.timestamp <= 0xFFFFFFFF or not 0 <= self.ssrc <= 0xFFFFFFFF:
            raise ValueError("timestamp and ssrc are 32-bit unsigned")
        if len(self.csrcs) > 15:
            raise ValueError("at most 15 CSRCs")
        if not 0 <= self.padding <= 255:
            raise ValueError("padding is 0..255 bytes")

    def to_bytes(self) -> bytes:
        self.validate()
        first = (RTP_VERSION << 6) | len(self.csrcs)
        if self.padding:
            first |= 0x20
        if self.extension is not None:
            first |= 0x10
        second = (0x80 if self.marker else 0) | self.payload_type
        parts = [_HEADER.pack(first, second, self.sequence, self.timestamp, self.ssrc)]
        if self.csrcs:
            parts.append(struct.pack(f"!{len(self.csrcs)}I", *self.csrcs))
        if self.extension is not None:
            profile, data = self.extension
            if len(data) % 4:
                raise ValueError("header extension data must be a multiple of 4 bytes")
            parts.append(struct.pack("!HH", profile, len(data) // 4))
            parts.append(data)
        parts.append(self.payload)
        if self.padding:
            parts.append(bytes(self.padding - 1) + bytes([self.padding]))
        return b"".join(parts)


def build_rtp(
    payload_type: int, sequence: int, timestamp: int, ssrc: int, payload: bytes, marker: bool = False
) -> bytes:
    """The common case (no CSRC, extension or padding) without a dataclass: the send hot path."""
    return _HEADER.pack(0x80, (0x80 if marker else 0) | payload_type, sequence, timestamp, ssrc) + payload


def parse_rtp(data: bytes) -> RtpPacket:
    if len(data) < HEADER_SIZE:
        raise RtpParseError(f"datagram of {len(data)} bytes is shorter than an RTP header")
    first, second, sequence, timestamp, ssrc = _HEADER.unpack_from(data)
    if first >> 6 != RTP_VERSION:
        raise RtpParseError(f"RTP version {first >> 6}, expected 2")
    payload_type = second & 0x7F
    if 72 <= payload_type <= 76:
        # RFC 5761 §4: these values are RTCP packet types (SR, RR, ...) on a muxed port.
        raise RtpParseError("RTCP packet, not RTP")
    offset = HEADER_SIZE
    cc = first & 0x0F
    if cc:
        end = offset + 4 * cc
        if len(data) < end:
            raise RtpParseError("truncated CSRC list")
        csrcs = struct.unpack_from(f"!{cc}I", data, offset)
        offset = end
    else:
        csrcs = ()
    extension = None
    if first & 0x10:
        if len(data) < offset + 4:
            raise RtpParseError("truncated header extension")
        profile, words = struct.unpack_from("!HH", data, offset)
        end = offset + 4 + 4 * words
        if len(data) < end:
            raise RtpParseError("truncated header extension")
        extension = (profile, bytes(data[offset + 4 : end]))
        offset = end
    stop = len(data)
    if first & 0x20:
        pad = data[-1]
        if pad == 0 or stop - pad < offset:
            raise RtpParseError("invalid padding length")
        stop -= pad
    return RtpPacket(
        payload_type=payload_type,
        sequence=sequence,
        timestamp=timestamp,
        ssrc=ssrc,
        payload=bytes(data[offset:stop]),
        marker=bool(second & 0x80),
        csrcs=tuple(csrcs),
        extension=extension,
    )

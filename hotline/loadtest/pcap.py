"""G.711 RTP audio as a pcap file that sipp's play_pcap_audio sends (pure bytes in, bytes out)."""

from __future__ import annotations

import struct

from sip_gateway.codecs.g711 import alaw_encode, ulaw_encode
from sip_gateway.dtmf import telephone_event_payloads
from sip_gateway.rtp import build_rtp

FRAME = 160  # 20 ms at 8 kHz


def _ip_udp(payload: bytes, src_port: int = 6000, dst_port: int = 6002) -> bytes:
    udp = struct.pack("!HHHH", src_port, dst_port, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, bytes([127, 0, 0, 1]),
                     bytes([127, 0, 0, 1]))
    return b"\x00" * 12 + b"\x08\x00" + ip + udp  # Ethernet header, IPv4 ethertype


def _pcap(packets: list[bytes]) -> bytes:
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for i, rtp in enumerate(packets):
        frame = _ip_udp(rtp)
        t = i * 0.02
        out.append(struct.pack("<IIII", int(t), int((t % 1) * 1e6), len(frame), len(frame)) + frame)
    return b"".join(out)


def dtmf_pcap(digit: str, *, timestamp: int, seq: int = 0, payload_type: int = 101, duration_ms: int = 160) -> bytes:
    """One RFC 4733 key press as a pcap. Receivers tell presses apart by their RTP
    timestamp, so each press of a call needs its own `timestamp` (sipp's stock DTMF pcaps
    all share one, and a second key of a call is taken for the first one again)."""
    return _pcap([build_rtp(payload_type, (seq + i) & 0xFFFF, timestamp, 0x1234, payload, marker)
                  for i, (payload, marker) in enumerate(telephone_event_payloads(digit, duration_ms))])


def rtp_pcap(pcm16: bytes, *, payload_type: int = 0) -> tuple[bytes, float]:
    """8 kHz PCM16 → (pcap of 20 ms RTP packets, PCMU 0 or PCMA 8; duration in seconds)."""
    encode = ulaw_encode if payload_type == 0 else alaw_encode
    payload = encode(pcm16)
    silence = b"\xff" if payload_type == 0 else b"\xd5"
    packets = [build_rtp(payload_type, i & 0xFFFF, i * FRAME, 0x1234, payload[off:off + FRAME].ljust(FRAME, silence),
                         marker=i == 0) for i, off in enumerate(range(0, len(payload), FRAME))]
    return _pcap(packets), len(payload) / 8000


def line_pcap(seconds: float, *, seq: int = 0, timestamp: int = 0) -> bytes:
    """What a listening caller's phone sends: PCMU silence, a packet every 20 ms for
    `seconds` (at least one packet), numbered from `seq` and `timestamp`."""
    n = max(1, round(seconds / 0.02))
    return _pcap([build_rtp(0, (seq + i) & 0xFFFF, (timestamp + i * FRAME) & 0xFFFFFFFF, 0x1234, b"\xff" * FRAME,
                            marker=i == 0) for i in range(n)])

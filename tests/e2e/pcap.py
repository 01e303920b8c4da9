"""Write G.711 RTP audio as a pcap file that sipp's play_pcap_audio can send."""

from __future__ import annotations

import struct
from pathlib import Path

from sip_gateway.codecs.g711 import alaw_encode, ulaw_encode
from sip_gateway.rtp import build_rtp

FRAME = 160  # 20 ms at 8 kHz


def _ip_udp(payload: bytes, src_port: int = 6000, dst_port: int = 6002) -> bytes:
    udp = struct.pack("!HHHH", src_port, dst_port, 8 + len(payload), 0) + payload
    total = 20 + len(udp)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0, 64, 17, 0, bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
    return b"\x00" * 12 + b"\x08\x00" + ip + udp  # Ethernet header, IPv4 ethertype


def write_rtp_pcap(path: Path, pcm16: bytes, *, payload_type: int = 0) -> float:
    """8 kHz PCM16 → pcap of 20 ms RTP packets (PCMU 0 or PCMA 8); returns the duration."""
    encode = ulaw_encode if payload_type == 0 else alaw_encode
    payload = encode(pcm16)
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for i, off in enumerate(range(0, len(payload), FRAME)):
        chunk = payload[off:off + FRAME].ljust(FRAME, b"\xff" if payload_type == 0 else b"\xd5")
        rtp = build_rtp(payload_type, i & 0xFFFF, i * FRAME, 0x1234, chunk, marker=i == 0)
        frame = _ip_udp(rtp)
        t = i * 0.02
        out.append(struct.pack("<IIII", int(t), int((t % 1) * 1e6), len(frame), len(frame)) + frame)
    path.write_bytes(b"".join(out))
    return len(payload) / 8000

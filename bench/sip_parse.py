"""SIP parsing throughput: messages parsed per second (one core), plus SDP offer→answer.

    .venv/bin/python bench/sip_parse.py [--seconds 2]

Prints one line per message kind. The UA parses every datagram once; at
1,000 concurrent calls a hotline sees roughly 20-50 SIP messages per second,
so the figure that matters is the headroom over that.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sip_gateway.message import parse_message  # noqa: E402
from sip_gateway.sdp import build_answer, parse_sdp  # noqa: E402

SDP = (
    "v=0\r\no=- 1602438357 2880123795 IN IP4 192.168.1.20\r\ns=-\r\nc=IN IP4 192.168.1.20\r\nt=0 0\r\n"
    "m=audio 10570 RTP/AVP 96 9 0 8 101\r\na=rtpmap:96 opus/48000/2\r\na=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n"
)
INVITE = (
    "INVITE sip:1900866895@10.0.0.5:5060 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-proxy-1;rport\r\n"
    "Via: SIP/2.0/UDP 192.168.1.20:5062;received=203.0.113.7;branch=z9hG4bK776asdhds;rport=5062\r\n"
    "Record-Route: <sip:10.0.0.1;lr>\r\nMax-Forwards: 69\r\n"
    'From: "Nguyen Van A" <sip:0912345678@carrier.vn>;tag=1928301774\r\n'
    "To: <sip:1900866895@hotline.vn>\r\nCall-ID: a84b4c76e66710@192.168.1.20\r\nCSeq: 314159 INVITE\r\n"
    "Contact: <sip:0912345678@192.168.1.20:5062;transport=udp>\r\n"
    "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, REFER\r\nSupported: replaces, timer\r\n"
    "User-Agent: baresip v2.0\r\nContent-Type: application/sdp\r\n"
    f"Content-Length: {len(SDP)}\r\n\r\n{SDP}"
)
BYE = (
    "BYE sip:hotline@10.0.0.5:5060 SIP/2.0\r\nv: SIP/2.0/UDP 192.168.1.20:5062;branch=z9hG4bKbye\r\n"
    "f: <sip:0912345678@carrier.vn>;tag=1928301774\r\nt: <sip:1900866895@hotline.vn>;tag=8a2f\r\n"
    "i: a84b4c76e66710@192.168.1.20\r\nCSeq: 314160 BYE\r\nMax-Forwards: 70\r\nl: 0\r\n\r\n"
)
OK = (
    "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKrefer;rport=5060\r\n"
    "From: <sip:1900866895@hotline.vn>;tag=8a2f\r\nTo: <sip:0912345678@carrier.vn>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@192.168.1.20\r\nCSeq: 2 REFER\r\nContent-Length: 0\r\n\r\n"
)


def rate(fn, seconds: float) -> float:
    n, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(200):
            fn()
        n += 200
        now = time.perf_counter()
        if now >= deadline:
            return n / (now - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    args = parser.parse_args()
    invite, bye, ok = INVITE.encode(), BYE.encode(), OK.encode()
    cases = {
        "INVITE with SDP (2 Via, Record-Route)": lambda: parse_message(invite),
        "BYE (compact headers)": lambda: parse_message(bye),
        "200 OK to REFER": lambda: parse_message(ok),
        "SDP offer parse + answer": lambda: build_answer(parse_sdp(SDP), "10.0.0.5", 20000),
        "INVITE parse + serialise": lambda: parse_message(invite).to_bytes(),
    }
    print(f"python {sys.version.split()[0]}, {args.seconds:g} s per case, one core")
    for name, fn in cases.items():
        print(f"{name:40s} {rate(fn, args.seconds):>10,.0f} /s")


if __name__ == "__main__":
    main()

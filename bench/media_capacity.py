"""How many RTP media sessions one process carries on uvloop.

For each N: N MediaSessions on 127.0.0.1, each receiving 50 packets/s of
G.711 from a separate sender process (one UDP socket per call, like N
phones) and sending 50 packets/s back on the shared 20 ms pacer while a
consumer task per call reads the decoded frames. Prints, per N: CPU of the
media process, send lateness against the 20 ms deadlines (p50/p99/max),
packet loss both ways and jitter-buffer loss.

With --mux the sessions share one RTP socket (sip_gateway.rtpmux: recvmmsg/sendmmsg
batches) instead of a socket each; the senders are still one socket per call.

    .venv/bin/python bench/media_capacity.py [--sizes 200,500,1000] [--seconds 10] [--inband]
        [--handler] [--cost] [--timers] [--mux]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import struct
import sys
import time
from pathlib import Path

import numpy as np
import uvloop

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sip_gateway.codecs import ulaw_decode, ulaw_encode  # noqa: E402
from sip_gateway.media import MediaSession  # noqa: E402
from sip_gateway.pacer import Pacer  # noqa: E402
from sip_gateway.ports import PortAllocator  # noqa: E402
from sip_gateway.rtpmux import RtpMux  # noqa: E402

WARMUP = 2.0


def speechlike_ulaw(seconds: float = 1.0) -> bytes:
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * 8000)) / 8000
    x = sum(np.sin(2 * np.pi * 120 * h * t) / h for h in range(1, 25)) * (
        0.6 + 0.4 * np.sin(2 * np.pi * 3 * t)
    )
    x = x + rng.normal(0, 0.05, len(t))
    return ulaw_encode((0.5 * 32767 * x / np.abs(x).max()).astype("<i2").tobytes())


def run_queue_wait() -> float:
    """Seconds this process has spent runnable but waiting for a CPU (Linux schedstat):
    when it grows, other processes, not this code, set the lateness figures."""
    try:
        return int(Path("/proc/self/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return float("nan")


# ---- the sender process (the callers) ----------------------------------------


class _Counter(asyncio.DatagramProtocol):
    received = 0

    def datagram_received(self, data, addr) -> None:
        _Counter.received += 1


async def sender(ports: list[int]) -> None:
    loop = asyncio.get_running_loop()
    transports = []
    for _ in ports:
        t, _ = await loop.create_datagram_endpoint(_Counter, local_addr=("127.0.0.1", 0))
        transports.append(t)
    audio = speechlike_ulaw()
    frames = [audio[i : i + 160] for i in range(0, len(audio), 160)]
    header = struct.Struct("!BBHII")
    seqs = [random.getrandbits(16) for _ in ports]
    ssrcs = [random.getrandbits(32) for _ in ports]
    stop = asyncio.Event()
    loop.add_reader(sys.stdin.fileno(), lambda: stop.set() if not sys.stdin.readline() else None)
    # Where each call's packets come from: the media process puts them in its SDP-like
    # remote address (a shared socket tells calls apart by them).
    print(json.dumps({"ready": [t.get_extra_info("sockname")[1] for t in transports]}), flush=True)
    sent = tick = 0
    late: list[float] = []
    cpu0 = time.process_time()
    start = deadline = time.monotonic()
    while not stop.is_set():
        payload = frames[tick % len(frames)]
        ts = tick * 160
        late.append(time.monotonic() - deadline)
        for i, t in enumerate(transports):
            t.sendto(
                header.pack(0x80, 0, (seqs[i] + tick) & 0xFFFF, ts, ssrcs[i]) + payload,
                ("127.0.0.1", ports[i]),
            )
        sent += len(transports)
        tick += 1
        deadline += 0.02
        await asyncio.sleep(max(0.0, deadline - time.monotonic()))
    elapsed = time.monotonic() - start
    await asyncio.sleep(0.3)
    lat = np.array(late) * 1000
    print(
        json.dumps(
            {
                "sent": sent,
                "received": _Counter.received,
                "cpu": (time.process_time() - cpu0) / elapsed,
                "late_p99_ms": float(np.percentile(lat, 99)) if len(lat) else 0.0,
            }
        ),
        flush=True,
    )


# ---- the media process -------------------------------------------------------


async def measure(n: int, seconds: float, inband: bool, handler: bool = False, mux: bool = False) -> dict:
    pacer = Pacer()
    ports = PortAllocator(42000, 42000 + 4 * n + 100)
    shared = RtpMux.open(pacer, host="127.0.0.1", ports=ports) if mux else None
    frames_read = [0]

    def count(_item) -> None:
        frames_read[0] += 1

    sessions = [
        await MediaSession.open(
            pacer,
            ports,
            host="127.0.0.1",
            dtmf_payload_type=101,
            inband_dtmf=inband or None,
            handler=count if handler else None,
            mux=shared,
        )
        for _ in range(n)
    ]

    async def consume(s: MediaSession) -> None:
        async for _item in s:
            frames_read[0] += 1

    readers = [] if handler else [asyncio.create_task(consume(s)) for s in sessions]
    tone = speechlike_ulaw(60)  # one long playback per call: the encode path runs too
    pcm = ulaw_decode(tone)
    for s in sessions:
        s.play(pcm)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--sender", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write((json.dumps([s.local_port for s in sessions]) + "\n").encode())
    await proc.stdin.drain()
    sources = json.loads((await proc.stdout.readline()).decode())["ready"]
    for s, port in zip(sessions, sources, strict=True):
        s.set_remote("127.0.0.1", port)
    await asyncio.sleep(WARMUP)  # sessions latch to the sender's sockets (symmetric RTP)
    pacer.send_lateness.reset()
    pacer.tick_lateness.reset()
    out0 = sum(s.stats.packets_out for s in sessions)
    in0 = sum(s.stats.packets_in for s in sessions)
    cpu0, t0, wait0 = time.process_time(), time.monotonic(), run_queue_wait()
    await asyncio.sleep(seconds)
    elapsed = time.monotonic() - t0
    cpu = (time.process_time() - cpu0) / elapsed
    starved = (run_queue_wait() - wait0) / elapsed
    pacer.stop()  # no more sends
    out_window = sum(s.stats.packets_out for s in sessions) - out0
    in_window = sum(s.stats.packets_in for s in sessions) - in0
    latched = sum(1 for s in sessions if s.remote is not None)
    await asyncio.sleep(0.3)
    proc.stdin.close()
    result = json.loads((await proc.stdout.readline()).decode())
    await proc.wait()
    await asyncio.sleep(0.2)
    stats = [s.snapshot() for s in sessions]
    packets_out = sum(s.packets_out for s in stats)
    packets_in = sum(s.packets_in for s in stats)
    for s in sessions:
        await s.close()
    await asyncio.gather(*readers)
    mux_stats = shared.stats if shared is not None else None
    if shared is not None:
        shared.close()
    return {
        "mux": mux_stats,
        "n": n,
        "cpu": cpu,
        "starved": starved,
        "p50": pacer.send_lateness.quantile(0.5),
        "p99": pacer.send_lateness.quantile(0.99),
        "max": pacer.send_lateness.max_ms,
        "tick_p99": pacer.tick_lateness.quantile(0.99),
        "missed_ticks": pacer.missed_ticks,
        "rate_out": out_window / seconds / n,
        # CPU per packet handled (in + out): comparable even when other load starves the process
        # and fewer packets than 100 per call-second get through.
        "us_per_packet": cpu * elapsed / max(1, in_window + out_window) * 1e6,
        "loss_in": 1 - packets_in / result["sent"],
        "loss_out": 1 - result["received"] / packets_out,
        "jb_lost": sum(s.lost for s in stats),
        "dropped": sum(s.dropped_frames for s in stats),
        "frames_read": frames_read[0],
        "latched": latched,
        "sender_cpu": result["cpu"],
        "sender_p99": result["late_p99_ms"],
    }


async def compare_timers(n: int, seconds: float) -> None:
    """The design choice in numbers: n per-call clock tasks (one asyncio.sleep loop each,
    what libraries with a timer per session do) against the one shared pacer, sending nothing."""
    late: list[float] = []

    async def clock() -> None:
        deadline = time.monotonic() + 0.02
        while True:
            await asyncio.sleep(max(0.0, deadline - time.monotonic()))
            late.append(time.monotonic() - deadline)
            deadline += 0.02

    tasks = [asyncio.create_task(clock()) for _ in range(n)]
    await asyncio.sleep(1)
    late.clear()
    cpu0, t0 = time.process_time(), time.monotonic()
    await asyncio.sleep(seconds)
    cpu = (time.process_time() - cpu0) / (time.monotonic() - t0)
    for t in tasks:
        t.cancel()
    lat = np.array(late) * 1000
    print(
        f"{n} per-call timers: cpu {100 * cpu:.1f}%, lateness p50 {np.percentile(lat, 50):.1f} ms "
        f"p99 {np.percentile(lat, 99):.1f} ms"
    )

    class Idle:
        def on_tick(self, tick: int, deadline: float, now: float) -> bool:
            return True

    pacer = Pacer()
    for _ in range(n):
        pacer.add(Idle())
    await asyncio.sleep(1)
    pacer.send_lateness.reset()
    cpu0, t0 = time.process_time(), time.monotonic()
    await asyncio.sleep(seconds)
    cpu = (time.process_time() - cpu0) / (time.monotonic() - t0)
    pacer.stop()
    print(
        f"one shared pacer for {n}: cpu {100 * cpu:.1f}%, lateness p50 {pacer.send_lateness.quantile(0.5):.1f} ms "
        f"p99 {pacer.send_lateness.quantile(0.99):.1f} ms"
    )


async def per_packet_cost(repeats: int = 7, count: int = 5000) -> None:
    """CPU per packet of the session code itself, in-process (no real-time part, so
    other load on the machine hardly moves it): inbound parse + jitter buffer +
    decode + queue, outbound tick + encode slice + build + sendto (to a local sink)."""
    import socket

    from sip_gateway.dtmf import InbandDtmfDetector
    from sip_gateway.rtp import build_rtp

    pacer = Pacer()
    session = await MediaSession.open(pacer, host="127.0.0.1")
    pacer.stop()  # ticks are driven by hand below
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    session.set_remote("127.0.0.1", sink.getsockname()[1])
    source = ("127.0.0.1", 5004)
    payload = speechlike_ulaw(0.02)
    inbound, outbound = [], []
    for r in range(repeats):
        packets = [
            build_rtp(0, (r * count + i) & 0xFFFF, (r * count + i) * 160, 7, payload) for i in range(count)
        ]
        cpu = time.process_time()
        for data in packets:
            session._datagram_received(data, source)
        inbound.append((time.process_time() - cpu) / count * 1e6)
        session._queue.clear()
        session.play(bytes(320 * count))
        cpu = time.process_time()
        for tick in range(count):
            session.on_tick(tick, 0.0, 0.0)
        outbound.append((time.process_time() - cpu) / count * 1e6)
        while True:
            try:
                sink.recv(2048, socket.MSG_DONTWAIT)
            except BlockingIOError:
                break
    raw = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    data = bytes(172)
    target = sink.getsockname()
    cpu = time.process_time()
    for _ in range(count):
        raw.sendto(data, target)
    syscall = (time.process_time() - cpu) / count * 1e6
    det = InbandDtmfDetector()
    speech = ulaw_decode(speechlike_ulaw(2.0))
    cpu = time.process_time()
    for i in range(0, len(speech), 320):
        det.feed(speech[i : i + 320])
    inband = (time.process_time() - cpu) / (len(speech) / 320) * 1e6
    quiet = bytes(320)
    cpu = time.process_time()
    for _ in range(2000):
        det.feed(quiet)
    inband_quiet = (time.process_time() - cpu) / 2000 * 1e6
    await session.close()
    mux_in, mux_out, plain_in = await mux_packet_cost(payload, sink, count)
    sink.close()
    raw.close()
    print(
        f"per packet (median of {repeats}): inbound {sorted(inbound)[repeats // 2]:.1f} us, "
        f"outbound {sorted(outbound)[repeats // 2]:.1f} us of which the bare sendto syscall {syscall:.1f} us; "
        f"in-band DTMF detection {inband:.1f} us per speech frame, {inband_quiet:.1f} us per quiet frame"
    )
    print(
        f"with the shared socket (batches of 250): inbound {mux_in:.1f} us (recvmmsg + demultiplexing + the "
        f"session) against {plain_in:.1f} us with a recvfrom each; outbound {mux_out:.1f} us (tick + queue + "
        f"sendmmsg)"
    )


async def mux_packet_cost(payload: bytes, sink, count: int, batch: int = 250) -> tuple[float, float, float]:
    """Per packet, in-process: the shared socket's receive path (recvmmsg, demultiplexing,
    the session's inbound code) against a recvfrom per packet into the same session code,
    and its send path (tick, queue, one sendmmsg per ``batch``)."""
    import socket

    from sip_gateway.rtp import build_rtp

    pacer = Pacer()
    mux = RtpMux.open(pacer, host="127.0.0.1", port=0)
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(("127.0.0.1", 0))
    session = await MediaSession.open(pacer, mux=mux, remote=peer.getsockname(), handler=lambda item: None)
    pacer.stop()
    other = MediaSession(pacer, handler=lambda item: None)  # the same inbound code, fed by recvfrom
    plain = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    plain.bind(("127.0.0.1", 0))
    plain.setblocking(False)
    plain.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    packets = [build_rtp(0, i & 0xFFFF, i * 160, 9, payload) for i in range(count)]
    mux_in = plain_in = 0.0
    for start in range(0, count, batch):
        chunk = packets[start : start + batch]
        for data in chunk:
            peer.sendto(data, ("127.0.0.1", mux.port))
        cpu = time.process_time()
        while mux._recv.receive(mux._route):
            pass
        mux_in += time.process_time() - cpu
        for data in chunk:
            peer.sendto(data, plain.getsockname())
        cpu = time.process_time()
        while True:
            try:
                data, addr = plain.recvfrom(2048)
            except BlockingIOError:
                break
            other._datagram_received(data, addr)
        plain_in += time.process_time() - cpu
    session.set_remote(*sink.getsockname())
    session.play(bytes(320 * count))
    cpu = time.process_time()
    for tick in range(count):
        session.on_tick(tick, 0.0, 0.0)
        if tick % batch == batch - 1:
            mux.flush()
    mux.flush()
    mux_out = time.process_time() - cpu
    session.close_now()
    mux.close()
    peer.close()
    plain.close()
    return mux_in / count * 1e6, mux_out / count * 1e6, plain_in / count * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="200,500,1000")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--inband", action="store_true", help="run in-band DTMF detection on every frame too")
    ap.add_argument(
        "--handler",
        action="store_true",
        help="frames to a callback per session instead of a reader task per session",
    )
    ap.add_argument("--cost", action="store_true", help="print the in-process CPU cost per packet first")
    ap.add_argument(
        "--timers", action="store_true", help="compare per-call timers with the shared pacer first"
    )
    ap.add_argument("--mux", action="store_true", help="all sessions on one shared RTP socket (RtpMux)")
    ap.add_argument("--sender", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.sender:
        uvloop.run(sender(json.loads(sys.stdin.readline())))
        return
    if args.cost:
        uvloop.run(per_packet_cost())
    if args.timers:
        uvloop.run(compare_timers(max(int(x) for x in args.sizes.split(",")), min(args.seconds, 5.0)))
    print(
        f"media capacity on uvloop {uvloop.__version__}, {os.cpu_count()} cores, "
        f"{args.seconds:.0f} s per size, in-band DTMF {'on' if args.inband else 'off'}, "
        f"frames read by {'a callback' if args.handler else 'one task per call'}, "
        f"RTP {'on one shared socket (batched)' if args.mux else 'on a socket per call'}"
    )
    print(
        f"{'calls':>6} {'cpu%':>6} {'ms/call-s':>9} {'send p50':>9} {'p99':>6} {'max':>6} {'pps/call':>8} "
        f"{'loss in':>8} {'loss out':>8} {'jb lost':>7} {'dropped':>7} {'sender cpu%':>11} {'starved':>7} {'us/pkt':>6}"
    )
    for n in (int(x) for x in args.sizes.split(",") if x):
        r = uvloop.run(measure(n, args.seconds, args.inband, args.handler, args.mux))
        print(
            f"{r['n']:>6} {100 * r['cpu']:>6.1f} {1000 * r['cpu'] / r['n']:>9.3f} {r['p50']:>7.1f}ms {r['p99']:>4.1f}ms {r['max']:>4.1f}ms "
            f"{r['rate_out']:>8.1f} {100 * r['loss_in']:>7.2f}% {100 * r['loss_out']:>7.2f}% "
            f"{r['jb_lost']:>7} {r['dropped']:>7} {100 * r['sender_cpu']:>10.1f}% {100 * r['starved']:>6.0f}% "
            f"{r['us_per_packet']:>6.2f}",
            flush=True,
        )
        if r["latched"] != n or r["missed_ticks"]:
            print(f"       latched {r['latched']}/{n}, pacer missed ticks {r['missed_ticks']}")
        if r["mux"] is not None:
            m = r["mux"]
            print(f"       mux: {m.packets_in / max(1, m.batches_in):.1f} packets per receive call, "
                  f"{m.packets_out / max(1, m.batches_out):.1f} per send call, unknown {m.unknown}, "
                  f"ambiguous {m.ambiguous}, send errors {m.send_errors}")
    print("cpu%: the media process (100% = one core); ms/call-s: its CPU per call per second;")
    print("send lateness: from each 20 ms deadline to the start of the call's send (one shared pacer);")
    print(
        "loss in/out: packets the sender sent that no session received / sessions sent that the sender missed;"
    )
    print("starved: share of the time the media process was runnable but waited for a CPU (other load);")
    print("us/pkt: the media process's CPU per packet received or sent")


if __name__ == "__main__":
    main()

"""MediaSession over real UDP sockets on 127.0.0.1, on uvloop, bounded in time."""

from __future__ import annotations

import asyncio
import socket
import statistics
import struct
import time
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
import uvloop

from sip_gateway.codecs import alaw_decode, alaw_encode, ulaw_decode, ulaw_encode
from sip_gateway.dtmf import DtmfEvent, dtmf_tone
from sip_gateway.media import PCMA, PCMU, Frame, MediaError, MediaSession
from sip_gateway.pacer import Pacer
from sip_gateway.ports import PortAllocator, PortsExhausted
from sip_gateway.rtp import build_rtp, parse_rtp

from .conftest import Recorder

RATE = 8000


def run(coro, timeout: float = 20.0):
    """A test coroutine on a fresh uvloop loop (what the gateway runs on), bounded in time."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(asyncio.wait_for(coro, timeout))


def sine(freq: float, seconds: float, amp: float = 0.3) -> bytes:
    t = np.arange(int(seconds * RATE)) / RATE
    return (amp * 32767 * np.sin(2 * np.pi * freq * t)).astype("<i2").tobytes()


def speechlike(seconds: float) -> bytes:
    """Amplitude-modulated harmonics with noise: covers the whole 16-bit range of G.711 segments."""
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * RATE)) / RATE
    x = sum(np.sin(2 * np.pi * 130 * h * t) / h for h in range(1, 20))
    x = x * (0.5 + 0.5 * np.sin(2 * np.pi * 2.5 * t)) + rng.normal(0, 0.05, len(t))
    return (0.9 * 32767 * x / np.abs(x).max()).astype("<i2").tobytes()


class UdpPeer(asyncio.DatagramProtocol):
    """A raw RTP peer: records what it receives, with arrival times."""

    def __init__(self) -> None:
        self.received: list[tuple[float, bytes, tuple]] = []
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data, addr) -> None:
        self.received.append((time.monotonic(), data, addr))

    @property
    def port(self) -> int:
        return self.transport.get_extra_info("sockname")[1]

    @classmethod
    async def open(cls) -> UdpPeer:
        loop = asyncio.get_running_loop()
        _, peer = await loop.create_datagram_endpoint(cls, local_addr=("127.0.0.1", 0))
        return peer


async def collect(session: MediaSession, seconds: float) -> tuple[list[Frame], list[DtmfEvent]]:
    frames: list[Frame] = []
    events: list[DtmfEvent] = []
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        try:
            item = await asyncio.wait_for(session.receive(), left)
        except TimeoutError:
            break
        if item is None:
            break
        (frames if isinstance(item, Frame) else events).append(item)
    return frames, events


async def pair(pacer: Pacer, codec=PCMU, **options) -> tuple[MediaSession, MediaSession]:
    a = await MediaSession.open(pacer, host="127.0.0.1", codec=codec, **options)
    b = await MediaSession.open(
        pacer, host="127.0.0.1", codec=codec, remote=("127.0.0.1", a.local_port), **options
    )
    a.set_remote("127.0.0.1", b.local_port)
    return a, b


@pytest.mark.parametrize(
    "codec, enc, dec",
    [(PCMU, ulaw_encode, ulaw_decode), (PCMA, alaw_encode, alaw_decode)],
    ids=["PCMU", "PCMA"],
)
def test_audio_arrives_decoded_equal(codec, enc, dec):
    async def main():
        pacer = Pacer()
        a, b = await pair(pacer, codec)
        pcm = speechlike(1.0)
        playback = a.play(pcm)
        assert a.playing
        assert await asyncio.wait_for(playback, 3) is True
        assert not a.playing and playback.completed
        frames, _ = await collect(b, 0.3)
        await a.close()
        await b.close()
        return pcm, frames, b.snapshot()

    pcm, frames, stats = run(main())
    received = b"".join(f.pcm for f in frames)
    expected = dec(enc(pcm))  # exactly one G.711 round trip
    at = received.find(expected)
    assert at >= 0 and at % 320 == 0
    # and within G.711's quantisation of the original: SNR well above 30 dB
    got = np.frombuffer(received[at : at + len(pcm)], "<i2").astype(float)
    ref = np.frombuffer(pcm, "<i2").astype(float)
    assert 10 * np.log10((ref**2).sum() / ((ref - got) ** 2).sum()) > 30
    # timestamps advance 160 per frame, no loss
    ts = [f.timestamp for f in frames]
    assert all((y - x) % 2**32 == 160 for x, y in pairwise(ts))
    assert stats.lost == 0 and stats.malformed == 0
    assert 0 <= stats.packets_in - len(frames) <= 2  # the last may arrive after collecting


def test_pacing_is_20ms_with_silence_between_playbacks():
    async def main():
        pacer = Pacer()
        peer = await UdpPeer.open()
        s = await MediaSession.open(pacer, host="127.0.0.1", remote=("127.0.0.1", peer.port))
        await asyncio.sleep(0.3)
        s.play(sine(440, 0.4))
        await asyncio.sleep(1.2)
        await s.close()
        peer.transport.close()
        return peer.received, pacer

    received, pacer = run(main())
    packets = [parse_rtp(d) for _, d, _ in received]
    assert 70 <= len(packets) <= 80  # 1.5 s at 50 packets a second
    gaps = np.diff([t for t, _, _ in received]) * 1000
    assert 19 <= statistics.median(gaps) <= 21
    seqs = [p.sequence for p in packets]
    assert all((y - x) % 65536 == 1 for x, y in pairwise(seqs))
    assert all((y.timestamp - x.timestamp) % 2**32 == 160 for x, y in pairwise(packets))
    assert all(p.payload_type == 0 and len(p.payload) == 160 for p in packets)
    silence = [p.payload == PCMU.silence for p in packets]
    first_audio = silence.index(False)
    assert 10 <= first_audio <= 20 and packets[first_audio].marker  # talkspurt starts with a marker
    assert sum(not s for s in silence) == 20  # 0.4 s of audio, then silence again
    assert silence[-1]
    assert pacer.send_lateness.total >= len(packets)
    assert pacer.send_lateness.quantile(0.5) < 10


def test_symmetric_rtp_latches_to_the_real_source():
    async def main():
        pacer = Pacer()
        sdp_target = await UdpPeer.open()  # where the SDP said to send (e.g. a private address)
        nat_peer = await UdpPeer.open()  # where the caller's packets actually come from
        s = await MediaSession.open(pacer, host="127.0.0.1", remote=("127.0.0.1", sdp_target.port))
        await asyncio.sleep(0.2)
        before = len(sdp_target.received)
        for i in range(5):
            nat_peer.transport.sendto(
                build_rtp(0, i, i * 160, 4242, b"\xff" * 160), ("127.0.0.1", s.local_port)
            )
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)
        after_latch = len(sdp_target.received)
        # a third party (RTP injection) while the caller is talking is ignored
        intruder = await UdpPeer.open()
        for i in range(5):
            nat_peer.transport.sendto(
                build_rtp(0, 5 + i, (5 + i) * 160, 4242, b"\xff" * 160), ("127.0.0.1", s.local_port)
            )
            intruder.transport.sendto(build_rtp(0, 900 + i, 0, 1, b"\x00" * 160), ("127.0.0.1", s.local_port))
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.1)
        remote = s.remote
        stats = s.snapshot()
        await s.close()
        return before, after_latch, len(sdp_target.received), nat_peer, nat_peer.port, intruder, remote, stats

    before, after_latch, final, nat_peer, nat_port, intruder, remote, stats = run(main())
    assert before >= 5  # before any inbound packet: to the SDP address
    assert final - after_latch <= 1  # after latching: nothing more there
    assert len(nat_peer.received) >= 15
    assert remote == ("127.0.0.1", nat_port)
    assert intruder.received == []
    assert stats.foreign == 5 and stats.packets_in == 10


def test_malformed_datagrams_counted_and_dropped_while_audio_flows():
    async def main():
        pacer = Pacer()
        a, b = await pair(pacer)
        garbage = await UdpPeer.open()
        rng = np.random.default_rng(9)
        a.play(sine(600, 1.0))
        junk = [b"", b"\x80", bytes(11), bytes([0x40]) + bytes(20), b"INVITE sip:x SIP/2.0\r\n\r\n"]
        junk += [rng.bytes(int(n)) for n in rng.integers(1, 200, 40)]
        junk += [build_rtp(18, 1, 1, 1, bytes(20))]  # G.729, not negotiated
        for i, d in enumerate(junk):
            garbage.transport.sendto(d, ("127.0.0.1", b.local_port))
            if i % 5 == 0:
                await asyncio.sleep(0.02)
        frames, _ = await collect(b, 1.2)
        stats = b.snapshot()
        await a.close()
        await b.close()
        return frames, stats, len(junk)

    frames, stats, n = run(main())
    assert stats.malformed + stats.foreign >= n - 10  # random bytes are sometimes valid-looking RTP
    assert stats.malformed >= 30
    tone = [f for f in frames if np.abs(np.frombuffer(f.pcm, "<i2")).max() > 5000]
    assert len(tone) >= 45  # the second of audio got through


def test_barge_in_stops_playback_at_the_next_tick():
    async def main():
        pacer = Pacer()
        peer = await UdpPeer.open()
        s = await MediaSession.open(pacer, host="127.0.0.1", remote=("127.0.0.1", peer.port))
        first = s.play(sine(440, 5.0))
        second = s.play(sine(880, 1.0))
        await asyncio.sleep(0.3)
        t_stop = time.monotonic()
        s.stop_playback()
        stopped_immediately = not s.playing
        results = await asyncio.wait_for(asyncio.gather(first, second), 0.1)
        await asyncio.sleep(0.2)
        await s.close()
        return peer.received, t_stop, stopped_immediately, results, first

    received, t_stop, stopped_immediately, results, first = run(main())
    assert stopped_immediately and results == [False, False]
    assert not first.completed and 0.2 <= first.position <= 0.4
    after = [parse_rtp(d).payload for t, d, _ in received if t > t_stop]
    assert len(after) >= 5
    assert all(p == PCMU.silence for p in after[1:])  # at most the frame already in flight


def test_playbacks_queue_and_complete_in_order():
    async def main():
        pacer = Pacer()
        peer = await UdpPeer.open()
        s = await MediaSession.open(pacer, host="127.0.0.1", remote=("127.0.0.1", peer.port))
        t0 = time.monotonic()
        p1 = s.play(sine(440, 0.3))
        p2 = s.play(sine(880, 0.21))  # not a whole number of frames: padded with silence
        assert await asyncio.wait_for(p1, 2)
        t1 = time.monotonic() - t0
        assert await asyncio.wait_for(p2, 2)
        t2 = time.monotonic() - t0
        empty = s.play(b"")
        await s.close()
        return t1, t2, p1, p2, empty

    t1, t2, p1, p2, empty = run(main())
    assert 0.25 <= t1 <= 0.45 and 0.45 <= t2 <= 0.65
    assert p1.frames_sent == 15 and p2.frames_sent == 11
    assert empty.completed


def test_rfc4733_digits_between_sessions():
    async def main():
        pacer = Pacer()
        a, b = await pair(pacer)
        a.play(sine(300, 0.5))
        a.send_dtmf("1#1")
        _, events = await collect(b, 1.5)
        await a.close()
        await b.close()
        return events

    events = run(main())
    assert [e.digit for e in events] == ["1", "#", "1"]
    assert all(e.source == "rfc4733" and e.duration_ms == 100 for e in events)


def test_inband_dtmf_detected_when_no_telephone_event():
    async def main():
        pacer = Pacer()
        a, b = await pair(pacer, dtmf_payload_type=None)
        with pytest.raises(MediaError):
            a.send_dtmf("1")
        tones = np.concatenate([dtmf_tone("4", 100), np.zeros(800), dtmf_tone("2", 100), np.zeros(800)])
        a.play((tones * 32767).astype("<i2").tobytes())
        _, events = await collect(b, 1.0)
        await a.close()
        await b.close()
        return events

    events = run(main())
    assert [(e.digit, e.source) for e in events] == [("4", "inband"), ("2", "inband")]


def test_hold_stops_sending_and_resume_restarts():
    async def main():
        pacer = Pacer()
        peer = await UdpPeer.open()
        s = await MediaSession.open(pacer, host="127.0.0.1", remote=("127.0.0.1", peer.port))
        await asyncio.sleep(0.2)
        s.set_remote("0.0.0.0", peer.port)  # legacy hold
        n_hold = len(peer.received)
        await asyncio.sleep(0.3)
        n_held = len(peer.received)
        s.set_remote("127.0.0.1", peer.port, codec="PCMA")
        await asyncio.sleep(0.2)
        await s.close()
        return n_hold, n_held, peer.received

    n_hold, n_held, received = run(main())
    assert n_hold >= 5 and n_held - n_hold <= 1
    resumed = [parse_rtp(d) for _, d, _ in received[n_held:]]
    assert len(resumed) >= 5 and all(p.payload_type == 8 for p in resumed)


def offer(port: int, direction: str = "sendrecv", codecs: str = "8 0 101") -> str:
    return (
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        f"m=audio {port} RTP/AVP {codecs}\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n"
        f"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na={direction}\r\n"
    )


def test_follows_sdp_codec_dtmf_type_and_hold():
    from sip_gateway.sdp import parse_sdp

    async def main():
        pacer = Pacer()
        peer = await UdpPeer.open()
        s = await MediaSession.open(pacer, host="127.0.0.1")
        s.apply_sdp(parse_sdp(offer(peer.port)))
        await asyncio.sleep(0.2)
        n_before_hold = len(peer.received)
        s.apply_sdp(parse_sdp(offer(peer.port, "sendonly")))  # the caller puts us on hold
        await asyncio.sleep(0.02)
        n_hold = len(peer.received)
        await asyncio.sleep(0.2)
        n_held = len(peer.received)
        s.apply_sdp(parse_sdp(offer(peer.port, "sendrecv", codecs="0 101")))
        s.send_dtmf("5")
        await asyncio.sleep(0.3)
        await s.close()
        return n_before_hold, n_hold, n_held, [parse_rtp(d) for _, d, _ in peer.received]

    n_before_hold, n_hold, n_held, packets = run(main())
    assert n_before_hold >= 5 and all(p.payload_type == 8 for p in packets[:n_before_hold])
    assert n_held == n_hold
    resumed = packets[n_held:]
    assert {p.payload_type for p in resumed} == {0, 101}


def test_ports_from_range_even_released_on_close_and_busy_ports_skipped():
    async def main():
        # a range of three even ports, the middle one taken by another socket
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1] & ~1
        busy = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        busy.bind(("127.0.0.1", base + 2))
        ports = PortAllocator(base, base + 5)
        pacer = Pacer()
        try:
            s1 = await MediaSession.open(pacer, ports, host="127.0.0.1")
            s2 = await MediaSession.open(pacer, ports, host="127.0.0.1")
            with pytest.raises(MediaError):
                await MediaSession.open(pacer, ports, host="127.0.0.1")
            got = (s1.local_port, s2.local_port)
            in_use = ports.in_use
            await s1.close()
            await s2.close()
            assert len(pacer) == 0 and not pacer.running  # idle: no timer
            return base, got, in_use, ports
        finally:
            busy.close()

    base, got, in_use, ports = run(main())
    assert got == (base, base + 4) and all(p % 2 == 0 for p in got)
    assert in_use == 2  # the busy port was skipped, not kept
    assert ports.in_use == 0  # both released on close


def test_port_allocator_round_robin_and_exhaustion():
    ports = PortAllocator(20001, 20008)  # even ports 20002..20008
    assert ports.capacity == 4
    got = [ports.allocate() for _ in range(4)]
    assert got == [20002, 20004, 20006, 20008]
    with pytest.raises(PortsExhausted):
        ports.allocate()
    ports.release(20004)
    assert ports.allocate() == 20004
    with pytest.raises(ValueError):
        PortAllocator(30000, 20000)


def test_close_ends_iteration_and_resolves_playback():
    async def main():
        pacer = Pacer()
        a, b = await pair(pacer)
        playback = a.play(sine(440, 3))
        frames = []

        async def reader():
            async for item in b:
                frames.append(item)

        task = asyncio.create_task(reader())
        await asyncio.sleep(0.3)
        await a.close()
        await b.close()
        await asyncio.wait_for(task, 1)
        with pytest.raises(MediaError):
            a.play(b"\x00\x00")
        return frames, await playback

    frames, completed = run(main())
    assert completed is False and len(frames) >= 5


# ---- real-world packets: the RTP captures shipped with sipp (Debian sip-tester) ----

SIPP_PCAPS = Path("/usr/share/sip-tester")


def pcap_udp_payloads(path: Path) -> list[bytes]:
    """UDP payloads of an Ethernet/IPv4 pcap file (the format of sipp's captures)."""
    data = path.read_bytes()
    endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    assert struct.unpack(endian + "I", data[20:24])[0] == 1  # Ethernet
    out, offset = [], 24
    while offset + 16 <= len(data):
        incl = struct.unpack_from(endian + "I", data, offset + 8)[0]
        frame = data[offset + 16 : offset + 16 + incl]
        offset += 16 + incl
        if frame[12:14] != b"\x08\x00" or frame[23] != 17:  # IPv4, UDP
            continue
        ihl = (frame[14] & 0x0F) * 4
        out.append(frame[14 + ihl + 8 :])
    return out


needs_captures = pytest.mark.skipif(
    not (SIPP_PCAPS / "g711a.pcap").exists(),
    reason="sipp's RTP captures not found (Debian package sip-tester)",
)


async def replay(payloads: list[bytes], port: int) -> None:
    peer = await UdpPeer.open()
    for i, d in enumerate(payloads):
        peer.transport.sendto(d, ("127.0.0.1", port))
        if i % 10 == 9:
            await asyncio.sleep(0.005)
    await asyncio.sleep(0.1)
    peer.transport.close()


@needs_captures
def test_sipp_dtmf_captures_give_each_digit_once():
    names = {str(d): str(d) for d in range(10)} | {"star": "*", "pound": "#"}

    async def main():
        pacer = Pacer()
        s = await MediaSession.open(pacer, host="127.0.0.1", codec=PCMA)
        found = {}
        for name, digit in names.items():
            await replay(pcap_udp_payloads(SIPP_PCAPS / f"dtmf_2833_{name}.pcap"), s.local_port)
            _, events = await collect(s, 0.4)  # includes the end-packet timeout
            found[digit] = [e.digit for e in events]
        await s.close()
        return found

    found = run(main())
    assert found == {d: [d] for d in names.values()}


@needs_captures
def test_sipp_g711a_capture_decodes():
    payloads = pcap_udp_payloads(SIPP_PCAPS / "g711a.pcap")
    packets = [parse_rtp(p) for p in payloads]
    assert {p.payload_type for p in packets} == {8}

    async def main():
        pacer = Pacer()
        s = await MediaSession.open(pacer, host="127.0.0.1", codec=PCMA)
        await replay(payloads, s.local_port)
        frames, _ = await collect(s, 0.3)
        await s.close()
        return frames, s.snapshot()

    frames, stats = run(main())
    in_order = sorted(packets, key=lambda p: p.sequence)
    assert b"".join(f.pcm for f in frames) == b"".join(alaw_decode(p.payload) for p in in_order)
    assert stats.malformed == 0 and stats.lost == 0
    level = np.abs(np.frombuffer(b"".join(f.pcm for f in frames), "<i2")).max()
    assert level > 1000  # real audio, not silence


# ---- the shared pacer ----------------------------------------------------------


def test_pacer_keeps_the_20ms_grid_without_drift():
    async def main():
        pacer = Pacer()
        rec = Recorder()
        pacer.add(rec)
        await asyncio.sleep(2.0)
        pacer.stop()
        return rec.calls, pacer

    calls, pacer = run(main())
    assert 97 <= len(calls) <= 101  # 2 s of 20 ms ticks: no drift accumulates
    deadlines = [d for _, d, _ in calls]
    assert all(abs((b - a) - 0.02) < 1e-9 for a, b in pairwise(deadlines))  # absolute grid
    assert [t for t, _, _ in calls] == list(range(calls[0][0], calls[0][0] + len(calls)))
    assert pacer.tick_lateness.total == len(calls)


def test_pacer_skips_ticks_after_a_stall_and_survives_a_failing_session():
    async def main():
        pacer = Pacer(max_catch_up=3)
        good, bad = Recorder(), Recorder()

        def explode(tick, deadline, now):
            bad.calls.append((tick, deadline, now))
            raise RuntimeError("broken session")

        bad.on_tick = explode
        pacer.add(good)
        pacer.add(bad)
        await asyncio.sleep(0.1)
        time.sleep(0.2)  # the loop stalls for 10 ticks
        await asyncio.sleep(0.3)
        pacer.stop()
        return good.calls, bad.calls, pacer, len(pacer)

    good, bad, pacer, remaining = run(main())
    assert len(bad) == 1 and remaining == 1  # dropped after raising, the other kept going
    ticks = [t for t, _, _ in good]
    jumps = [b - a for a, b in pairwise(ticks)]
    assert max(jumps) >= 9 and pacer.missed_ticks >= 8  # skipped, not sent as a burst
    bursts = sum(1 for (_, _, n1), (_, _, n2) in pairwise(good) if n2 - n1 < 0.005)
    assert bursts <= 3  # at most max_catch_up quick ticks
    assert 17 <= len(good) <= 24  # 30 ticks in 0.6 s, less the ~10 skipped


def test_inband_forced_stops_at_first_rfc4733_packet_so_no_digit_twice():
    async def main():
        pacer = Pacer()
        a, b = await pair(pacer, inband_dtmf=True)
        tone = (dtmf_tone("8", 120) * 32767).astype("<i2").tobytes()
        a.play(tone)  # in-band only: detected by the forced detector
        await asyncio.sleep(0.4)
        a.play(tone)  # a phone sending the tone in the audio *and* as events
        a.send_dtmf("8", duration_ms=120)
        _, events = await collect(b, 1.0)
        await a.close()
        await b.close()
        return events

    events = run(main())
    assert [(e.digit, e.source) for e in events] == [("8", "inband"), ("8", "rfc4733")]


def test_stats_jitter_and_lateness_histogram():
    from sip_gateway.stats import LatenessHistogram, SessionStats

    s = SessionStats()
    for i in range(200):  # perfectly paced: no jitter
        s.update_jitter(i * 160, 10.0 + i * 0.02)
    assert s.jitter < 1e-6
    for i in range(200, 2000):  # arrivals alternately 5 ms early and late: |D| = 10 ms = 80 units
        s.update_jitter(i * 160, 10.0 + i * 0.02 + (0.005 if i % 2 else -0.005))
    assert abs(s.jitter_ms() - 10.0) < 0.2
    h = LatenessHistogram()
    for ms in [0.2] * 90 + [4.0] * 9 + [60.0]:
        h.add(ms)
    assert h.quantile(0.5) == 0.5 and h.quantile(0.95) == 5 and h.quantile(1.0) == 100
    assert h.max_ms == 60.0 and h.total == 100


def test_new_ssrc_mid_call_and_frame_handler():
    """A transfer or re-INVITE can restart the stream with a new SSRC and sequence: no loss counted."""

    async def main():
        pacer = Pacer()
        got: list = []
        s = await MediaSession.open(pacer, host="127.0.0.1", handler=got.append)
        peer = await UdpPeer.open()
        for i in range(10):
            peer.transport.sendto(
                build_rtp(0, 100 + i, i * 160, 1111, bytes([0x80 + i]) * 160), ("127.0.0.1", s.local_port)
            )
            await asyncio.sleep(0.005)
        for i in range(10):
            peer.transport.sendto(
                build_rtp(0, 50000 + i, 7 + i * 160, 2222, bytes([0x10 + i]) * 160),
                ("127.0.0.1", s.local_port),
            )
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.1)
        await s.close()
        return got, s.snapshot()

    got, stats = run(main())
    assert len(got) == 20 and all(isinstance(f, Frame) for f in got)
    assert [f.pcm for f in got] == [
        PCMU.decode(bytes([b]) * 160) for b in [*range(0x80, 0x8A), *range(0x10, 0x1A)]
    ]
    assert stats.lost == 0 and stats.packets_in == 20


def test_fast_frame_decoders_match_the_codec_tables():
    every = bytes(range(256)) * 2
    assert PCMU.decode(every) == ulaw_decode(every)
    assert PCMA.decode(every) == alaw_decode(every)
    assert PCMU.decode(b"") == b""

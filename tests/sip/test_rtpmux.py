"""The shared RTP socket (sip_gateway.rtpmux): many calls on one port, on uvloop, loopback only."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest

import sip_gateway.rtpmux as rtpmux_module
from sip_gateway.codecs import ulaw_decode
from sip_gateway.media import Frame, MediaError, MediaSession
from sip_gateway.pacer import QUEUED, Pacer
from sip_gateway.rtp import build_rtp, parse_rtp
from sip_gateway.rtpmux import RtpMux, sdp_ssrcs, ssrc_attribute
from sip_gateway.sdp import build_offer, parse_sdp

from .test_media import UdpPeer, collect, run, sine

BATCHED = pytest.mark.parametrize("batched", [True, False], ids=["mmsg", "fallback"])


def rtp(seq: int, ssrc: int, fill: int) -> bytes:
    return build_rtp(0, seq, seq * 160, ssrc, bytes([fill]) * 160)


async def send_stream(peer: UdpPeer, port: int, ssrc: int, fill: int, count: int, first: int = 0) -> None:
    for i in range(first, first + count):
        peer.transport.sendto(rtp(i, ssrc, fill), ("127.0.0.1", port))
        await asyncio.sleep(0.005)


def decoded(fill: int) -> bytes:
    return ulaw_decode(bytes([fill]) * 160)


@BATCHED
def test_two_concurrent_calls_are_told_apart_both_ways(batched):
    async def main():
        pacer = Pacer()
        mux = RtpMux.open(pacer, host="127.0.0.1", port=0, batched=batched)
        p1, p2 = await UdpPeer.open(), await UdpPeer.open()
        s1 = await MediaSession.open(pacer, mux=mux, remote=("127.0.0.1", p1.port))
        s2 = await MediaSession.open(pacer, mux=mux, remote=("127.0.0.1", p2.port))
        s1.play(sine(440, 0.4))
        s2.play(sine(1000, 0.4))
        await asyncio.gather(send_stream(p1, mux.port, 111, 0x11, 20), send_stream(p2, mux.port, 222, 0x22, 20))
        f1, _ = await collect(s1, 0.3)
        f2, _ = await collect(s2, 0.05)
        ports = (s1.local_port, s2.local_port)
        stats = (s1.snapshot(), s2.snapshot(), mux.stats)
        await s1.close()
        await s2.close()
        assert len(mux) == 0  # closed sessions leave the mux
        mux.close()
        return mux.port, ports, f1, f2, p1, p2, (s1.ssrc, s2.ssrc), stats

    port, ports, f1, f2, p1, p2, ssrcs, (st1, st2, mst) = run(main())
    assert ports == (port, port)  # one port for every call
    assert [f.pcm for f in f1] == [decoded(0x11)] * 20
    assert [f.pcm for f in f2] == [decoded(0x22)] * 20
    assert st1.packets_in == st2.packets_in == 20 and mst.unknown == mst.ambiguous == 0
    # each peer hears only its own call, from the shared port
    assert {parse_rtp(d).ssrc for _, d, _ in p1.received} == {ssrcs[0]}
    assert {parse_rtp(d).ssrc for _, d, _ in p2.received} == {ssrcs[1]}
    assert {a[1] for _, _, a in p1.received + p2.received} == {port}
    assert len(p1.received) >= 10 and mst.packets_out == st1.packets_out + st2.packets_out


@BATCHED
def test_many_sessions_one_flush_per_pacer_group(batched):
    async def main():
        pacer = Pacer(phases=1)
        mux = RtpMux.open(pacer, host="127.0.0.1", port=0, batched=batched)
        sink = await UdpPeer.open()
        sessions = [await MediaSession.open(pacer, mux=mux, remote=("127.0.0.1", sink.port)) for _ in range(60)]
        await asyncio.sleep(0.3)
        pacer.stop()
        await asyncio.sleep(0.05)
        result = (mux.stats.batches_out, mux.stats.packets_out, pacer.send_lateness.total, len(sink.received),
                  sum(s.stats.packets_out for s in sessions))
        for s in sessions:
            s.close_now()
        mux.close()
        return result

    batches, packets, timed, received, counted = run(main())
    assert batches >= 10
    assert packets == 60 * batches == timed == received == counted  # every tick: one flush of all 60


def test_queued_packets_are_timed_at_the_flush():
    class Queued:
        def on_tick(self, tick, deadline, now):
            return QUEUED

    flushes: list[float] = []

    def slow_flush():
        time.sleep(0.004)  # a batch that takes the kernel 4 ms
        flushes.append(time.monotonic())

    async def main():
        pacer = Pacer(phases=1)
        pacer.add_flush(slow_flush)
        for _ in range(10):
            pacer.add(Queued())
        await asyncio.sleep(0.2)
        pacer.stop()
        return pacer

    pacer = run(main())
    assert len(flushes) >= 5 and pacer.send_lateness.total == 10 * pacer.ticks
    assert pacer.send_lateness.quantile(0.5) >= 4.0  # not the moment the packet was queued


@BATCHED
def test_unknown_sources_are_dropped_and_counted(batched):
    async def main():
        pacer = Pacer()
        mux = RtpMux.open(pacer, host="127.0.0.1", port=0, batched=batched)
        caller, stranger = await UdpPeer.open(), await UdpPeer.open()
        s = await MediaSession.open(pacer, mux=mux, remote=("127.0.0.1", caller.port))
        s.set_handler(lambda item: None)
        await send_stream(caller, mux.port, 5, 0x33, 5)
        await send_stream(stranger, mux.port, 6, 0x44, 5)  # while the caller talks: not latched
        await asyncio.sleep(0.1)
        stats = (s.snapshot().packets_in, mux.stats.unknown, mux.stats.latched, s.remote)
        s.close_now()
        mux.close()
        return stats, caller.port, stranger

    (packets_in, unknown, latched, remote), caller_port, stranger = run(main())
    assert packets_in == 5 and unknown == 5 and latched == 0
    assert remote == ("127.0.0.1", caller_port)
    assert stranger.received == []


def test_packets_of_a_call_that_just_ended_are_not_counted_unknown(monkeypatch):
    # Sent before the caller's BYE and still in flight when the call ends: dropped, and
    # counted as after_end, not as a caller the shared port cannot tell apart.
    monkeypatch.setattr(rtpmux_module, "ENDED_GRACE_S", 0.3)

    async def main():
        pacer = Pacer()
        mux = RtpMux.open(pacer, host="127.0.0.1", port=0)
        caller = await UdpPeer.open()
        s = await MediaSession.open(pacer, mux=mux, remote=("127.0.0.1", caller.port))
        s.set_handler(lambda item: None)
        await send_stream(caller, mux.port, 5, 0x33, 3)
        await asyncio.sleep(0.05)
        s.close_now()
        await send_stream(caller, mux.port, 5, 0x33, 4, first=3)  # in flight at the end
        await asyncio.sleep(0.05)
        late = (mux.stats.after_end, mux.stats.unknown)
        await asyncio.sleep(0.4)  # past the grace: a stranger again
        await send_stream(caller, mux.port, 5, 0x33, 2, first=7)
        await asyncio.sleep(0.05)
        stale = (mux.stats.after_end, mux.stats.unknown)
        mux.close()
        return late, stale

    late, stale = run(main())
    assert late == (4, 0)
    assert stale == (4, 2)


def test_nat_source_latched_only_when_unambiguous():
    async def main():
        pacer = Pacer()
        mux = RtpMux.open(pacer, host="127.0.0.1", port=0)
        nat = await UdpPeer.open()
        # Two calls whose SDP names addresses nothing sends from: a packet from elsewhere
        # on that IP could be either's, so it is dropped.
        a = await MediaSession.open(pacer, mux=mux, remote=("127.0.0.1", 9))
        b = await MediaSession.open(pacer, mux=mux, remote=("127.0.0.1", 11))
        await send_stream(nat, mux.port, 77, 0x55, 3)
        ambiguous = (mux.stats.unknown, a.snapshot().packets_in, b.snapshot().packets_in)
        b.close_now()
        # Now only one call may latch from that IP: the caller behind NAT gets its audio back.
        await send_stream(nat, mux.port, 77, 0x55, 3, first=3)
        await asyncio.sleep(0.1)
        latched = (a.remote, a.snapshot().packets_in, mux.stats.latched, len(nat.received))
        a.close_now()
        mux.close()
        return ambiguous, latched, nat.port

    (unknown, a_in, b_in), (remote, packets_in, latched, heard), nat_port = run(main())
    assert unknown == 3 and a_in == b_in == 0
    assert remote == ("127.0.0.1", nat_port) and packets_in == 3 and latched == 1 and heard >= 3


def test_announced_ssrc_latches_a_new_source():
    async def main():
        pacer = Pacer()
        mux = RtpMux.open(pacer, host="127.0.0.1", port=0)
        nat = await UdpPeer.open()
        a = await MediaSession.open(pacer, mux=mux, remote=("10.0.0.9", 4000))  # a private address
        b = await MediaSession.open(pacer, mux=mux, remote=("10.0.0.8", 4000))
        a.set_remote("10.0.0.9", 4000, ssrcs=(4321,))
        await send_stream(nat, mux.port, 4321, 0x66, 4)
        result = (a.snapshot().packets_in, b.snapshot().packets_in, a.remote)
        a.close_now()
        b.close_now()
        mux.close()
        return result, nat.port

    (a_in, b_in, remote), nat_port = run(main())
    assert a_in == 4 and b_in == 0 and remote == ("127.0.0.1", nat_port)


def test_calls_sharing_one_source_are_told_apart_by_ssrc():
    """A peer that multiplexes too (our load tester): every call comes from the same port."""

    async def main():
        pacer = Pacer()
        mux = RtpMux.open(pacer, host="127.0.0.1", port=0)
        peer = await UdpPeer.open()
        source = ("127.0.0.1", peer.port)
        announced = [await MediaSession.open(pacer, mux=mux) for _ in range(2)]
        announced[0].set_remote(*source, ssrcs=(7,))
        announced[1].set_remote(*source, ssrcs=(9,))
        await asyncio.gather(send_stream(peer, mux.port, 9, 0x19, 4), send_stream(peer, mux.port, 7, 0x17, 4))
        # No a=ssrc: each call takes the first new SSRC while it is the only one without.
        silent = await MediaSession.open(pacer, mux=mux)
        silent.set_remote(*source)
        await send_stream(peer, mux.port, 5, 0x15, 3)
        later = await MediaSession.open(pacer, mux=mux)
        later.set_remote(*source)
        await send_stream(peer, mux.port, 6, 0x16, 3)
        await send_stream(peer, mux.port, 5, 0x15, 2, first=3)
        await send_stream(peer, mux.port, 8, 0x18, 2)  # nobody's
        await asyncio.sleep(0.05)
        frames = []
        for s in (*announced, silent, later):
            got, _ = await collect(s, 0.01)
            frames.append({f.pcm for f in got if isinstance(f, Frame)})
            s.close_now()
        mux.close()
        return frames, mux.stats.ambiguous

    frames, ambiguous = run(main())
    assert frames == [{decoded(0x17)}, {decoded(0x19)}, {decoded(0x15)}, {decoded(0x16)}]
    assert ambiguous == 2


def test_a_muxing_caller_against_a_muxing_server_via_sdp():
    """Both ends on one port each: calls told apart by the SSRCs in the SDP (a=ssrc)."""

    async def main():
        pacer = Pacer()
        caller_mux = RtpMux.open(pacer, host="127.0.0.1", port=0)
        server_mux = RtpMux.open(pacer, host="127.0.0.1", port=0)
        pairs = []
        for _ in range(3):
            c = await MediaSession.open(pacer, mux=caller_mux)
            s = await MediaSession.open(pacer, mux=server_mux)
            offer = build_offer("127.0.0.1", c.local_port)
            offer.audio.attributes.append(ssrc_attribute(c.ssrc))
            answer = build_offer("127.0.0.1", s.local_port)
            answer.audio.attributes.append(ssrc_attribute(s.ssrc))
            s.apply_sdp(parse_sdp(offer.to_text()))
            c.apply_sdp(parse_sdp(answer.to_text()))
            pairs.append((c, s))
        tones = [440, 700, 1100]
        for (c, s), f in zip(pairs, tones, strict=True):
            c.play(sine(f, 0.3))
            s.play(sine(f + 50, 0.3))
        await asyncio.sleep(0.6)
        heard = []
        for c, s in pairs:
            fc, _ = await collect(c, 0.01)
            fs, _ = await collect(s, 0.01)
            heard.append((dominant(fc), dominant(fs)))
            c.close_now()
            s.close_now()
        stats = (caller_mux.stats, server_mux.stats)
        caller_mux.close()
        server_mux.close()
        return heard, stats

    heard, (cst, sst) = run(main())
    assert heard == [(f + 50, f) for f in (440, 700, 1100)]
    assert cst.unknown == cst.ambiguous == sst.unknown == sst.ambiguous == 0


def dominant(frames: list) -> int:
    pcm = np.frombuffer(b"".join(f.pcm for f in frames if isinstance(f, Frame)), "<i2").astype(float)
    spectrum = np.abs(np.fft.rfft(pcm))
    return int(round(np.argmax(spectrum) * 8000 / len(pcm) / 10) * 10)


def test_malformed_datagrams_and_a_failing_session_never_stop_the_socket():
    async def main():
        pacer = Pacer()
        mux = RtpMux.open(pacer, host="127.0.0.1", port=0)
        good, bad, stranger = await UdpPeer.open(), await UdpPeer.open(), await UdpPeer.open()
        s = await MediaSession.open(pacer, mux=mux, remote=("127.0.0.1", good.port))
        broken = await MediaSession.open(pacer, mux=mux, remote=("127.0.0.1", bad.port))

        def explode(item):
            raise RuntimeError("a bug in one call")

        broken.set_handler(explode)
        rng = np.random.default_rng(3)
        junk = [b"", b"\x80", bytes(11), b"INVITE sip:x SIP/2.0\r\n\r\n", bytes(3000)]
        junk += [rng.bytes(int(n)) for n in rng.integers(1, 200, 30)]
        for d in junk:
            good.transport.sendto(d, ("127.0.0.1", mux.port))
            stranger.transport.sendto(d, ("127.0.0.1", mux.port))
        await send_stream(bad, mux.port, 3, 0x21, 3)
        await send_stream(good, mux.port, 4, 0x31, 5)
        frames, _ = await collect(s, 0.1)
        result = (frames, s.snapshot(), mux.stats, len(junk))
        s.close_now()
        broken.close_now()
        mux.close()
        return result

    frames, stats, mst, n = run(main())
    assert [f.pcm for f in frames][-5:] == [decoded(0x31)] * 5  # the socket still serves the call
    assert stats.malformed + stats.foreign >= n - 10 and stats.malformed >= 20
    assert mst.errors == 3  # the failing session's packets, counted, not raised
    assert mst.truncated == 2  # the 3000-byte datagrams exceed a receive slot
    assert mst.unknown >= n - 12  # the stranger's datagrams (the empty ones carry no SSRC)


def test_closed_mux_refuses_sessions_and_frees_its_port():
    async def main():
        pacer = Pacer()
        mux = RtpMux.open(pacer, host="127.0.0.1", port=0)
        port = mux.port
        mux.close()
        with pytest.raises(MediaError):
            await MediaSession.open(pacer, mux=mux)
        again = RtpMux.open(pacer, host="127.0.0.1", port=port)  # the port was released
        assert again.port == port and again.rcvbuf > 0
        again.close()
        mux.close()  # twice: harmless

    run(main())


def test_sdp_ssrc_attributes():
    assert sdp_ssrcs(["ssrc:12 cname:x", "ssrc:12 msid:y", "ssrc:4294967295 cname:z", "ptime:20"]) == (
        12, 4294967295)
    assert sdp_ssrcs(["ssrc:99999999999 cname:x", "ssrc:abc cname:x", "ssrc-group:FID 1 2"]) == ()
    assert ssrc_attribute(5) == "ssrc:5 cname:hotline"


def test_a_call_that_could_not_be_told_apart_is_refused_by_the_mux():
    async def main():
        pacer = Pacer()
        mux = RtpMux.open(pacer, host="127.0.0.1", port=0)
        s = await MediaSession.open(pacer, mux=mux, remote=("127.0.0.1", 5000))
        s.set_remote("127.0.0.1", 5000, ssrcs=(42,))
        answers = (
            mux.can_carry(("127.0.0.1", 5002)),  # another address: yes
            mux.can_carry(("127.0.0.1", 5000)),  # the same address, no SSRC (sipp): no
            mux.can_carry(("127.0.0.1", 5000), (43,)),  # the same address, its own SSRC: yes
            mux.can_carry(("127.0.0.1", 5000), (42,)),  # an SSRC already taken: no
            mux.can_carry(("0.0.0.0", 5000)),  # nothing to recognise it by: no
            mux.can_carry(None),
        )
        s.close_now()
        freed = mux.can_carry(("127.0.0.1", 5000))
        mux.close()
        return answers, freed

    answers, freed = run(main())
    assert answers == (True, False, True, False, False, False) and freed

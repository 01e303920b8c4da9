"""The capacity work on the media path: the phased pacer, shared G.711 encodings, the
synchronous frame handler, silent frames, and the windowed lateness histogram."""

from __future__ import annotations

import asyncio
from itertools import pairwise

import uvloop

from sip_gateway.media import PCMA, PCMU, Frame, MediaSession, PayloadCache
from sip_gateway.pacer import FineHistogram, Pacer
from sip_gateway.rtp import build_rtp

from .conftest import Recorder


def run(coro, timeout: float = 20.0):
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(asyncio.wait_for(coro, timeout))


def test_phases_spread_sessions_and_keep_each_on_a_20ms_grid():
    async def main():
        pacer = Pacer(phases=4)
        recs = [Recorder() for _ in range(8)]
        for r in recs:
            pacer.add(r)
        await asyncio.sleep(1.0)
        pacer.stop()
        return recs

    recs = run(main())
    for r in recs:
        deadlines = [d for _, d, _ in r.calls]
        assert 45 <= len(deadlines) <= 51
        assert all(abs((b - a) - 0.02) < 1e-6 for a, b in pairwise(deadlines))
        ticks = [t for t, _, _ in r.calls]
        assert ticks == list(range(ticks[0], ticks[0] + len(ticks)))  # one RTP tick per 20 ms
    # Two sessions per group, the groups 5 ms apart within the 20 ms.
    offsets = sorted({round((r.calls[5][1] - recs[0].calls[5][1]) * 1000, 1) % 20 for r in recs})
    assert offsets == [0.0, 5.0, 10.0, 15.0]


def test_a_session_that_restarts_the_clock_mid_tick_leaves_one_timer_chain():
    async def main():
        pacer = Pacer(phases=2)
        late = Recorder()

        class Restarter:
            def on_tick(self, tick, deadline, now):
                pacer.discard(self)  # the last session leaves: the clock stops ...
                pacer.add(late)  # ... and a new call starts it again, inside the same sub-tick
                return True

        pacer.add(Restarter())
        await asyncio.sleep(0.5)
        pacer.stop()
        await asyncio.sleep(0.1)
        return late.calls

    calls = run(main())
    assert 20 <= len(calls) <= 26  # ~25 in 0.5 s: one chain, not two
    assert len(calls) == len({t for t, _, _ in calls})


def test_payload_cache_encodes_each_prompt_once_per_codec_and_evicts_the_oldest():
    cache = PayloadCache(max_bytes=2000)
    prompt = bytes(range(256)) * 4  # 1,024 bytes of PCM: 512 samples
    first = cache.encode(PCMU, prompt)
    assert first == PCMU.encode(prompt) and cache.misses == 1
    assert cache.encode(PCMU, prompt) is first and cache.hits == 1
    assert cache.encode(PCMA, prompt) == PCMA.encode(prompt) and cache.misses == 2
    other = bytes(2048)  # 1,024 encoded bytes: the oldest entry must go
    cache.encode(PCMU, other)
    cache.encode(PCMU, prompt)
    assert cache.misses == 4


def test_set_handler_hands_over_queued_frames_then_every_new_one():
    async def main():
        pacer = Pacer()
        s = await MediaSession.open(pacer, host="127.0.0.1")
        peer = await asyncio.get_running_loop().create_datagram_endpoint(
            asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0))
        transport = peer[0]
        for i in range(3):
            transport.sendto(build_rtp(0, 10 + i, i * 160, 5, PCMU.silence), ("127.0.0.1", s.local_port))
        await asyncio.sleep(0.1)
        got: list = []
        s.set_handler(got.append)
        queued = len(got)
        tone = bytes([0x10]) * 160
        for i in range(3, 5):
            transport.sendto(build_rtp(0, 10 + i, i * 160, 5, tone), ("127.0.0.1", s.local_port))
        await asyncio.sleep(0.1)
        transport.close()
        await s.close()
        return queued, got, s.stats

    queued, got, stats = run(main())
    assert queued == 3 and len(got) == 5 and all(isinstance(f, Frame) for f in got)
    assert [f.pcm for f in got[:3]] == [PCMU.silence_pcm] * 3 == [bytes(320)] * 3  # silence: no decoding
    assert got[3].pcm == PCMU.decode(bytes([0x10]) * 160)
    assert stats.packets_in == 5 and stats.malformed == 0


def test_rtcp_on_the_rtp_port_is_counted_not_delivered():
    async def main():
        pacer = Pacer()
        got: list = []
        s = await MediaSession.open(pacer, host="127.0.0.1", handler=got.append)
        s._datagram_received(bytes([0x80, 200]) + bytes(26), ("127.0.0.1", 9))  # an RTCP sender report
        s._datagram_received(build_rtp(0, 1, 160, 7, PCMU.silence), ("127.0.0.1", 9))
        await s.close()
        return got, s.stats

    got, stats = run(main())
    assert len(got) == 1 and stats.malformed == 1


def test_lateness_window_is_what_was_added_since_the_copy():
    h = FineHistogram()
    for ms in [0.2] * 1000:
        h.add(ms)
    before = h.copy()
    for ms in [0.2] * 90 + [12.0] * 10:
        h.add(ms)
    window = h.since(before)
    assert window.total == 100
    assert 11.9 < window.quantile(0.99) < 12.2  # upper bound of its 0.1 ms bucket
    assert h.quantile(0.99) < window.quantile(0.99)  # the whole life dilutes the late window

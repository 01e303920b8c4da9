"""One 20 ms clock per process that drives the RTP sends of every call.

A timer per call would mean a thousand timers firing 50 times a second, each
with its own scheduling jitter; one tick that walks all sessions costs one
timer wake-up and keeps every stream on the same beat. Deadlines are
absolute on the monotonic clock (what the loop's timers use), so a late tick
does not shift the ones after it: the next tick comes sooner and catches
up. When the process is more than ``max_catch_up`` ticks behind, the missed
ticks are skipped instead of sent in a burst; sessions derive RTP timestamps
from the tick number, so the receiver sees a gap, not compressed audio.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Protocol

log = logging.getLogger(__name__)

INTERVAL = 0.020
# Fine lateness histogram: 0.1 ms buckets up to 100 ms (the last one open).
_FINE_STEP_MS = 0.1
_FINE_BUCKETS = 1000


class Paced(Protocol):
    def on_tick(self, tick: int, deadline: float, now: float) -> bool:
        """Send this tick's packet; return whether a packet was sent."""
        ...


class FineHistogram:
    """Send lateness in 0.1 ms steps, for process-wide p50/p99."""

    __slots__ = ("counts", "total", "max_ms")

    def __init__(self) -> None:
        self.counts = [0] * (_FINE_BUCKETS + 1)
        self.total = 0
        self.max_ms = 0.0

    def add(self, late_ms: float) -> None:
        i = int(late_ms / _FINE_STEP_MS) if late_ms > 0 else 0
        self.counts[i if i < _FINE_BUCKETS else _FINE_BUCKETS] += 1
        self.total += 1
        if late_ms > self.max_ms:
            self.max_ms = late_ms

    def quantile(self, q: float) -> float:
        if not self.total:
            return 0.0
        rank = q * self.total
        seen = 0
        for i, c in enumerate(self.counts):
            seen += c
            if seen >= rank and c:
                return (i + 1) * _FINE_STEP_MS if i < _FINE_BUCKETS else self.max_ms
        return self.max_ms

    def reset(self) -> None:
        self.counts = [0] * (_FINE_BUCKETS + 1)
        self.total = 0
        self.max_ms = 0.0

    def copy(self) -> FineHistogram:
        h = FineHistogram()
        h.counts, h.total, h.max_ms = list(self.counts), self.total, self.max_ms
        return h

    def since(self, earlier: FineHistogram) -> FineHistogram:
        """What was added after ``earlier`` (a copy of this one): the figures of a time window.
        Its max_ms is the highest bucket's upper bound (the true maximum is not kept per window)."""
        h = FineHistogram()
        h.counts = [a - b for a, b in zip(self.counts, earlier.counts, strict=True)]
        h.total = self.total - earlier.total
        top = max((i for i, c in enumerate(h.counts) if c), default=-1)
        h.max_ms = self.max_ms if top == _FINE_BUCKETS else (top + 1) * _FINE_STEP_MS if top >= 0 else 0.0
        return h


class Pacer:
    def __init__(self, interval: float = INTERVAL, max_catch_up: int = 3) -> None:
        self.interval = interval
        self.max_catch_up = max_catch_up
        self.tick = 0  # number of the next tick; sessions stamp RTP with it
        self.ticks = 0  # ticks run
        self.missed_ticks = 0
        self.tick_lateness = FineHistogram()  # when the timer fired vs its deadline
        self.send_lateness = FineHistogram()  # when each session's send started vs the deadline
        self._sessions: dict[Paced, None] = {}  # insertion-ordered set
        self._deadline = 0.0
        self._handle: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def __len__(self) -> int:
        return len(self._sessions)

    @property
    def running(self) -> bool:
        return self._handle is not None

    def add(self, session: Paced) -> None:
        """Start pacing a session (starts the clock on the running loop if needed)."""
        self._sessions[session] = None
        if self._handle is None:
            self.start()

    def discard(self, session: Paced) -> None:
        self._sessions.pop(session, None)
        if not self._sessions:
            self.stop()  # no wake-ups while idle; the next add starts a fresh grid

    def start(self) -> None:
        if self._handle is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._deadline = time.monotonic() + self.interval
        self._schedule()

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _schedule(self) -> None:
        assert self._loop is not None
        self._handle = self._loop.call_later(max(0.0, self._deadline - time.monotonic()), self._run)

    def _run(self) -> None:
        now = time.monotonic()
        behind = int((now - self._deadline) / self.interval)
        if behind > self.max_catch_up:
            # Too far behind to catch up without a burst: drop the missed ticks.
            self.missed_ticks += behind
            self.tick += behind
            self._deadline += behind * self.interval
        deadline = self._deadline
        self.tick_lateness.add((now - deadline) * 1000)
        tick = self.tick
        hist = self.send_lateness
        counts = hist.counts  # FineHistogram.add inlined: this loop runs 50 times a second per call
        scale = 1.0 / (_FINE_STEP_MS / 1000)
        sent = 0
        latest = 0.0
        monotonic = time.monotonic
        for session in list(self._sessions):
            t = monotonic()
            try:
                if session.on_tick(tick, deadline, t):
                    i = int((t - deadline) * scale)
                    counts[i if 0 <= i < _FINE_BUCKETS else (0 if i < 0 else _FINE_BUCKETS)] += 1
                    sent += 1
                    latest = t
            except Exception:  # one broken session must not silence the others
                log.exception("media session tick failed; removing it from the pacer")
                self._sessions.pop(session, None)
        if sent:
            hist.total += sent
            late_ms = (latest - deadline) * 1000  # the last send of a tick is its latest
            if late_ms > hist.max_ms:
                hist.max_ms = late_ms
        self.tick += 1
        self.ticks += 1
        self._deadline += self.interval
        if self._handle is not None:
            self._schedule()

    def lateness_ms(self, q: float) -> float:
        return self.send_lateness.quantile(q)

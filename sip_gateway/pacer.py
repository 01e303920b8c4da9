"""One 20 ms clock per process that drives the RTP sends of every call.

A timer per call would mean a thousand timers firing 50 times a second, each
with its own scheduling jitter; one clock that walks the sessions (in a few
groups, one per sub-tick, so that no single callback runs for milliseconds)
costs a few timer wake-ups and keeps every stream on the same beat. Deadlines are
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
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)

INTERVAL = 0.020
# What ``on_tick`` returns for a packet queued for the group's batched send (sip_gateway.rtpmux)
# rather than sent at once (True): its lateness is taken when the batch is flushed.
QUEUED = 2
# Fine lateness histogram: 0.1 ms buckets up to 100 ms (the last one open).
_FINE_STEP_MS = 0.1
_FINE_BUCKETS = 1000


class Paced(Protocol):
    def on_tick(self, tick: int, deadline: float, now: float) -> bool | int:
        """Send this tick's packet; return True when sent, ``QUEUED`` when queued for the
        group's flush, False when nothing was sent."""
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
    """The process's 20 ms clock. Sessions are spread over ``phases`` groups, each sent on
    its own sub-tick (every ``interval / phases``): a thousand sends in one callback take
    several milliseconds, which made the last sessions of a tick late, and the inbound
    packets waiting behind the tick too. Every session still sends every ``interval`` on
    an absolute grid (its group's offset into the 20 ms); a new session joins the
    smallest group."""

    def __init__(self, interval: float = INTERVAL, max_catch_up: int = 3, phases: int = 4) -> None:
        if phases < 1:
            raise ValueError("phases must be at least 1")
        self.interval = interval
        self.max_catch_up = max_catch_up
        self.phases = phases
        self.tick = 0  # number of the current 20 ms tick; sessions stamp RTP with it
        self.ticks = 0  # sub-ticks run that had sessions to send for
        self.missed_ticks = 0
        self.tick_lateness = FineHistogram()  # when the timer fired vs its deadline (sub-ticks with sessions)
        self.send_lateness = FineHistogram()  # when each session's send started vs its deadline
        self._groups: list[dict[Paced, None]] = [{} for _ in range(phases)]  # insertion-ordered sets
        self._group_of: dict[Paced, int] = {}
        self._phase = 0  # the group the next sub-tick sends for
        self._deadline = 0.0  # of the next sub-tick
        self._handle: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._flushers: list[Callable[[], object]] = []  # batched senders, flushed after each group

    def add_flush(self, flush: Callable[[], object]) -> None:
        """Call ``flush`` after each group's sends (a batched sender's one system call)."""
        if flush not in self._flushers:
            self._flushers.append(flush)

    def remove_flush(self, flush: Callable[[], object]) -> None:
        if flush in self._flushers:
            self._flushers.remove(flush)

    def __len__(self) -> int:
        return len(self._group_of)

    @property
    def running(self) -> bool:
        return self._handle is not None

    def add(self, session: Paced) -> None:
        """Start pacing a session (starts the clock on the running loop if needed)."""
        if session not in self._group_of:
            phase = min(range(self.phases), key=lambda p: len(self._groups[p]))
            self._groups[phase][session] = None
            self._group_of[session] = phase
        if self._handle is None:
            self.start()

    def discard(self, session: Paced) -> None:
        phase = self._group_of.pop(session, None)
        if phase is not None:
            self._groups[phase].pop(session, None)
        if not self._group_of:
            self.stop()  # no wake-ups while idle; the next add starts a fresh grid

    def start(self) -> None:
        if self._handle is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._phase = 0
        self._deadline = time.monotonic() + self.interval
        self._schedule()

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _schedule(self) -> None:
        assert self._loop is not None
        self._handle = self._loop.call_later(max(0.0, self._deadline - time.monotonic()), self._run)

    def _advance(self, steps: int) -> None:
        step = self.interval / self.phases
        for _ in range(steps):
            self._deadline += step
            self._phase += 1
            if self._phase == self.phases:
                self._phase = 0
                self.tick += 1

    def _run(self) -> None:
        me = self._handle
        now = time.monotonic()
        step = self.interval / self.phases
        behind = int((now - self._deadline) / step)
        if behind > self.max_catch_up * self.phases:
            # Too far behind to catch up without a burst: drop the missed sub-ticks.
            self.missed_ticks += behind // self.phases
            self._advance(behind)
        deadline = self._deadline
        group = self._groups[self._phase]
        if group:
            self.tick_lateness.add((now - deadline) * 1000)
            self.ticks += 1
            self._send(group, deadline)
        if self._handle is not me:
            return  # stopped (and maybe started afresh) by a session during this sub-tick
        self._advance(1)
        self._schedule()

    def _send(self, group: dict[Paced, None], deadline: float) -> None:
        tick = self.tick
        hist = self.send_lateness
        counts = hist.counts  # FineHistogram.add inlined: this loop runs 50 times a second per call
        scale = 1.0 / (_FINE_STEP_MS / 1000)
        sent = queued = 0
        latest = 0.0
        monotonic = time.monotonic
        for session in list(group):
            t = monotonic()
            try:
                r = session.on_tick(tick, deadline, t)
                if r is True:
                    i = int((t - deadline) * scale)
                    counts[i if 0 <= i < _FINE_BUCKETS else (0 if i < 0 else _FINE_BUCKETS)] += 1
                    sent += 1
                    latest = t
                elif r:
                    queued += 1
            except Exception:  # one broken session must not silence the others
                log.exception("media session tick failed; removing it from the pacer")
                group.pop(session, None)
                self._group_of.pop(session, None)
        if queued:
            for flush in self._flushers:
                try:
                    flush()
                except Exception:
                    log.exception("batched RTP send failed")
            # Queued packets leave with the flush: each counts as late as the flush's end (when
            # the kernel has taken the whole batch), so /metrics does not flatter batching.
            t = monotonic()
            i = int((t - deadline) * scale)
            counts[i if 0 <= i < _FINE_BUCKETS else (0 if i < 0 else _FINE_BUCKETS)] += queued
            sent += queued
            latest = t
        if sent:
            hist.total += sent
            late_ms = (latest - deadline) * 1000  # the last send of a sub-tick is its latest
            if late_ms > hist.max_ms:
                hist.max_ms = late_ms

    def lateness_ms(self, q: float) -> float:
        return self.send_lateness.quantile(q)

"""A small reordering jitter buffer keyed by RTP sequence number, no I/O.

Packets go in as they arrive and come out in sequence order. A missing
packet is waited for while fewer than ``depth`` later packets are held and
for at most ``max_wait`` seconds; then it is declared lost and skipped.
Packets older than what was already released are dropped: ``late`` when they
had been declared lost, ``duplicates`` otherwise.

Release is driven by arrivals (and by ``poll`` from the pacer tick), not by a
playout clock of its own: the consumer is a recogniser that wants frames in
order, not a loudspeaker, so no per-call timer is needed.

Adaptive depth: each late packet (one that arrived after being given up on)
deepens the buffer by one, up to ``max_depth``; after ``shrink_after`` packets
in a row without one it shrinks back by one towards ``min_depth``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

SEQ_MOD = 1 << 16
_HALF = 1 << 15
MAX_JUMP = 3000  # a jump larger than this (60 s at 50 pps) is a restarted stream, not loss


@dataclass(slots=True)
class JitterCounters:
    received: int = 0
    released: int = 0
    lost: int = 0  # never released: skipped after waiting
    late: int = 0  # arrived after being declared lost (dropped)
    duplicates: int = 0
    resets: int = 0  # sequence jumps treated as a new stream


class JitterBuffer(Generic[T]):
    def __init__(
        self,
        depth: int = 2,
        *,
        min_depth: int = 0,
        max_depth: int = 8,
        adaptive: bool = True,
        max_wait: float = 0.08,
        shrink_after: int = 500,
    ) -> None:
        if not 0 <= min_depth <= depth <= max_depth:
            raise ValueError("need 0 <= min_depth <= depth <= max_depth")
        self.depth = depth
        self.min_depth = min_depth
        self.max_depth = max_depth
        self.adaptive = adaptive
        self.max_wait = max_wait
        self.shrink_after = shrink_after
        self.counters = JitterCounters()
        # The packets waiting, by extended sequence number, with their arrival time. Read-only
        # outside; always the same dict (the media session keeps a reference to test it cheaply).
        self.held: dict[int, tuple[T, float]] = {}
        self._next: int | None = None  # extended sequence number to release next
        self._highest: int | None = None
        self._given_up: set[int] = set()  # recently skipped numbers, to tell late from duplicate
        self._clean_run = 0

    def __len__(self) -> int:
        return len(self.held)

    def reset(self) -> list[T]:
        """Forget the stream (e.g. a new SSRC); returns what was still held, in order."""
        out = [self.held[k][0] for k in sorted(self.held)]
        self.counters.released += len(out)
        self.held.clear()
        self._given_up.clear()
        self._next = self._highest = None
        return out

    def _extend(self, seq: int) -> int:
        if self._highest is None:
            return seq + SEQ_MOD  # start one cycle up so small backward steps stay positive
        delta = (seq - self._highest) % SEQ_MOD
        if delta >= _HALF:
            delta -= SEQ_MOD
        return self._highest + delta

    def push(self, sequence: int, item: T, now: float) -> list[T]:
        """Add one packet; returns the items now ready, in order."""
        self.counters.received += 1
        ext = self._extend(sequence & 0xFFFF)
        if ext == self._next and not self.held:
            # The common case, next in order with nothing held: straight through.
            self._highest = ext
            self._next = ext + 1
            self.counters.released += 1
            if self.adaptive:
                self._clean()
            return [item]
        out: list[T] = []
        if self._highest is not None and abs(ext - self._highest) > MAX_JUMP:
            self.counters.resets += 1
            out = self.reset()
            ext = self._extend(sequence & 0xFFFF)
        if self._next is None:
            self._next = ext
        if ext < self._next:
            if ext in self._given_up:
                self._given_up.discard(ext)
                self.counters.late += 1
                self._clean_run = 0
                if self.adaptive and self.depth < self.max_depth:
                    self.depth += 1
            else:
                self.counters.duplicates += 1
            return out
        if ext in self.held:
            self.counters.duplicates += 1
            return out
        self.held[ext] = (item, now)
        if self._highest is None or ext > self._highest:
            self._highest = ext
        if self.adaptive:
            self._clean()
        self._drain(now, out)
        return out

    def _clean(self) -> None:
        self._clean_run += 1
        if self._clean_run >= self.shrink_after:
            self._clean_run = 0
            if self.depth > self.min_depth:
                self.depth -= 1

    def poll(self, now: float) -> list[T]:
        """Release what waited too long for a missing packet (called on the pacer tick)."""
        out: list[T] = []
        if self.held:
            self._drain(now, out)
        return out

    def _drain(self, now: float, out: list[T]) -> None:
        slots = self.held
        while slots:
            nxt = self._next
            entry = slots.pop(nxt, None)
            if entry is not None:
                out.append(entry[0])
                self._next = nxt + 1
                self.counters.released += 1
                continue
            first = min(slots)
            if len(slots) <= self.depth and now - slots[first][1] < self.max_wait:
                return
            missing = range(nxt, first)
            self.counters.lost += len(missing)
            self._given_up.update(missing)
            if len(self._given_up) > 1024:
                floor = first - 512
                self._given_up = {s for s in self._given_up if s >= floor}
            self._next = first

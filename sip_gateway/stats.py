"""Per-session RTP counters, the RFC 3550 interarrival jitter, and a lateness histogram
with fixed buckets. Plain numbers, no I/O: read by metrics and the CDR. (Send lateness
is measured once per process by the pacer, not per session: one less call per packet.)"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

# Upper bounds (ms) of the lateness buckets; the last bucket is open-ended.
LATENESS_BOUNDS_MS: tuple[float, ...] = (0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 100)


@dataclass(slots=True)
class LatenessHistogram:
    """How late sends were against their 20 ms deadline, in fixed buckets."""

    bounds_ms: tuple[float, ...] = LATENESS_BOUNDS_MS
    counts: list[int] = field(default_factory=list)
    total: int = 0
    max_ms: float = 0.0

    def __post_init__(self) -> None:
        if not self.counts:
            self.counts = [0] * (len(self.bounds_ms) + 1)

    def add(self, late_ms: float) -> None:
        self.counts[bisect_right(self.bounds_ms, late_ms)] += 1
        self.total += 1
        if late_ms > self.max_ms:
            self.max_ms = late_ms

    def merge(self, other: LatenessHistogram) -> None:
        if other.bounds_ms != self.bounds_ms:
            raise ValueError("histograms with different buckets")
        for i, c in enumerate(other.counts):
            self.counts[i] += c
        self.total += other.total
        self.max_ms = max(self.max_ms, other.max_ms)

    def quantile(self, q: float) -> float:
        """Upper bound of the bucket holding the q-quantile (max_ms for the open bucket)."""
        if not self.total:
            return 0.0
        rank = q * self.total
        seen = 0
        for i, c in enumerate(self.counts):
            seen += c
            if seen >= rank and c:
                return self.bounds_ms[i] if i < len(self.bounds_ms) else self.max_ms
        return self.max_ms


@dataclass(slots=True)
class SessionStats:
    packets_in: int = 0
    bytes_in: int = 0  # RTP payload bytes
    packets_out: int = 0
    bytes_out: int = 0
    malformed: int = 0  # datagrams that were not RTP
    foreign: int = 0  # RTP from an unexpected payload type or, once latched, another source
    lost: int = 0
    late: int = 0
    duplicates: int = 0
    dropped_frames: int = 0  # the consumer did not keep up with the inbound queue
    dtmf_events: int = 0
    send_errors: int = 0
    missed_ticks: int = 0  # pacer ticks skipped because the process was too late to catch up
    jitter: float = 0.0  # RFC 3550 §6.4.1 interarrival jitter, timestamp units
    _transit: float | None = None

    def update_jitter(self, rtp_timestamp: int, arrival: float, clock_rate: int = 8000) -> None:
        """J += (|D| - J) / 16 with D the change in transit time (A.8 of RFC 3550)."""
        transit = arrival * clock_rate - rtp_timestamp
        if self._transit is not None:
            d = abs(transit - self._transit)
            if d < 0x7FFFFFFF:  # a timestamp wrap or a new stream is not jitter
                self.jitter += (d - self.jitter) / 16
        self._transit = transit

    def reset_transit(self) -> None:
        self._transit = None

    def jitter_ms(self, clock_rate: int = 8000) -> float:
        return self.jitter * 1000 / clock_rate

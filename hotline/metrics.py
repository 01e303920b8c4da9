"""Prometheus metrics of one process, on a registry of its own (no module-level state)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily

# Upper bounds (ms) of the exported send-lateness histogram: fine around the 10 ms target.
SEND_LATENESS_BUCKETS_MS = (0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12.5, 15, 20, 30, 50, 100)  # the pacer counts to 100
FINE_STEP_MS = 0.1  # the pacer's histogram steps (sip_gateway.pacer.FineHistogram)


def lateness_buckets(counts: Sequence[int], total: int) -> tuple[list[tuple[str, float]], float]:
    """Cumulative Prometheus buckets (le in seconds) and an estimated sum (each 0.1 ms step
    at its midpoint) from the pacer's fine counts."""
    buckets: list[tuple[str, float]] = []
    acc = i = 0
    for bound in SEND_LATENESS_BUCKETS_MS:
        limit = min(round(bound / FINE_STEP_MS), len(counts))
        while i < limit:
            acc += counts[i]
            i += 1
        buckets.append((repr(bound / 1000), acc))
    buckets.append(("+Inf", total))
    total_ms = sum(c * (k + 0.5) * FINE_STEP_MS for k, c in enumerate(counts) if c)
    return buckets, total_ms / 1000


class _Pacing:
    """Exports the pacer's cumulative lateness histogram and its skipped ticks at scrape time
    (the pacer counts in plain lists on its hot path; a prometheus Histogram there would cost
    a lock per packet). ``source`` gives (fine counts, packets, missed ticks)."""

    def __init__(self) -> None:
        self.source: Callable[[], tuple[Sequence[int], int, int]] | None = None

    def collect(self) -> Iterator[HistogramMetricFamily | CounterMetricFamily]:
        if self.source is None:
            return
        counts, total, missed = self.source()
        buckets, total_s = lateness_buckets(list(counts), total)
        yield HistogramMetricFamily(
            "hotline_rtp_send_lateness_seconds",
            "Pacer send-timing lateness of every RTP packet since start (for any window's quantiles)",
            buckets=buckets, sum_value=total_s)
        # A stall longer than the pacer's catch-up skips whole 20 ms ticks: audio never sent
        # (a gap at the caller), which the lateness above does not count.
        yield CounterMetricFamily(
            "hotline_rtp_missed_ticks", "20 ms ticks the pacer skipped after a stall (no packet sent)",
            value=missed)


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.http_requests = Counter("hotline_http_requests_total", "HTTP requests", ["method", "status"], registry=r)
        self.procedures = Gauge("hotline_procedures", "Procedures in the catalogue", ["status"], registry=r)
        self.asks = Counter("hotline_asks_total", "Text-channel turns by decision", ["action"], registry=r)
        self.match_seconds = Histogram(
            "hotline_match_seconds", "Matcher latency", registry=r,
            buckets=(0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.1),
        )

        self.active_calls = Gauge("hotline_active_calls", "Calls in progress", registry=r)
        self.calls = Counter("hotline_calls_total", "Ended calls by outcome", ["outcome"], registry=r)
        self.asr_queue = Gauge("hotline_asr_queue_depth", "Utterances waiting for a recogniser", registry=r)
        self.asr_seconds = Histogram(
            "hotline_asr_seconds", "Recognition time per utterance, queueing included", registry=r,
            buckets=(0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10),
        )
        self.voice_to_voice = Histogram(
            "hotline_voice_to_voice_seconds", "End of caller speech to first audio of the reply", registry=r,
            buckets=(0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4, 6, 10),
        )
        self.rtp_lost = Counter("hotline_rtp_lost_packets_total", "Inbound RTP packets lost", registry=r)
        self.rtp_late = Counter("hotline_rtp_late_packets_total", "Inbound RTP packets too late to play", registry=r)
        self.rtp_send_late_ms = Gauge(
            "hotline_rtp_send_lateness_p99_ms", "Pacer send-timing lateness, 99th percentile over the last 2 s",
            registry=r)
        self.rtp_mux = Gauge(
            "hotline_rtp_mux_datagrams", "Shared RTP socket totals: in, out, and dropped as unknown, ambiguous or after the call ended",
            ["kind"], registry=r)
        self.gc_pause = Histogram(
            "hotline_gc_pause_seconds", "Garbage-collector pauses of the serving process, by generation",
            ["generation"], registry=r, buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25),
        )
        self.pacing = _Pacing()  # the gateway sets .source; nothing exported before
        r.register(self.pacing)
        self.cdr_queue = Gauge("hotline_cdr_queue_depth", "Call-record writes waiting for the database",
                               registry=r)
        self.cdr_lag = Histogram(
            "hotline_cdr_lag_seconds", "Oldest write of a call-record batch: queued to committed", registry=r,
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)

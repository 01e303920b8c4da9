"""Prometheus metrics of one process, on a registry of its own (no module-level state)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


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
            "hotline_rtp_mux_datagrams", "Shared RTP socket totals: in, out, and dropped as unknown or ambiguous",
            ["kind"], registry=r)
        self.gc_pause = Histogram(
            "hotline_gc_pause_seconds", "Garbage-collector pauses of the serving process, by generation",
            ["generation"], registry=r, buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25),
        )
        self.cdr_queue = Gauge("hotline_cdr_queue_depth", "Call-record writes waiting for the database",
                               registry=r)
        self.cdr_lag = Histogram(
            "hotline_cdr_lag_seconds", "Oldest write of a call-record batch: queued to committed", registry=r,
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)

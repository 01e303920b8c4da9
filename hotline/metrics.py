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

    def render(self) -> bytes:
        return generate_latest(self.registry)

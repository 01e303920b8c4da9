"""The pacer's send lateness exported as a cumulative Prometheus histogram, and its skipped ticks."""

from __future__ import annotations

import re

from hotline.metrics import Metrics
from sip_gateway.pacer import FineHistogram


def _buckets(text: str) -> dict[str, float]:
    return dict(re.findall(r'^hotline_rtp_send_lateness_seconds_bucket\{le="([^"]+)"\} (\S+)$', text, re.M))


def test_nothing_is_exported_before_a_gateway_sets_the_source():
    assert "hotline_rtp_send_lateness_seconds" not in Metrics().render().decode()


def test_the_fine_histogram_becomes_cumulative_buckets():
    h = FineHistogram()
    for late_ms in (0.05, 0.3, 1.5, 9.95, 12.0, 300.0):
        h.add(late_ms)
    m = Metrics()
    m.pacing.source = lambda: (h.counts, h.total, 3)
    text = m.render().decode()
    b = {k: float(v) for k, v in _buckets(text).items()}
    assert b["0.0005"] == 2 and b["0.002"] == 3 and b["0.01"] == 4 and b["0.0125"] == 5
    assert b["0.1"] == 5  # 300 ms is beyond what the pacer tells apart: only in +Inf
    assert b["+Inf"] == 6
    assert list(b.values()) == sorted(b.values())  # cumulative
    assert re.search(r"^hotline_rtp_send_lateness_seconds_count 6\.0$", text, re.M)
    total = float(re.search(r"^hotline_rtp_send_lateness_seconds_sum (\S+)$", text, re.M).group(1))
    assert 0.12 < total < 0.13  # 0.1 ms steps at their midpoints, the overflow at 100 ms
    assert re.search(r"^hotline_rtp_missed_ticks_total 3\.0$", text, re.M)

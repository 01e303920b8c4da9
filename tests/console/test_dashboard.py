"""Dashboard figures: pure computation on known rows, and the page on recorded calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hotline import dashboard
from hotline.callrecords import TurnRecord
from hotline.console import charts
from hotline.dashboard import CallView, TurnView, compute, percentile

from .conftest import login

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_compute_counts_rates_concurrency_and_latency():
    calls = [
        CallView("a", "sip", at(1), at(5), "answered", ("1.001193",)),
        CallView("b", "sip", at(2), at(4), "transferred"),
        CallView("c", "sip", at(3), at(70), "answered", ("1.001193", "1.001456")),
        CallView("d", "text", at(65), None, ""),  # still in progress
        CallView("e", "sip", at(66), at(66.2), "abandoned"),  # hung up during the greeting
        CallView("old", "sip", at(-600), at(-590), "answered"),  # outside the window
    ]
    turns = [TurnView("a", "làm khai sinh", "answer", 900.0), TurnView("b", "ừ à", "no_match", 1500.0),
             TurnView("b", "gặp nhân viên", "operator", 700.0), TurnView("c", "", "greeting", None),
             TurnView("c", "hộ chiếu", "answer", 1100.0), TurnView("old", "x", "no_match", 5.0)]
    d = compute(calls, turns, since=T0, until=at(120))
    assert d.calls == 5
    assert d.per_hour == [(T0, 3), (at(60), 2)]
    assert d.peak_concurrency == 3
    assert max(v for _, v in d.concurrency) == 3 and d.concurrency[-1] == (at(120), 1)  # "d" is still open
    assert d.outcomes == {"answered": 2, "transferred": 1, "abandoned": 1}
    assert d.containment_rate == 2 / 3 and d.transfer_rate == 1 / 3
    assert d.top_procedures == [("1.001193", 2), ("1.001456", 1)]
    assert (d.utterances, d.unmatched) == (4, 1) and d.unmatched_rate == 0.25
    assert d.latency_count == 4 and d.latency_ms[50] == 900.0 and d.latency_ms[99] == 1500.0
    assert d.by_channel == {"sip": 4, "text": 1}


def test_empty_window_and_percentile():
    d = compute([], [], since=T0, until=at(180))
    assert d.calls == 0 and d.containment_rate is None and d.unmatched_rate is None and d.latency_ms == {}
    assert len(d.per_hour) == 3
    assert percentile([1, 2, 3, 4], 50) == 2 and percentile([1, 2, 3, 4], 100) == 4 and percentile([7], 99) == 7


def test_charts_are_svg_with_one_bar_per_bucket():
    svg = charts.bars("Số cuộc gọi", [(at(60 * i), i) for i in range(5)])
    assert svg.startswith("<svg") and svg.count('class="bar"') == 5 and "Số cuộc gọi" in svg
    assert charts.steps("x", [(at(0), 0), (at(5), 2), (at(9), 1)]).count("<path") == 1
    assert charts.hbars("t", [("<b>", 3)]).count("&lt;b&gt;") >= 1  # labels are escaped


def test_load_and_page_on_recorded_calls(client, services):
    records = services.calls
    records.start("sip-1", channel="sip")
    answer = {"index": 1, "heard_text": "làm hộ chiếu", "decision": "answer", "procedure_code": "1.001456",
              "state_before": "listening", "state_after": "reading", "action": "continue"}
    records.add_turn("sip-1", TurnRecord.from_event(answer, latency_ms=850.0))
    unheard = {"index": 2, "heard_text": "ờ thôi", "decision": "no_match", "state_after": "listening"}
    records.add_turn("sip-1", TurnRecord.from_event(unheard, latency_ms=1250.0))
    records.end("sip-1", cause="bye", outcome="answered")
    sid = client.post("/api/v1/sessions").json()["id"]
    client.post(f"/api/v1/sessions/{sid}/turns", json={"text": "cho gặp nhân viên"})
    client.delete(f"/api/v1/sessions/{sid}")

    now = datetime.now(UTC)
    d = dashboard.load(services.db.sessions, since=now - timedelta(hours=1), until=now + timedelta(seconds=1))
    assert d.calls == 2 and d.by_channel == {"sip": 1, "text": 1}
    assert d.top_procedures == [("1.001456", 1)]
    assert d.latency_count == 2 and d.latency_ms[50] == 850.0
    sip = dashboard.load(services.db.sessions, since=now - timedelta(hours=1), until=now + timedelta(seconds=1),
                         channel="sip")
    assert sip.calls == 1 and sip.containment_rate == 1.0

    login(client, "chi")
    page = client.get("/console/dashboard", params={"hours": 6}).text
    assert page.count("<svg") >= 3
    assert "Cấp hộ chiếu" in page and "850 ms" in page

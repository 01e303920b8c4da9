"""The load tester's pure parts: /proc and /metrics parsing, the caller mix, failure
causes, correctness from a call record, the SVG plots and the summary."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET

import pytest

from hotline.caller import CallResult, Heard, Step
from hotline.loadtest import procfs, svgplot
from hotline.loadtest.pool import Script, mix, seed_menu_paths
from hotline.loadtest.report import html_report, percentiles, summarize, terminal_summary
from hotline.loadtest.runner import (
    CallOutcome,
    LoadConfig,
    LoadResult,
    Sample,
    check_record,
    classify,
    target_port,
)

STAT = "4242 (hot line (x)) S 1 4242 4242 0 -1 4194560 500 0 0 0 250 50 0 0 20 0 3 0 100 1000 100"


def test_parse_stat_takes_utime_and_stime_after_a_name_with_spaces():
    assert procfs.parse_stat(STAT) == pytest.approx(300 / procfs.CLK_TCK)


def test_reading_this_process():
    sample = procfs.read_proc(os.getpid())
    assert sample is not None and sample.rss_bytes > 1_000_000 and sample.cpu_s > 0
    assert procfs.read_proc(2**31 - 1) is None


def test_udp_inodes_and_metrics():
    table = ("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
             "  1: 0100007F:13C4 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 98765 2\n"
             "  2: 0100007F:13C5 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 11111 2\n")
    assert procfs.parse_udp_inodes(table, 5060) == {98765}
    text = ('# HELP x\nhotline_active_calls 12.0\nhotline_calls_total{outcome="answered"} 3\n'
            'hotline_calls_total{outcome="failed"} 2\nbroken line\n')
    m = procfs.parse_metrics(text)
    assert m["hotline_active_calls"] == 12 and m["hotline_calls_total"] == 5


def _script(name, speech):
    return Script(name, (Step("audio", pcm=b"\0\0"),) if speech else (Step("digits", "9"),), "1.0")


def test_mix_spreads_speakers_evenly():
    speech, keypad = [_script("s1", True), _script("s2", True)], [_script("k1", False)]
    out = mix(speech, keypad, 6, 1 / 3)
    assert [s.name for s in out] == ["k1", "s1", "k1", "k1", "s2", "k1"]
    assert all(s.speech_steps for s in mix(speech, keypad, 5, 1.0))
    with pytest.raises(ValueError):
        mix(speech, [], 3, 0.5)


def test_menu_paths_follow_the_seed_menu():
    paths = seed_menu_paths(limit=2)
    assert [d for d, _ in paths] == ["911", "921"]
    assert all(code.count(".") == 1 for _, code in paths)


def test_classify_failures():
    assert classify(CallResult(failure="CallFailed: 503 Service Unavailable")) == ("failed", "sip_503")
    assert classify(CallResult(failure="TimeoutError: ")) == ("failed", "setup_timeout")
    assert classify(CallResult(connected=True)) == ("failed", "no_audio")
    assert classify(CallResult(connected=True, prompts=[Heard(0.1, 2)])) == ("answered", "")


def test_config_is_bounded_and_checked():
    with pytest.raises(ValueError):
        LoadConfig("127.0.0.1:5060", calls=1, rate=1)
    with pytest.raises(ValueError):
        LoadConfig("sip:127.0.0.1:5060", calls=0, rate=1)
    assert target_port("sip:hotline@127.0.0.1:5080") == ("127.0.0.1", 5080)
    assert target_port("sip:10.0.0.2") == ("10.0.0.2", 5060)


def _result() -> LoadResult:
    calls = []
    for i in range(4):
        r = CallResult(call_id=f"c{i}", connected=i < 3, setup_s=0.01 * (i + 1), prompts=[Heard(0.2, 3)] * (i < 3),
                       reply_latency_s=[1.0 + i] if i < 3 else [], packets_in=100, packets_out=90, lost=i)
        o = CallOutcome(i, "ask:1.001456", "1.001456", i * 0.5, r)
        o.status, o.cause = classify(r) if i < 3 else ("failed", "sip_503")
        if i < 3:
            check_record(o, {"procedures": ["1.001456"] if i else ["2.000001"],
                             "turns": [{"latency_ms": 900.0}, {"latency_ms": None}]})
        calls.append(o)
    samples = [Sample(t=float(t), active=min(t, 3), started=t, done=0, server_cpu_pct=20.0 + t) for t in range(5)]
    return LoadResult(LoadConfig("sip:127.0.0.1:5060", calls=4, rate=2), calls, samples, 0.0, 5.0, False, 0.5, 1)


def test_summary_counts_correctness_and_latency():
    s = summarize(_result())
    assert s["calls"] == {"attempted": 4, "answered": 3, "failed": 1, "failed_by_cause": {"sip_503": 1},
                          "max_concurrent": 3}
    assert s["correctness"]["checked"] == 3 and s["correctness"]["correct"] == 2 and s["correctness"]["wrong"] == 1
    assert s["voice_to_voice_s"]["p50"] == 2.0 and s["voice_to_voice_s"]["max"] == 3.0
    assert s["server_voice_to_voice_s"]["n"] == 3
    assert s["rtp"]["from_hotline"]["lost"] == 6
    assert s["server"]["cpu_pct"] == {"mean": 22.0, "max": 24.0}
    assert "correct 2/3" in terminal_summary(s)
    assert percentiles([]) is None


def test_html_report_holds_three_valid_svg_plots():
    page = html_report(_result())
    svgs = page.split("<svg")[1:]
    assert len(svgs) == 4
    for chunk in svgs:
        ET.fromstring("<svg" + chunk.split("</svg>")[0] + "</svg>")  # well-formed
    assert "Voice-to-voice latency over time" in page and "Concurrency over time" in page
    assert "histogram" in page and page.count("<tr>") == 5


def test_histogram_puts_every_value_in_a_bin():
    svg = svgplot.histogram("h", [0.1, 0.2, 5.0, 9.9], bins=10)
    counts = [int(t.split("</title>")[0]) for t in svg.split("<title>")[1:]]
    assert sum(counts) == 4 and len(counts) == 10
    assert "no data" in svgplot.histogram("h", [])


def test_run_queue_wait_from_schedstat():
    assert procfs.parse_schedstat("123456789 2500000000 42\n") == 2.5
    assert procfs.read_run_queue_wait(os.getpid()) is not None

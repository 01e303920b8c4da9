"""Load-test results as a summary dict (the JSON report), a terminal summary, a live
progress line, and a self-contained HTML page with inline SVG plots."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Sequence
from html import escape
from pathlib import Path

import numpy as np

from hotline.loadtest import svgplot
from hotline.loadtest.runner import CallOutcome, LoadResult, Sample


def percentiles(values: Sequence[float], qs: Sequence[int] = (50, 90, 95, 99)) -> dict[str, float] | None:
    if not values:
        return None
    arr = np.asarray(values, dtype=float)
    out = {f"p{q}": round(float(np.percentile(arr, q)), 4) for q in qs}
    out |= {"max": round(float(arr.max()), 4), "mean": round(float(arr.mean()), 4), "n": int(arr.size)}
    return out


def _mean_max(values: list[float]) -> dict[str, float] | None:
    return {"mean": round(float(np.mean(values)), 2), "max": round(float(np.max(values)), 2)} if values else None


def summarize(result: LoadResult) -> dict:
    calls = result.calls
    answered = [c for c in calls if c.status == "answered"]
    checked = [c for c in calls if c.correct is not None]
    correct = [c for c in checked if c.correct]
    latencies = [x for c in answered for x in c.result.reply_latency_s]
    server_lat = [x / 1000 for c in answered for x in c.server_latency_ms]
    packets_in = sum(c.result.packets_in for c in calls)
    lost_in = sum(c.result.lost for c in calls)
    packets_out = sum(c.result.packets_out for c in calls)
    samples = result.samples
    server_lost = None
    lasts = [s.server_rtp_lost for s in samples if s.server_rtp_lost is not None]
    if lasts and result.server_rtp_lost_before is not None:
        server_lost = lasts[-1] - result.server_rtp_lost_before
    cfg = result.config
    return {
        "target": cfg.target, "calls_requested": cfg.calls, "rate_per_s": cfg.rate, "hold_s": cfg.hold_s,
        "time_limit_s": cfg.time_limit_s, "hit_time_limit": result.hit_time_limit,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(result.started_at)),
        "duration_s": round(result.duration_s, 2),
        "calls": {
            "attempted": len(calls), "answered": len(answered), "failed": len(calls) - len(answered),
            "failed_by_cause": dict(Counter(c.cause for c in calls if c.status != "answered")),
            "max_concurrent": max((s.active for s in samples), default=0),
        },
        "correctness": {
            "checked": len(checked), "correct": len(correct), "wrong": len(checked) - len(correct),
            "unchecked": len(calls) - len(checked),
            "rate": round(len(correct) / len(checked), 4) if checked else None,
            "record_errors": dict(Counter(c.record_error for c in calls if c.record_error)),
        },
        "setup_s": percentiles([c.result.setup_s for c in calls if c.result.setup_s is not None]),
        "voice_to_voice_s": percentiles(latencies),
        "server_voice_to_voice_s": percentiles(server_lat),
        "rtp": {
            "from_hotline": {"packets": packets_in, "lost": lost_in,
                             "loss_rate": round(lost_in / max(1, packets_in + lost_in), 6),
                             "jitter_ms": percentiles([c.result.jitter_ms for c in calls if c.result.connected])},
            "to_hotline": {"packets": packets_out, "lost_by_hotline": server_lost},
            "tester_send_p99_ms": round(result.tester_send_p99_ms, 3),
        },
        "server": {
            "pid": result.server_pid,
            "cpu_pct": _mean_max([s.server_cpu_pct for s in samples if s.server_cpu_pct is not None]),
            "rss_mb": _mean_max([s.server_rss_mb for s in samples if s.server_rss_mb is not None]),
            "send_p99_ms": _mean_max([s.server_send_p99_ms for s in samples if s.server_send_p99_ms is not None]),
            "asr_queue": _mean_max([s.asr_queue for s in samples if s.asr_queue is not None]),
        },
        "tester_cpu_pct": _mean_max([s.tester_cpu_pct for s in samples if s.tester_cpu_pct is not None]),
    }


def to_json(result: LoadResult) -> dict:
    return {"summary": summarize(result), "calls": [c.to_dict() for c in result.calls],
            "samples": [s.to_dict() for s in result.samples]}


def progress_line(outcomes: Sequence[CallOutcome], sample: Sample, total: int) -> str:
    done = [o for o in outcomes if o.status]
    ok = sum(1 for o in done if o.status == "answered")
    right = sum(1 for o in done if o.correct)
    checked = sum(1 for o in done if o.correct is not None)
    cpu = f" server cpu {sample.server_cpu_pct:5.1f}%" if sample.server_cpu_pct is not None else ""
    return (f"\r[{sample.t:6.1f}s] started {sample.started}/{total}  active {sample.active:4d}  "
            f"done {len(done)}  answered {ok}  correct {right}/{checked}{cpu}   ")


def _p(d: dict | None, key: str, scale: float = 1.0, unit: str = "") -> str:
    return "-" if not d else f"{d[key] * scale:.{0 if scale > 1 else 2}f}{unit}"


def terminal_summary(summary: dict) -> str:
    c, k, rtp, srv = summary["calls"], summary["correctness"], summary["rtp"], summary["server"]
    v2v, setup, sv = summary["voice_to_voice_s"], summary["setup_s"], summary["server_voice_to_voice_s"]
    causes = ", ".join(f"{n} {cause}" for cause, n in c["failed_by_cause"].items()) or "none"
    lines = [
        f"hotline loadtest → {summary['target']}: {summary['calls_requested']} calls at {summary['rate_per_s']}/s, "
        f"{summary['duration_s']} s{' (TIME LIMIT HIT)' if summary['hit_time_limit'] else ''}",
        f"  calls      attempted {c['attempted']}  answered {c['answered']}  failed {c['failed']} ({causes})"
        f"  max concurrent {c['max_concurrent']}",
        f"  answers    correct {k['correct']}/{k['checked']} checked"
        + (f" ({100 * k['rate']:.1f}%)" if k["rate"] is not None else "") + f", unchecked {k['unchecked']}",
        f"  setup      p50 {_p(setup, 'p50', 1000, ' ms')}  p99 {_p(setup, 'p99', 1000, ' ms')}",
        f"  voice→voice (caller) p50 {_p(v2v, 'p50', 1, ' s')}  p90 {_p(v2v, 'p90', 1, ' s')}  "
        f"p99 {_p(v2v, 'p99', 1, ' s')}  max {_p(v2v, 'max', 1, ' s')}",
        f"  voice→voice (server) p50 {_p(sv, 'p50', 1, ' s')}  p99 {_p(sv, 'p99', 1, ' s')}",
        f"  RTP from hotline: {rtp['from_hotline']['packets']} packets, lost {rtp['from_hotline']['lost']}, "
        f"jitter p99 {_p(rtp['from_hotline']['jitter_ms'], 'p99', 1, ' ms')};  to hotline: "
        f"{rtp['to_hotline']['packets']} packets, lost by hotline {rtp['to_hotline']['lost_by_hotline']}",
        f"  server     cpu {_p(srv['cpu_pct'], 'mean', 1, '%')} mean / {_p(srv['cpu_pct'], 'max', 1, '%')} max  "
        f"rss max {_p(srv['rss_mb'], 'max', 1, ' MB')}  send p99 max {_p(srv['send_p99_ms'], 'max', 1, ' ms')}"
        f"  asr queue max {_p(srv['asr_queue'], 'max')}",
    ]
    return "\n".join(lines)


def html_report(result: LoadResult, summary: dict | None = None) -> str:
    summary = summary or summarize(result)
    answered = [c for c in result.calls if c.status == "answered"]
    lat_pts = [(c.started_s + c.result.prompts[0].started_s if c.result.prompts else c.started_s, x)
               for c in answered for x in c.result.reply_latency_s]
    good = [p for p, c in zip(lat_pts, [c for c in answered for _ in c.result.reply_latency_s], strict=True)
            if c.correct is not False]
    bad = [p for p, c in zip(lat_pts, [c for c in answered for _ in c.result.reply_latency_s], strict=True)
           if c.correct is False]
    latency_svg = svgplot.time_chart(
        "Voice-to-voice latency over time (caller side, by call start)",
        [("correct/unchecked", "#3b7dd8", good, False), ("wrong answer", "#d83b3b", bad, False)],
        ylabel="seconds")
    conc = [(s.t, float(s.active)) for s in result.samples]
    series = [("calls in progress", "#2a9d52", conc, True)]
    if any(s.server_active is not None for s in result.samples):
        series.append(("server active (all)", "#999999",
                       [(s.t, s.server_active) for s in result.samples if s.server_active is not None], True))
    conc_svg = svgplot.time_chart("Concurrency over time", series, ylabel="calls")
    cpu_svg = svgplot.time_chart(
        "CPU over time (% of one core)",
        [("server", "#d8893b", [(s.t, s.server_cpu_pct) for s in result.samples if s.server_cpu_pct is not None], True),
         ("load tester", "#7a3bd8", [(s.t, s.tester_cpu_pct) for s in result.samples if s.tester_cpu_pct is not None],
          True)], ylabel="%")
    hist_svg = svgplot.histogram("Voice-to-voice latency histogram", [x for _, x in lat_pts], xlabel="seconds")
    rows = "\n".join(
        f"<tr><td>{c.index}</td><td>{escape(c.script)}</td><td>{c.started_s:.1f}</td><td>{escape(c.status)}</td>"
        f"<td>{escape(c.cause)}</td><td>{'' if c.correct is None else ('yes' if c.correct else 'NO')}</td>"
        f"<td>{escape(', '.join(c.answered_codes))}</td>"
        f"<td>{'' if c.result.setup_s is None else f'{c.result.setup_s * 1000:.0f}'}</td>"
        f"<td>{', '.join(f'{x:.2f}' for x in c.result.reply_latency_s)}</td><td>{c.result.lost}</td></tr>"
        for c in result.calls)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hotline load test {escape(summary['started_at'])}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1400px}} pre{{background:#f6f6f6;padding:1em}}
table{{border-collapse:collapse;font-size:12px}} td,th{{border:1px solid #ddd;padding:2px 6px}}
.plots{{display:flex;flex-wrap:wrap;gap:1em}}</style></head><body>
<h1>hotline load test</h1>
<pre>{escape(terminal_summary(summary))}</pre>
<div class="plots">{latency_svg}{conc_svg}{hist_svg}{cpu_svg}</div>
<h2>Calls</h2>
<table><tr><th>#</th><th>script</th><th>start s</th><th>status</th><th>cause</th><th>correct</th>
<th>answered</th><th>setup ms</th><th>voice→voice s</th><th>lost</th></tr>
{rows}</table>
<h2>Summary (JSON)</h2><pre>{escape(json.dumps(summary, indent=2, ensure_ascii=False))}</pre>
</body></html>
"""


def write_reports(result: LoadResult, directory: Path) -> dict[str, Path]:
    """report.json and report.html in `directory` (created); returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    data = to_json(result)
    paths = {"json": directory / "report.json", "html": directory / "report.html"}
    paths["json"].write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    paths["html"].write_text(html_report(result, data["summary"]), encoding="utf-8")
    return paths

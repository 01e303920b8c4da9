"""How many concurrent calls one `hotline serve` process holds with media and the full
dialog while callers mostly listen to cached answers, and where the recogniser becomes
the bottleneck.

First one server pre-renders the answer audio into a data directory that every run then
shares (a warm cache, like a hotline that has been running: rendering is minutes of CPU
that would otherwise land in the first measurement). Per size N: a fresh `hotline serve`
on loopback (whisper recogniser), a short warm-up, then N real SIP calls from `hotline loadtest` caller
processes (at most --per-process calls each, one shared UA and pacer per process).
Calls arrive at --rate per second; each caller presses through the keypad menu (9, a
field, a procedure; barging in on the long menu prompts) and then listens to the answer
and what follows until every call of the run has been up together for --plateau seconds.
`--speech-shares` adds a second phase at --speech-calls calls in which that share of the
callers asks by voice instead (Whisper: the recogniser queue decides the latency).

Prints per run: calls answered / lost (failed setup, no audio, cut by the time limit),
answers correct, server send-timing p99 (the pacer's lateness against the 20 ms grid,
from /metrics: over every packet of the plateau, from the cumulative histogram, and per
2 s window, the median window and the worst), garbage-collector pauses by generation
and the GC time inside the worst windows, the share of the call time the callers received audio for, server CPU (mean/max % of one core during the plateau), RSS idle and at
plateau and the RSS delta per call, voice-to-voice p50/p99 as the callers heard it, the
recogniser queue. Numbers on a shared 2-core machine are noisy: callers and server share
the same cores, and other work on the machine shows up as send lateness.

    .venv/bin/python bench/capacity.py [--sizes 100,300,600,1000] [--rate 10] [--plateau 25]
        [--speech-shares 0.1,0.25,0.5] [--speech-calls 40] [--per-process 250] [--callers-nice 19]
        [--rtp-mux on|off] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hotline.config import Settings  # noqa: E402
from hotline.loadtest.localserver import LocalServer, start_local_server  # noqa: E402
from hotline.loadtest.procfs import parse_metrics, read_proc, read_run_queue_wait  # noqa: E402

TOKEN = "capacity-bench-token"


def start_server(data_dir: Path, max_calls: int) -> LocalServer:
    return start_local_server(data_dir, token=TOKEN, max_calls=max_calls, rtp_port_min=20000,
                              log_level="WARNING", HOTLINE_SHUTDOWN_GRACE_S=5)


def prime_cache(data_dir: Path) -> float:
    """Start a server once and wait for its first pre-render pass (espeak renders every
    summary into the answer-audio cache, minutes of CPU in a background thread). The
    measured servers reuse the data directory, so they start with a warm cache, like a
    hotline that has been running, instead of rendering during the measurement."""
    t0 = time.monotonic()
    server = start_local_server(data_dir, token=TOKEN, max_calls=10, log_level="WARNING")
    try:
        # Done when the server has been idle (under 5 % of a core) with no new audio file for 5 s.
        deadline = time.monotonic() + 900
        files, before = -1, read_proc(server.pid)
        while True:
            time.sleep(5.0)
            now_files, now = len(list(data_dir.glob("cache/audio/tts/*/*.wav"))), read_proc(server.pid)
            if now is None or before is None:
                raise RuntimeError(f"hotline serve exited while pre-rendering:\n{server.log_tail()}")
            if now_files == files and now.cpu_s - before.cpu_s < 0.25:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("the answer-audio pre-render did not finish within 15 minutes")
            files, before = now_files, now
    finally:
        server.stop()
    return time.monotonic() - t0


class Sampler(threading.Thread):
    """Server CPU, RSS, active calls and recogniser queue once a second."""

    def __init__(self, server: LocalServer) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.rows: list[dict] = []
        self.stop_flag = threading.Event()
        self.cpu0: float | None = None  # the server's CPU seconds when sampling started

    def run(self) -> None:
        pid = self.server.proc.pid
        prev = (time.monotonic(), read_proc(pid))
        self.cpu0 = prev[1].cpu_s if prev[1] is not None else None
        wait_prev = read_run_queue_wait(pid) or 0.0
        while not self.stop_flag.wait(1.0):
            now, cur = time.monotonic(), read_proc(pid)
            if cur is None or prev[1] is None:
                break
            text = self.server.metrics_text()
            m = parse_metrics(text)
            wait = read_run_queue_wait(pid) or 0.0
            self.rows.append({"t": now, "cpu_s": cur.cpu_s, "cpu_pct": 100 * (cur.cpu_s - prev[1].cpu_s) / (now - prev[0]),
                              "runq_wait_pct": 100 * (wait - wait_prev) / (now - prev[0]),
                              "rss_mb": cur.rss_bytes / 2**20, "active": m.get("hotline_active_calls", 0.0),
                              "asr_queue": m.get("hotline_asr_queue_depth", 0.0),
                              "send_p99_ms": m.get("hotline_rtp_send_lateness_p99_ms"),
                              "gc_s": m.get("hotline_gc_pause_seconds_sum", 0.0),
                              "late": lateness_buckets(text),
                              "missed": m.get("hotline_rtp_missed_ticks_total", 0.0)})
            prev, wait_prev = (now, cur), wait


def lateness_buckets(text: str) -> list[tuple[float, float]]:
    """The server's cumulative send-lateness histogram: (upper bound in ms, packets)."""
    rows = re.findall(r'^hotline_rtp_send_lateness_seconds_bucket\{le="([^"]+)"\} (\S+)$', text, re.M)
    return [(math.inf if le == "+Inf" else 1000 * float(le), float(n)) for le, n in rows]


def window_p99(first: list[tuple[float, float]], last: list[tuple[float, float]]) -> float | None:
    """p99 send lateness (a bucket's upper bound, ms) of every packet sent between two samples."""
    if not first or not last or len(first) != len(last):
        return None
    diff = [(bound, b - a) for (bound, a), (_, b) in zip(first, last, strict=True)]
    total = diff[-1][1]
    if total <= 0:
        return None
    return next(bound for bound, n in diff if n >= 0.99 * total)


def gc_pauses(text: str) -> dict[str, dict[str, float]]:
    """Per generation: collections, their total ms, and the bucket bound of the longest (ms)."""
    def series(kind: str) -> dict[str, float]:
        return {g: float(v) for g, v in re.findall(
            rf'^hotline_gc_pause_seconds_{kind}\{{generation="(\d)"\}} (\S+)$', text, re.M)}

    counts, sums = series("count"), series("sum")
    out = {g: {"count": n, "total_ms": round(1000 * sums.get(g, 0.0), 1), "max_ms_le": 0.0} for g, n in counts.items()}
    for gen, le, n in re.findall(r'^hotline_gc_pause_seconds_bucket\{generation="(\d)",le="([^"]+)"\} (\S+)$', text, re.M):
        g = out.get(gen)
        if g and le != "+Inf" and not g["max_ms_le"] and 0 < float(n) == g["count"]:
            g["max_ms_le"] = 1000 * float(le)  # the first (cumulative) bucket that holds them all
    return out


def run_callers(server: LocalServer, calls: int, rate: float, hold: float, share: float, per_process: int,
                time_limit: float, record_wait: float = 60.0, nice: int = 0) -> list[dict]:
    procs = []
    parts = max(1, math.ceil(calls / per_process))
    for k in range(parts):
        n = calls // parts + (1 if k < calls % parts else 0)
        cmd = [sys.executable, "-m", "hotline.cli", "loadtest", "--target", server.target, "--calls", str(n),
               "--rate", f"{rate / parts:.4f}", "--hold", str(hold), "--speech-share", str(share),
               "--time-limit", str(time_limit), "--http", server.http, "--token", TOKEN, "--json", "--quiet",
               "--server-pid", str(server.proc.pid), "--record-wait", str(record_wait)]
        # A niced caller yields the CPU to the server: the figures then show what the server
        # holds, not how the load generator on the same cores competes with it.
        procs.append(subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                      preexec_fn=(lambda: os.nice(nice)) if nice else None))
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=time_limit + 240)
        if not stdout.strip():
            raise RuntimeError(f"hotline loadtest failed ({p.returncode}): {stderr[-2000:]}")
        out.append(json.loads(stdout))
    return out


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q / 100 * (len(v) - 1))))]


def one_run(data_dir: Path, calls: int, *, rate: float, plateau: float, share: float, per_process: int,
            nice: int = 0) -> dict:
    ramp = calls / rate
    hold = ramp + plateau  # every call is up from the end of the ramp to the end of the plateau
    server = start_server(data_dir, calls)
    try:
        run_callers(server, 3, 3.0, 15, 0.0, per_process, 60)  # warm-up: first answers, lazy imports
        idle = read_proc(server.proc.pid)
        sampler = Sampler(server)
        sampler.start()
        t0 = time.monotonic()
        reports = run_callers(server, calls, rate, hold, share, per_process, ramp + hold + 240, record_wait=180,
                              nice=nice)
        sampler.stop_flag.set()
        sampler.join(5)
        text = server.metrics_text()
        m = parse_metrics(text)
        gc_final = gc_pauses(text)
    finally:
        server.stop()
    rows = sampler.rows
    plateau_rows = [r for r in rows if ramp + 2 <= r["t"] - t0 <= hold] or rows
    peak_active = max((r["active"] for r in rows), default=0)
    calls_all = [c for rep in reports for c in rep["calls"]]
    lost = [c for c in calls_all if c["status"] != "answered"]
    checked = [c for c in calls_all if c["correct"] is not None]
    v2v = [x for c in calls_all for x in c["reply_latency_s"]]
    speech_v2v = [c["reply_latency_s"][0] for c in calls_all if c["script"].startswith("ask:") and c["reply_latency_s"]]
    rss_plateau = max((r["rss_mb"] for r in plateau_rows), default=0.0)
    windows = [r["send_p99_ms"] for r in plateau_rows if r["send_p99_ms"] is not None]
    # GC time in the 2 s before each sample, beside that window's send p99: do stalls line up?
    gc_ms = [1000 * (b["gc_s"] - a["gc_s"]) for a, b in zip(rows, rows[1:], strict=False)]
    by_window = sorted(((r["send_p99_ms"], round(sum(gc_ms[max(0, i - 2):i]), 1))
                        for i, r in enumerate(rows) if r in plateau_rows and r["send_p99_ms"] is not None), reverse=True)
    connected = [c for c in calls_all if c["connected"]]
    expected_in = sum(c["duration_s"] - c["setup_s"] for c in connected) * 50
    idle_mb = idle.rss_bytes / 2**20 if idle else 0.0
    causes: dict[str, int] = {}
    for c in lost:
        causes[c["cause"]] = causes.get(c["cause"], 0) + 1
    return {
        "calls": calls, "speech_share": share, "hold_s": round(hold, 1), "rate_per_s": rate,
        "peak_active_server": int(peak_active), "answered": len(calls_all) - len(lost), "lost": len(lost),
        "lost_by_cause": causes,
        "record_errors": sorted({c["record_error"] for c in calls_all if c["record_error"]})[:3],
        "caller_jitter_p99_ms": pct([c["jitter_ms"] for c in calls_all if c["connected"]], 99),
        "correct": sum(1 for c in checked if c["correct"]), "checked": len(checked),
        "send_p99_ms": pct(windows, 50),  # the p99 of 2 s windows during the plateau: their median,
        "send_p99_ms_worst": max(windows, default=None),  # and the worst window
        # p99 over every packet of the plateau (cumulative histogram; a bucket bound, ms)
        "send_p99_ms_plateau": window_p99(plateau_rows[0]["late"], plateau_rows[-1]["late"]) if plateau_rows else None,
        # 20 ms ticks skipped after a stall (each: no packet to any call), plateau and whole run
        "missed_ticks_plateau": plateau_rows[-1]["missed"] - plateau_rows[0]["missed"] if plateau_rows else None,
        "missed_ticks_run": rows[-1]["missed"] if rows else None,
        "worst_windows_gc_ms": by_window[:3],  # (send p99, GC ms in that window) of the three worst
        # second by second from the end of the ramp: (s, send p99 of the last 2 s, server cpu %,
        # run-queue wait %, GC ms in the last 2 s, active calls, pacer ticks skipped so far)
        "timeline": [(round(r["t"] - t0 - ramp, 1), r["send_p99_ms"], round(r["cpu_pct"]), round(r["runq_wait_pct"]),
                      round(sum(gc_ms[max(0, i - 2):i]), 1), int(r["active"]), int(r["missed"]))
                     for i, r in enumerate(rows) if r["t"] - t0 >= ramp - 4],
        "gc": gc_final,
        "audio_heard_pct": round(100 * sum(c["packets_in"] for c in connected) / max(1.0, expected_in), 1),
        "server_rtp_lost": m.get("hotline_rtp_lost_packets_total"),
        "caller_rtp_lost": sum(c["lost"] for c in calls_all),
        "caller_packets_in": sum(c["packets_in"] for c in calls_all),
        "cpu_pct_mean": round(sum(r["cpu_pct"] for r in plateau_rows) / max(1, len(plateau_rows)), 1),
        "cpu_pct_max": round(max((r["cpu_pct"] for r in plateau_rows), default=0.0), 1),
        # The server's CPU over the whole run per RTP packet the callers sent or received: a
        # cost that stays comparable when other load on the machine starves the server (then
        # fewer packets flow and less CPU is spent); it includes the SIP and dialog work.
        "server_us_per_packet": round(1e6 * (rows[-1]["cpu_s"] - sampler.cpu0) / max(1, sum(
            c["packets_in"] + c["packets_out"] for c in calls_all)), 2) if rows and sampler.cpu0 is not None else None,
        # % of a core -> ms of CPU per second, per call up: what one call costs the server
        "cpu_ms_per_call_s": round(10 * sum(r["cpu_pct"] for r in plateau_rows) / max(1, len(plateau_rows))
                                   / max(1, peak_active), 3),
        "runq_wait_pct_mean": round(sum(r["runq_wait_pct"] for r in plateau_rows) / max(1, len(plateau_rows)), 1),
        "rss_idle_mb": round(idle_mb, 1), "rss_plateau_mb": round(rss_plateau, 1),
        "rss_per_call_kb": round((rss_plateau - idle_mb) * 1024 / max(1, peak_active), 1),
        "v2v_p50_s": pct(v2v, 50), "v2v_p99_s": pct(v2v, 99),
        "speech_v2v_p50_s": pct(speech_v2v, 50), "speech_v2v_p99_s": pct(speech_v2v, 99),
        "asr_queue_max": max((r["asr_queue"] for r in rows), default=0.0),
        "tester_send_p99_ms": [rep["summary"]["rtp"]["tester_send_p99_ms"] for rep in reports],
        "tester_cpu_pct_mean": [(rep["summary"]["tester_cpu_pct"] or {}).get("mean") for rep in reports],
    }


def show(r: dict) -> None:
    def f(v, spec=".2f"):
        return "-" if v is None else format(v, spec)

    print(f"N={r['calls']:5d} speech {r['speech_share']:.2f}: peak {r['peak_active_server']:5d} active, "
          f"answered {r['answered']}, lost {r['lost']} {r['lost_by_cause'] or ''}, correct {r['correct']}/{r['checked']}"
          + (f" record errors {r['record_errors']}" if r["record_errors"] else ""))
    print(f"        server send p99 over the plateau <= {f(r['send_p99_ms_plateau'])} ms; per 2 s window median "
          f"{f(r['send_p99_ms'])} ms, worst {f(r['send_p99_ms_worst'])} ms; "
          f"audio heard {r['audio_heard_pct']}% of the call time, cpu {r['cpu_pct_mean']}% mean / {r['cpu_pct_max']}% max "
          f"({r['cpu_ms_per_call_s']} ms per call-second, {r['server_us_per_packet']} us per RTP packet), "
          f"rss {r['rss_idle_mb']} -> {r['rss_plateau_mb']} MB ({r['rss_per_call_kb']} kB/call), "
          f"rtp lost server {f(r['server_rtp_lost'], '.0f')} / callers {r['caller_rtp_lost']} of {r['caller_packets_in']}, "
          f"jitter at callers p99 {f(r['caller_jitter_p99_ms'])} ms")
    print(f"        pacer ticks skipped after stalls: {r['missed_ticks_plateau']} in the plateau, "
          f"{r['missed_ticks_run']} in the run; gc pauses {r['gc']}; "
          f"worst windows (send p99 ms, gc ms) {r['worst_windows_gc_ms']}")
    print(f"        voice->voice p50 {f(r['v2v_p50_s'])} s p99 {f(r['v2v_p99_s'])} s; spoken questions p50 "
          f"{f(r['speech_v2v_p50_s'])} s p99 {f(r['speech_v2v_p99_s'])} s; asr queue max {r['asr_queue_max']:.0f}; "
          f"tester send p99 {r['tester_send_p99_ms']} ms, tester cpu {r['tester_cpu_pct_mean']}%", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100,300,600,1000")
    ap.add_argument("--rate", type=float, default=10.0, help="new calls per second (call setup is the bottleneck)")
    ap.add_argument("--plateau", type=float, default=25.0, help="seconds all N calls are up together")
    ap.add_argument("--speech-shares", default="0.1,0.25,0.5")
    ap.add_argument("--speech-calls", type=int, default=40)
    ap.add_argument("--per-process", type=int, default=250)
    ap.add_argument("--callers-nice", type=int, default=0,
                    help="run the callers at this nice level (19: the server gets the CPU it asks for)")
    ap.add_argument("--rtp-mux", choices=("on", "off"), default=None,
                    help="server and callers: one shared RTP socket each (on) or a socket per call (off); "
                         "default: HOTLINE_RTP_MUX or the setting's default")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.rtp_mux is not None:
        os.environ["HOTLINE_RTP_MUX"] = "1" if args.rtp_mux == "on" else "0"  # inherited by server and callers
    print(f"RTP: {'one shared socket per process' if Settings.from_env().rtp_mux else 'a socket per call'}")
    results = []
    print(f"load average before: {os.getloadavg()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="hotline-capacity-") as tmp:
        data_dir = Path(tmp)
        print(f"answer-audio cache primed in {prime_cache(data_dir):.0f} s", flush=True)
        for n in [int(x) for x in args.sizes.split(",") if x]:
            results.append(one_run(data_dir, n, rate=args.rate, plateau=args.plateau, share=0.0,
                                   per_process=args.per_process, nice=args.callers_nice))
            show(results[-1])
        for share in [float(x) for x in args.speech_shares.split(",") if x]:
            results.append(one_run(data_dir, args.speech_calls, rate=args.rate, plateau=args.plateau, share=share,
                                   per_process=args.per_process, nice=args.callers_nice))
            show(results[-1])
    print(f"load average after: {os.getloadavg()}")
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Concurrent calls that `hotline serve --workers 2` holds behind Kamailio on this machine.

The Python load tester costs about as much CPU per call as the server (it paces, sends
and reads every packet), so on a 2-core machine it cannot drive 2,000 calls beside two
workers. This bench uses sipp instead (C++, Debian `sip-tester`): every caller dials
Kamailio's port, presses 9, a field and a procedure as RFC 4733 events while the prompts
play (pcaps from `hotline.loadtest.sipp`), then listens until the run's plateau is over
and hangs up. While listening, a caller sends one silence packet every --line-every
seconds (a phone with silence suppression; each a short play, since sipp holds a raw
socket per running play and the kernel visits every one for each UDP packet on the
machine), and sipp never reads the hotline's audio. So the workers' sending side is
measured in full (pacing, G.711 payloads, one packet per call every 20 ms) and their
receiving side only lightly. `bench/capacity.py` measures both directions with the
Python callers, up to what one process and the callers fit on the machine.

Reported: calls sipp placed / completed / failed, the calls each worker held at the
plateau (how Kamailio spread them), answers correct (each call's record names the
procedure its keys chose), per worker the send-timing p99 over every packet of the
plateau (cumulative histogram on /metrics) and skipped ticks, garbage-collector pauses,
CPU of the workers, Kamailio and sipp, RSS per call.

    .venv/bin/python bench/kamailio_capacity.py [--calls 2000] [--rate 25] [--plateau 30]
        [--line-every 10] [--sip-port 35060] [--http-port 38000] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from capacity import gc_pauses, lateness_buckets, window_p99  # noqa: E402

from hotline.loadtest.procfs import parse_metrics, read_proc  # noqa: E402
from hotline.loadtest.sipp import command, prepare  # noqa: E402

TOKEN = "kamailio-capacity-token"
SCENARIO = "menu_921_"  # keys 9, 2, 1: the first procedure of the second field


def pids_named(name: str) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if (d / "comm").read_text().strip() == name:
                    out.append(int(d.name))
            except OSError:
                pass
    return out


class Sampler(threading.Thread):
    """Once a second: each worker's /metrics and CPU, Kamailio's and sipp's CPU."""

    def __init__(self, workers: list[tuple[int, str]]) -> None:
        super().__init__(daemon=True)
        self.workers = workers  # (pid, http base)
        self.rows: list[dict] = []
        self.last_text = ["" for _ in workers]  # each worker's latest /metrics (its GC totals)
        self.stop_flag = threading.Event()

    def run(self) -> None:
        with httpx.Client(timeout=5.0) as client:
            while not self.stop_flag.wait(1.0):
                row: dict = {"t": time.monotonic(), "workers": []}
                for i, (pid, http) in enumerate(self.workers):
                    try:
                        text = client.get(f"{http}/metrics").text
                    except httpx.HTTPError:
                        text = ""
                    m = parse_metrics(text)
                    proc = read_proc(pid)
                    row["workers"].append({"active": m.get("hotline_active_calls", 0.0), "late": lateness_buckets(text),
                                           "missed": m.get("hotline_rtp_missed_ticks_total", 0.0),
                                           "cpu_s": proc.cpu_s if proc else None,
                                           "rss_mb": proc.rss_bytes / 2**20 if proc else None})
                    self.last_text[i] = text or self.last_text[i]
                for name in ("kamailio", "sipp"):
                    row[name] = sum(p.cpu_s for p in map(read_proc, pids_named(name)) if p is not None)
                self.rows.append(row)


def wait_idle(pids: list[int], limit_s: float = 900.0) -> None:
    """Until the workers have rendered the answer audio (under 5 % of a core for 5 s)."""
    deadline = time.monotonic() + limit_s
    before = sum(read_proc(p).cpu_s for p in pids)
    while time.monotonic() < deadline:
        time.sleep(5.0)
        now = sum(read_proc(p).cpu_s for p in pids)
        if now - before < 0.25 * len(pids):
            return
        before = now
    raise RuntimeError("the workers did not finish pre-rendering within 15 minutes")


def sipp_counts(output: str) -> dict[str, int]:
    """Calls created / successful / failed from sipp's last statistics screen."""
    out = {}
    for key, label in (("created", "Outgoing calls created"), ("successful", "Successful call"),
                       ("failed", "Failed call")):
        found = re.findall(rf"{label}\s*\|\s*\d+\s*\|\s*(\d+)", output)
        out[key] = int(found[-1]) if found else -1
    return out


def records(http: str, since_total: int, expect: int, limit_s: float = 120.0) -> list[dict]:
    """Call records of the run (the newest `expect` after `since_total` earlier ones)."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    deadline = time.monotonic() + limit_s
    with httpx.Client(timeout=30.0, headers=headers) as client:
        while True:
            first = client.get(f"{http}/api/v1/calls", params={"channel": "sip", "limit": 1}).json()
            if first["total"] - since_total >= expect or time.monotonic() > deadline:
                break
            time.sleep(2.0)
        items: list[dict] = []
        while len(items) < first["total"] - since_total:
            page = client.get(f"{http}/api/v1/calls", params={"channel": "sip", "limit": 500,
                                                             "offset": len(items)}).json()["items"]
            if not page:
                break
            items.extend(page)
    return items[: max(0, first["total"] - since_total)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--rate", type=float, default=25.0, help="new calls per second (Kamailio spreads them)")
    ap.add_argument("--plateau", type=float, default=30.0, help="seconds every call is up together")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--sip-port", type=int, default=35060)
    ap.add_argument("--http-port", type=int, default=38000)
    ap.add_argument("--line-every", type=float, default=10.0, metavar="S",
                    help="a listening caller's silence packet every S s (0.02: always sending, which costs sipp "
                         "a thread per call waking 50 times a second)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if shutil.which("sipp") is None or shutil.which("kamailio") is None:
        print("needs sipp and kamailio (Debian sip-tester, kamailio: `make install-test`)", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="kam-capacity-"))
    ramp = a.calls / a.rate
    hold = ramp + a.plateau + 10
    per_worker = a.calls // a.workers + 200
    env = os.environ | {
        "HOTLINE_DATA_DIR": str(tmp / "data"), "HOTLINE_SIP_HOST": "127.0.0.1", "HOTLINE_HTTP_HOST": "127.0.0.1",
        "HOTLINE_SIP_PORT": str(a.sip_port), "HOTLINE_HTTP_PORT": str(a.http_port), "HOTLINE_WORKERS": str(a.workers),
        "HOTLINE_RTP_PORT_MIN": "40000", "HOTLINE_RTP_PORT_MAX": str(40000 + 4 * per_worker * a.workers),
        "HOTLINE_MAX_CALLS": str(per_worker), "HOTLINE_ADMIN_TOKEN": TOKEN, "HOTLINE_LOG_LEVEL": "WARNING",
        # Callers who listen through the whole run: the dialog must not end the call for silence first.
        "HOTLINE_NO_INPUT_S": str(hold), "HOTLINE_MAX_CALL_S": str(hold + 120)}
    log = tmp / "serve.log"
    serve = subprocess.Popen([sys.executable, "-m", "hotline.cli", "serve"], env=env, cwd=ROOT,
                             stdout=log.open("wb"), stderr=subprocess.STDOUT)
    http = [f"http://127.0.0.1:{a.http_port + i}" for i in range(a.workers)]
    target = f"127.0.0.1:{a.sip_port}"
    try:
        deadline = time.monotonic() + 180
        while "workers ready" not in log.read_text(errors="replace"):
            if serve.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(log.read_text(errors="replace")[-3000:])
            time.sleep(0.5)
        pids = [int((tmp / "data" / "run" / f"worker-{i + 1}.pid").read_text()) for i in range(a.workers)]
        t_prime = time.monotonic()
        wait_idle(pids)
        print(f"{a.workers} workers up, answer audio rendered in {time.monotonic() - t_prime:.0f} s", file=sys.stderr)
        warm = next(p for p in prepare(tmp / "warm", hold_s=3) if p.name.startswith(SCENARIO))
        subprocess.run(command(warm, target, calls=4 * a.workers, rate=4, limit=100), cwd=tmp,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        warm_total = records(http[0], 0, 4 * a.workers, limit_s=30)
        scenario = next(p for p in prepare(tmp / "run", hold_s=hold, line_every_s=a.line_every)
                        if p.name.startswith(SCENARIO))
        expected = scenario.stem.rsplit("_", 1)[1]
        idle_rss = [read_proc(p).rss_bytes / 2**20 for p in pids]
        sampler = Sampler(list(zip(pids, http, strict=True)))
        sampler.start()
        t0 = time.monotonic()
        cmd = command(scenario, target, calls=a.calls, rate=a.rate, limit=a.calls + 100)
        cmd[cmd.index("-timeout") + 1] = f"{int(hold + ramp + 120)}s"
        sipp = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=hold + ramp + 240)
        sampler.stop_flag.set()
        sampler.join(5)
        calls = records(http[0], len(warm_total), a.calls)
        final = sampler.last_text
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(timeout=90)
        except subprocess.TimeoutExpired:
            serve.kill()
    rows = sampler.rows
    start, end = t0 + ramp + 5, t0 + ramp + 5 + a.plateau
    plateau = [r for r in rows if start <= r["t"] <= end]
    if len(plateau) < 2:
        raise SystemExit("no plateau samples: the run ended early (see sipp's output)")
    first, last = plateau[0], plateau[-1]
    span = last["t"] - first["t"]
    counts = sipp_counts(sipp.stdout)
    result = {
        "calls": a.calls, "rate_per_s": a.rate, "workers": a.workers, "line_every_s": a.line_every, "sipp": counts,
        "held_at_plateau": [int(min(r["workers"][i]["active"] for r in plateau)) for i in range(a.workers)],
        "correct": sum(1 for c in calls if expected in (c.get("procedures") or [])), "records": len(calls),
        "ended_by": dict(Counter(f'{c.get("outcome")}/{c.get("hangup_cause")}' for c in calls)),
        "send_p99_ms_plateau": [window_p99(first["workers"][i]["late"], last["workers"][i]["late"])
                                for i in range(a.workers)],
        "missed_ticks_plateau": [last["workers"][i]["missed"] - first["workers"][i]["missed"] for i in range(a.workers)],
        "missed_ticks_run": [rows[-1]["workers"][i]["missed"] for i in range(a.workers)],
        "cpu_pct": {**{f"worker{i + 1}": round(100 * (last["workers"][i]["cpu_s"] - first["workers"][i]["cpu_s"]) / span, 1)
                       for i in range(a.workers)},
                    "kamailio": round(100 * (last["kamailio"] - first["kamailio"]) / span, 1),
                    "sipp": round(100 * (last["sipp"] - first["sipp"]) / span, 1)},
        "rss_mb_idle_plateau": [(round(idle_rss[i]), round(last["workers"][i]["rss_mb"])) for i in range(a.workers)],
        "gc": [gc_pauses(t) for t in final],
        "load_average_after": os.getloadavg(),
    }
    if counts["failed"] != 0:
        result["sipp_errors_tail"] = sipp.stderr[-1500:] + sipp.stdout[-1500:]
    shutil.rmtree(tmp, ignore_errors=True)
    if a.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:22s} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

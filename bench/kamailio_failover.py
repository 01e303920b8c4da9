"""Call set-up through Kamailio vs straight to a worker, and the failover delay after a SIGKILL.

Starts `hotline serve --workers 2` (SQLite, loopback; Kamailio on --sip-port, the workers
on the next ports), places sequential calls with hotline/caller.py and prints the figures.

    .venv/bin/python bench/kamailio_failover.py [--calls 20] [--kills 3] [--sip-port 35060]
"""

import argparse
import asyncio
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hotline.caller import place_call  # noqa: E402


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


async def setup_times(target, n):
    out = []
    for _ in range(n):
        r = await place_call(target, [], hold_s=0.3, record=False)
        assert r.connected, r.failure
        out.append(r.setup_s * 1000)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=20)
    ap.add_argument("--kills", type=int, default=3)
    ap.add_argument("--sip-port", type=int, default=35060)
    ap.add_argument("--http-port", type=int, default=38000)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="kam-bench-"))
    sip, http = a.sip_port, a.http_port
    env = os.environ | {"HOTLINE_DATA_DIR": str(tmp), "HOTLINE_SIP_HOST": "127.0.0.1", "HOTLINE_HTTP_HOST": "127.0.0.1",
                        "HOTLINE_SIP_PORT": str(sip), "HOTLINE_HTTP_PORT": str(http), "HOTLINE_RTP_PORT_MIN": "36000",
                        "HOTLINE_RTP_PORT_MAX": "36799", "HOTLINE_PRERENDER": "fixed", "HOTLINE_WORKERS": "2"}
    log = tmp / "serve.log"
    proc = subprocess.Popen([sys.executable, "-m", "hotline.cli", "serve"], env=env, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while "workers ready" not in log.read_text(errors="replace"):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.2)
        time.sleep(2.5)
        via = asyncio.run(setup_times(f"sip:hotline@127.0.0.1:{sip}", a.calls))
        direct = asyncio.run(setup_times(f"sip:hotline@127.0.0.1:{sip + 1}", a.calls))
        for name, xs in (("through Kamailio", via), ("direct to worker 1", direct)):
            print(f"set-up {name:20s}: n={len(xs)} median {statistics.median(xs):6.1f} ms  "
                  f"p90 {pct(xs, 90):6.1f} ms  max {max(xs):6.1f} ms")
        delays = []
        for _ in range(a.kills):
            pid = int((tmp / "run" / "worker-2.pid").read_text())
            killed_at = time.monotonic()
            os.kill(pid, signal.SIGKILL)

            async def two():
                return await asyncio.gather(*(place_call(f"sip:hotline@127.0.0.1:{sip}", [], hold_s=1.5,
                                                         record=False) for _ in range(2)))
            rs = asyncio.run(two())
            assert all(r.connected for r in rs), [r.failure for r in rs]
            delays.append(max(r.setup_s for r in rs) * 1000)
            after = asyncio.run(setup_times(f"sip:hotline@127.0.0.1:{sip}", 3))
            print(f"SIGKILL worker 2: slowest of 2 calls right after {delays[-1]:.0f} ms; "
                  f"next 3 calls {', '.join(f'{x:.0f}' for x in after)} ms")
            deadline = time.monotonic() + 60
            while True:  # restarted and back in rotation
                try:
                    new = int((tmp / "run" / "worker-2.pid").read_text())
                    if new != pid and httpx.get(f"http://127.0.0.1:{http + 1}/healthz").status_code == 200:
                        break
                except (OSError, ValueError, httpx.HTTPError):
                    pass
                assert time.monotonic() < deadline
                time.sleep(0.2)
            print(f"  worker 2 restarted and healthy {time.monotonic() - killed_at:.1f} s after the kill")
            time.sleep(2.5)
        print(f"failover delay (first call after the kill): {', '.join(f'{d:.0f}' for d in delays)} ms")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

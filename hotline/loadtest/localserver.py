"""A `hotline serve` child process on loopback, for the end-to-end tests, the benchmarks
and load tests against this machine: free ports, its own data directory, the admin token,
wait until it answers /healthz, and a SIGTERM stop that lets calls drain."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bindable(port: int) -> bool:
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def free_port_run(n: int) -> int:
    """The first of ``n`` consecutive ports free for TCP and UDP, below the ephemeral range
    (where no client socket is handed one of them between this check and the bind)."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(20000, 32000 - n)
        if all(_bindable(base + i) for i in range(n)):
            return base
    raise RuntimeError(f"no run of {n} free ports on 127.0.0.1")


def free_sip_port() -> int:
    """A port free for both TCP and UDP (SIP listens on both)."""
    for _ in range(50):
        port = free_port()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            try:
                u.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port for SIP on 127.0.0.1")


@dataclass
class LocalServer:
    proc: subprocess.Popen
    sip_port: int
    http: str
    data_dir: Path
    log: Path
    token: str

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def target(self) -> str:
        return f"sip:hotline@127.0.0.1:{self.sip_port}"

    def api(self, path: str, timeout: float = 30, **kw) -> httpx.Response:
        return httpx.get(self.http + path, headers={"Authorization": f"Bearer {self.token}"}, timeout=timeout, **kw)

    def call_record(self, call_id: str, *, timeout: float = 15.0) -> dict:
        """The CDR once the call has ended (records are written in the background)."""
        deadline = time.monotonic() + timeout
        while True:
            r = self.api(f"/api/v1/calls/{call_id}")
            if r.status_code == 200 and r.json()["ended_at"]:
                return r.json()
            if time.monotonic() > deadline:
                raise AssertionError(f"no ended call record for {call_id}: {r.status_code} {r.text[:300]}")
            time.sleep(0.2)

    def events(self, call_id: str, wait: float = 5) -> list[dict]:
        """The call's event stream as the API serves it (waits up to `wait` s for more)."""
        out = []
        with httpx.stream("GET", self.http + f"/api/v1/calls/{call_id}/events", params={"wait": wait},
                          headers={"Authorization": f"Bearer {self.token}"}, timeout=30) as r:
            for line in r.iter_lines():
                if line.startswith("data: ") and line != "data: {}":
                    out.append(json.loads(line[6:]))
        return out

    def metrics_text(self) -> str:
        try:
            return self.api("/metrics", timeout=5).text
        except httpx.HTTPError:
            return ""

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM (calls drain within HOTLINE_SHUTDOWN_GRACE_S), SIGKILL after `timeout`;
        returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def start_local_server(data_dir: Path, *, token: str, max_calls: int = 100, rtp_port_min: int | None = None,
                       log_level: str = "INFO", startup_timeout: float = 180, **env_extra) -> LocalServer:
    """Start `hotline serve` on 127.0.0.1 with free SIP/HTTP ports and an RTP range for
    `max_calls` calls (from `rtp_port_min`, else a free spot; large runs should start it
    below the ephemeral range, where the callers' own ports come from); `env_extra` are
    more HOTLINE_* variables (or any environment). Raises RuntimeError with the end of
    its log if it exits or does not come up."""
    data_dir.mkdir(parents=True, exist_ok=True)
    workers = int(env_extra.get("HOTLINE_WORKERS", 1))
    if workers > 1:  # Kamailio on the SIP port, worker i on SIP port + i and HTTP port + i - 1
        sip_port = free_port_run(workers + 1)
        http_port = free_port_run(workers)
        while http_port + workers > sip_port and sip_port + workers + 1 > http_port:
            http_port = free_port_run(workers)  # two random runs can overlap (seen once in CI-like runs)
    else:
        sip_port, http_port = free_sip_port(), free_port()
    rtp = free_port() if rtp_port_min is None else rtp_port_min
    rtp = min(rtp, 65000 - 4 * max_calls - 400) // 2 * 2
    env = os.environ | {
        "HOTLINE_DATA_DIR": str(data_dir), "HOTLINE_SIP_HOST": "127.0.0.1", "HOTLINE_HTTP_HOST": "127.0.0.1",
        "HOTLINE_SIP_PORT": str(sip_port), "HOTLINE_HTTP_PORT": str(http_port),
        "HOTLINE_RTP_PORT_MIN": str(rtp), "HOTLINE_RTP_PORT_MAX": str(rtp + 4 * max_calls + 400),
        "HOTLINE_MAX_CALLS": str(max_calls + 50),
        "HOTLINE_ADMIN_TOKEN": token, "HOTLINE_LOG_LEVEL": log_level, "HOTLINE_SHUTDOWN_GRACE_S": "20",
        **{k: str(v) for k, v in env_extra.items()},
    }
    log = data_dir / "server.log"
    proc = subprocess.Popen([sys.executable, "-m", "hotline.cli", "serve"], env=env, cwd=ROOT,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)
    server = LocalServer(proc, sip_port, f"http://127.0.0.1:{http_port}", data_dir, log, token)
    deadline = time.monotonic() + startup_timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"hotline serve exited {proc.returncode}:\n{server.log_tail()}")
        try:
            if httpx.get(server.http + "/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise RuntimeError(f"hotline serve did not start within {startup_timeout:.0f} s:\n{server.log_tail()}")
        time.sleep(0.3)

"""A real `hotline serve` process on loopback for end-to-end calls."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

TOKEN = "e2e-admin-token"


@dataclass
class Server:
    proc: subprocess.Popen
    sip_port: int
    http: str
    data_dir: Path
    log: Path

    @property
    def target(self) -> str:
        return f"sip:hotline@127.0.0.1:{self.sip_port}"

    def api(self, path: str, **kw) -> httpx.Response:
        return httpx.get(self.http + path, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30, **kw)

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

    def events(self, call_id: str) -> list[dict]:
        import json

        out = []
        with httpx.stream("GET", self.http + f"/api/v1/calls/{call_id}/events", params={"wait": 5},
                          headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as r:
            for line in r.iter_lines():
                if line.startswith("data: ") and line != "data: {}":
                    out.append(json.loads(line[6:]))
        return out


def _free_udp_tcp_port() -> int:
    for _ in range(50):
        port = free_port()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            try:
                u.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port")


def start_server(tmp: Path, **env_extra) -> Server:
    sip_port, http_port = _free_udp_tcp_port(), free_port()
    rtp = free_port() // 2 * 2
    env = os.environ | {
        "HOTLINE_DATA_DIR": str(tmp), "HOTLINE_SIP_HOST": "127.0.0.1", "HOTLINE_HTTP_HOST": "127.0.0.1",
        "HOTLINE_SIP_PORT": str(sip_port), "HOTLINE_HTTP_PORT": str(http_port),
        "HOTLINE_RTP_PORT_MIN": str(rtp), "HOTLINE_RTP_PORT_MAX": str(rtp + 400),
        "HOTLINE_ADMIN_TOKEN": TOKEN, "HOTLINE_LOG_LEVEL": "INFO", "HOTLINE_SHUTDOWN_GRACE_S": "20",
        **{k: str(v) for k, v in env_extra.items()},
    }
    log = tmp / "server.log"
    proc = subprocess.Popen([sys.executable, "-m", "hotline.cli", "serve"], env=env,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)
    server = Server(proc, sip_port, f"http://127.0.0.1:{http_port}", tmp, log)
    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"hotline serve exited {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(server.http + "/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"hotline serve did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.3)
    return server


def stop_server(server: Server) -> int:
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
        try:
            server.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()
    return server.proc.returncode


@pytest.fixture(scope="module")
def hotline_server(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("hotline"))
    yield server
    code = stop_server(server)
    assert code == 0, f"hotline serve exited {code}:\n{server.log.read_text()[-3000:]}"

"""A real `hotline serve` process on loopback for end-to-end calls (the starter is shared
with the benchmarks and the load tester: hotline/loadtest/localserver.py)."""

from __future__ import annotations

import time
from collections.abc import Collection
from pathlib import Path

import pytest

from hotline.loadtest.localserver import LocalServer, start_local_server
from tests.conftest import free_port  # noqa: F401  (re-exported for the e2e tests)

TOKEN = "e2e-admin-token"

Server = LocalServer


def start_server(tmp: Path, **env_extra) -> LocalServer:
    try:
        return start_local_server(tmp, token=TOKEN, startup_timeout=120, **env_extra)
    except RuntimeError as exc:
        raise AssertionError(str(exc)) from None


def stop_server(server: LocalServer) -> int:
    return server.stop(timeout=60)


def wait_for_ended_calls(server, n: int, *, besides: Collection[str] = (), timeout: float = 30.0) -> list[dict]:
    """The server's phone calls not in `besides`, once `n` of them have all ended (or
    whatever there is after `timeout` seconds, for the caller's assertion to show)."""
    deadline = time.monotonic() + timeout
    while True:
        items = [c for c in server.api("/api/v1/calls?channel=sip&limit=200").json()["items"]
                 if c["id"] not in besides]
        if (len(items) == n and all(c["ended_at"] for c in items)) or time.monotonic() > deadline:
            return items
        time.sleep(0.5)


@pytest.fixture(scope="module")
def hotline_server(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("hotline"))
    yield server
    code = stop_server(server)
    assert code == 0, f"hotline serve exited {code}:\n{server.log_tail()}"

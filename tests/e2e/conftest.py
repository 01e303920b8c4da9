"""A real `hotline serve` process on loopback for end-to-end calls (the starter is shared
with the benchmarks and the load tester: hotline/loadtest/localserver.py)."""

from __future__ import annotations

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


@pytest.fixture(scope="module")
def hotline_server(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("hotline"))
    yield server
    code = stop_server(server)
    assert code == 0, f"hotline serve exited {code}:\n{server.log_tail()}"

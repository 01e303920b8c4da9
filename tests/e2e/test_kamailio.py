"""`hotline serve --workers 2` for real: Kamailio on the public SIP port, two gateway
workers behind it, calls placed through Kamailio on loopback. Shows round robin, the
caller's BYE reaching the worker directly, and failover when a worker is SIGKILLed
(before and after it is marked down), then its restart and return to service."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from hotline.caller import CallResult, place_call
from tests.conftest import _missing, _new_postgres_db
from tests.e2e.conftest import Server, start_server, stop_server, wait_for_ended_calls

PING_S = 2.0  # the shipped config's health-check interval
ROUTED = re.compile(r"INVITE (\S+) (?:to|fails over to) sip:127\.0\.0\.1:(\d+)")


@pytest.fixture(scope="module")
def kamailio_bin() -> str:
    path = shutil.which("kamailio")
    if path is None:
        _missing("kamailio (Debian package) not installed")
    return path


def start_workers(tmp: Path, **env) -> Server:
    server = start_server(tmp, HOTLINE_WORKERS=2, HOTLINE_PRERENDER="fixed", **env)
    deadline = time.monotonic() + 60
    while "workers ready" not in server.log.read_text(errors="replace"):
        assert server.proc.poll() is None, server.log.read_text()[-3000:]
        assert time.monotonic() < deadline, "workers not ready:\n" + server.log.read_text()[-3000:]
        time.sleep(0.2)
    time.sleep(PING_S + 0.5)  # one health check after start-up: both workers take calls
    return server


def worker_port(server: Server, i: int) -> int:
    return server.sip_port + i


def routes(server: Server) -> dict[str, int]:
    """Call-ID -> the worker SIP port that got the call, from Kamailio's log (last hop wins)."""
    out: dict[str, int] = {}
    for call_id, port in ROUTED.findall(server.log.read_text(errors="replace")):
        out[call_id] = int(port)
    return out


def failovers(server: Server) -> list[str]:
    return re.findall(r"INVITE (\S+) fails over to", server.log.read_text(errors="replace"))


def pid_of(server: Server, name: str) -> int:
    return int((server.data_dir / "run" / f"{name}.pid").read_text())


def calls(server: Server, n: int, *, hold_s: float = 3.0, port: int | None = None) -> list[CallResult]:
    target = f"sip:hotline@127.0.0.1:{port or server.sip_port}"

    async def main():
        return await asyncio.gather(*(place_call(target, [], hold_s=hold_s) for _ in range(n)))

    return asyncio.run(main())


def assert_answered_by_the_hotline(server: Server, results: list[CallResult]) -> None:
    for r in results:
        assert r.connected, r.failure
        assert r.prompts and len(r.received_audio) > 8000, "the greeting was not heard"
        assert r.hangup_by == "caller"
        cdr = server.call_record(r.call_id)
        assert cdr["channel"] == "sip" and cdr["answered_at"]
        assert cdr["hangup_cause"] == "remote_bye", cdr  # our BYE went straight to the worker


def ended_calls(metrics: str) -> float:
    return sum(float(v) for v in re.findall(r"^hotline_calls_total\{[^}]*\} (\S+)$", metrics, re.MULTILINE))


@pytest.fixture(scope="module")
def workers(kamailio_bin, tmp_path_factory, request):
    # PostgreSQL: the documented choice when several processes (or nodes) share the records.
    url = _new_postgres_db(request.getfixturevalue("postgres_server"))
    server = start_workers(tmp_path_factory.mktemp("workers"), HOTLINE_DATABASE_URL=url)
    yield server
    pids = [pid_of(server, n) for n in ("worker-1", "worker-2", "kamailio")
            if (server.data_dir / "run" / f"{n}.pid").exists()]
    code = stop_server(server)
    assert code == 0, server.log.read_text()[-3000:]
    for pid in pids:  # the launcher took its children down with it
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_calls_spread_round_robin_over_both_workers(workers):
    results = calls(workers, 6)
    assert_answered_by_the_hotline(workers, results)
    got = routes(workers)
    per_port = [sum(1 for r in results if got[r.call_id] == worker_port(workers, i)) for i in (1, 2)]
    assert per_port == [3, 3], got
    # Each worker's own /metrics agrees: it ended three calls.
    base = int(workers.http.rsplit(":", 1)[1])
    for i in (1, 2):
        deadline = time.monotonic() + 10
        while ended_calls(httpx.get(f"http://127.0.0.1:{base + i - 1}/metrics").text) < 3:
            assert time.monotonic() < deadline, f"worker {i} metrics do not show its calls"
            time.sleep(0.2)
    assert max(r.setup_s for r in results) < 1.0


def test_sipp_load_scenario_through_kamailio(workers, tmp_path):
    """The shipped sipp keypad scenario dialled at Kamailio: its ACK and BYE follow the
    answer's Contact to the worker (no Record-Route), so each call is answered, reaches
    the procedure its keys chose and ends with the caller's BYE, on both workers."""
    if shutil.which("sipp") is None:
        _missing("sipp (Debian sip-tester) not installed")
    from hotline.loadtest.sipp import command, prepare

    keypad = next(s for s in prepare(tmp_path, hold_s=3) if s.name.startswith("menu_921_"))
    before = {c["id"] for c in workers.api("/api/v1/calls?channel=sip&limit=200").json()["items"]}
    run = subprocess.run(command(keypad, f"127.0.0.1:{workers.sip_port}", calls=4, rate=4, limit=10),
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    items = wait_for_ended_calls(workers, 4, besides=before)
    assert len(items) == 4, items
    expected = keypad.stem.split("_")[2]
    assert all(expected in c["procedures"] and c["hangup_cause"] == "remote_bye" for c in items), items
    got = routes(workers)
    assert {got[c["id"]] for c in items} == {worker_port(workers, 1), worker_port(workers, 2)}


def test_killed_worker_fails_over_then_comes_back(workers):
    first_pid = pid_of(workers, "worker-2")
    os.kill(first_pid, signal.SIGKILL)
    # Still marked active: round robin sends one of these to the dead worker, the INVITE
    # times out there (fr_timer 1 s) and goes to worker 1.
    during = calls(workers, 2, hold_s=2.5)
    assert_answered_by_the_hotline(workers, during)
    got = routes(workers)
    assert {got[r.call_id] for r in during} == {worker_port(workers, 1)}
    failed_over = [r for r in during if r.call_id in failovers(workers)]
    assert len(failed_over) == 1
    assert 0.8 < failed_over[0].setup_s < 3.0, failed_over[0].setup_s
    # Marked down now: no more waiting on it.
    after = calls(workers, 2, hold_s=2.5)
    assert_answered_by_the_hotline(workers, after)
    assert not {r.call_id for r in after} & set(failovers(workers))
    assert max(r.setup_s for r in after) < 0.5
    # The launcher restarts it; the next health check puts it back into rotation.
    deadline = time.monotonic() + 40
    while True:
        try:
            new_pid = pid_of(workers, "worker-2")
            base = int(workers.http.rsplit(":", 1)[1])
            if new_pid != first_pid and httpx.get(f"http://127.0.0.1:{base + 1}/healthz").status_code == 200:
                break
        except (FileNotFoundError, ValueError, httpx.HTTPError):
            pass
        assert time.monotonic() < deadline, "worker 2 was not restarted:\n" + workers.log.read_text()[-3000:]
        time.sleep(0.3)
    time.sleep(PING_S + 0.5)
    back = calls(workers, 2, hold_s=2.5)
    assert_answered_by_the_hotline(workers, back)
    got = routes(workers)
    assert {got[r.call_id] for r in back} == {worker_port(workers, 1), worker_port(workers, 2)}
    assert "worker 2 exited (exit -9)" in workers.log.read_text()


def test_several_workers_share_the_default_sqlite_database(kamailio_bin, tmp_path):
    server = start_workers(tmp_path)
    try:
        results = calls(server, 8, hold_s=2.0)
        assert_answered_by_the_hotline(server, results)
        assert len({routes(server)[r.call_id] for r in results}) == 2
        assert "database is locked" not in server.log.read_text()
    finally:
        assert stop_server(server) == 0

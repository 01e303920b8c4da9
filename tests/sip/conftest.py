"""Helpers for the SIP tests: free ports, a fast timer scale, running sipp against our UA."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

import pytest

from sip_gateway.call import Call
from sip_gateway.sdp import build_answer
from sip_gateway.transaction import Timers

SCENARIOS = Path(__file__).parent / "scenarios"
FAST = Timers(t1=0.05, t2=0.4, t4=0.5)  # Timer H = 3.2 s instead of 32 s
SIPP = shutil.which("sipp")

needs_sipp = pytest.mark.skipif(SIPP is None, reason="sipp not installed (Debian package sip-tester)")


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                try:
                    t.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port")


def free_media_port() -> int:
    """A base port for sipp's media: it binds audio RTP/RTCP and video RTP/RTCP on base..base+3,
    so all four must be free (a single free port collided now and then)."""
    for _ in range(200):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("127.0.0.1", 0))
            base = u.getsockname()[1] // 2 * 2
        if base + 3 > 65535:
            continue
        socks = []
        try:
            for p in range(base, base + 4):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(s)
                s.bind(("127.0.0.1", p))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free block of media ports")


def run(coro, timeout: float = 40.0):
    """Run a test coroutine on a fresh loop, bounded in time."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


@dataclass
class SippResult:
    returncode: int
    stdout: str
    errors: str
    messages: str


async def run_sipp(
    ua_port: int,
    workdir: Path,
    *,
    scenario: str | None = None,
    builtin: str | None = None,
    transport: str = "u1",
    calls: int = 1,
    extra: tuple[str, ...] = (),
    timeout: float = 25.0,
) -> SippResult:
    assert SIPP is not None
    err, msg = workdir / f"{scenario or builtin}.err", workdir / f"{scenario or builtin}.msg"
    args = [SIPP, "-sf", str(SCENARIOS / f"{scenario}.xml")] if scenario else [SIPP, "-sn", builtin or "uac"]
    args += [
        "-m", str(calls), "-l", str(calls), "-r", "50", "-t", transport,
        "-i", "127.0.0.1", "-p", str(free_port()), "-mp", str(free_media_port()),
        "-nostdin", "-timeout", "20s", "-timeout_error", "-recv_timeout", "15000",
        "-trace_err", "-error_file", str(err), "-trace_msg", "-message_file", str(msg),
        *extra, f"127.0.0.1:{ua_port}",
    ]  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        *args,
        cwd=workdir,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        stdin=asyncio.subprocess.DEVNULL,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        raise
    read = lambda p: p.read_text(errors="replace") if p.exists() else ""  # noqa: E731
    return SippResult(proc.returncode or 0, out.decode(errors="replace"), read(err), read(msg))


def answer_sdp(call: Call):
    # no RTP: signalling tests only need a well-formed answer (sipp does not send media unless told)
    return build_answer(call.remote_sdp, "127.0.0.1", 40000)


class Recorder:
    """A paced session that records when the pacer called it."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, float, float]] = []

    def on_tick(self, tick: int, deadline: float, now: float) -> bool:
        self.calls.append((tick, deadline, now))
        return True

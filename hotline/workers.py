"""`hotline serve --workers N`: N gateway processes behind Kamailio, kept running.

Each worker is a plain `hotline serve` process with its own SIP port, HTTP port and
RTP range slice (hotline/workerplan.py), all on the same database. Kamailio listens
on the public SIP port and hands new calls to the workers round robin
(hotline/kamailio/kamailio.cfg). The launcher restarts a worker that dies (with
backoff; Kamailio fails over meanwhile) and on SIGTERM/SIGINT stops Kamailio first
(no new calls), then lets the workers drain their calls as a single `hotline serve`
does. Child output goes to our stdout, each line prefixed with its process name."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from .config import Settings
from .kamailio.render import (
    KamailioOptions,
    dispatcher_list,
    kamailio_log_level,
    listen_address,
    render_config,
    template,
)
from .workerplan import WorkerSpec, plan_workers

log = logging.getLogger(__name__)

BACKOFF_MIN_S = 1.0
BACKOFF_MAX_S = 30.0
STABLE_S = 60.0  # a child that ran this long restarts after the shortest backoff again
KAMAILIO_STOP_S = 5.0


class LaunchError(RuntimeError):
    """Cannot start the workers (missing Kamailio, ports that do not fit, a bad config)."""


@dataclass(slots=True)
class Child:
    name: str  # "worker 1", "kamailio"
    argv: list[str]
    env: dict[str, str]
    pid_file: Path
    proc: asyncio.subprocess.Process | None = None
    starts: int = 0
    exits: list[int] = field(default_factory=list)


def find_kamailio(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise LaunchError(
            f"Kamailio not found: {name!r} is not an executable on PATH. `hotline serve --workers N` needs it "
            "in front of the workers: install the Debian package `kamailio` or set HOTLINE_KAMAILIO_BIN.")
    return path


def worker_destination(sip_host: str, spec: WorkerSpec) -> str:
    """The SIP URI Kamailio sends a local worker's calls to."""
    host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "[::1]"}.get(sip_host, sip_host)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"sip:{host}:{spec.sip_port}"


def _set_parent_death_signal() -> None:
    """In the child before exec: get SIGTERM if the launcher dies (even by SIGKILL)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Launcher:
    def __init__(self, settings: Settings, specs: list[WorkerSpec], kamailio: str) -> None:
        self.settings = settings
        self.specs = specs
        self.kamailio = kamailio
        self.run_dir = settings.data_dir / "run"
        self.kamailio_dir = settings.data_dir / "kamailio"
        self.config_path = self.kamailio_dir / "kamailio.cfg"
        self.list_path = self.kamailio_dir / "dispatcher.list"
        self._stopping = asyncio.Event()

    # --- preparation (files, database) ---

    def write_config(self) -> None:
        self.kamailio_dir.mkdir(parents=True, exist_ok=True)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        s = self.settings
        self.list_path.write_text(dispatcher_list(worker_destination(s.sip_host, w) for w in self.specs))
        options = KamailioOptions(listen=listen_address(s.sip_host, s.sip_port), dispatcher_list=self.list_path,
                                  log_level=kamailio_log_level(s.log_level))
        self.config_path.write_text(render_config(template(), options))
        check = subprocess.run([self.kamailio, "-c", "-f", str(self.config_path)], capture_output=True,
                               text=True, timeout=60)
        if check.returncode != 0:
            raise LaunchError(f"Kamailio rejects {self.config_path}:\n{(check.stdout + check.stderr)[-2000:]}")

    def prepare_database(self) -> None:
        """Migrate and seed once here, so N workers starting together do not race to do it."""
        from .gateway import caller_hash_key
        from .services import build_services

        build_services(self.settings).close()
        caller_hash_key(self.settings)  # the key file too: every worker must hash callers alike

    def children(self) -> list[Child]:
        s = self.settings
        base = os.environ | {
            "HOTLINE_DATA_DIR": str(s.data_dir), "HOTLINE_DATABASE_URL": s.effective_database_url,
            "HOTLINE_SIP_HOST": s.sip_host, "HOTLINE_HTTP_HOST": s.http_host, "PYTHONUNBUFFERED": "1",
        }
        out = [Child(f"worker {w.index}", [sys.executable, "-m", "hotline.cli", "serve"], base | w.env(),
                     self.run_dir / f"worker-{w.index}.pid") for w in self.specs]
        out.append(Child("kamailio", [self.kamailio, "-DD", "-E", "-f", str(self.config_path), "-m", "64",
                                      "-M", "8", "-w", str(self.kamailio_dir)], dict(os.environ),
                         self.run_dir / "kamailio.pid"))
        return out

    # --- running ---

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._stopping.set)
        children = self.children()
        workers, kamailio = children[:-1], children[-1]
        keepers = [asyncio.create_task(self._keep(c), name=c.name) for c in children]
        ready = asyncio.create_task(self._report_ready())
        stop = asyncio.create_task(self._stopping.wait())
        await asyncio.wait([stop, keepers[-1]], return_when=asyncio.FIRST_COMPLETED)
        code = 0
        if keepers[-1].done() and not self._stopping.is_set():
            code = 1  # Kamailio could not start: nothing reaches the workers
            self._stopping.set()
        ready.cancel()
        log.info("stopping: Kamailio first, then the workers drain (up to %.0f s)", self.settings.shutdown_grace_s)
        await self._terminate(kamailio, KAMAILIO_STOP_S)
        await asyncio.gather(*(self._terminate(w, self.settings.shutdown_grace_s + 15) for w in workers))
        await asyncio.gather(*keepers, return_exceptions=True)
        return code

    async def _keep(self, child: Child) -> None:
        backoff = BACKOFF_MIN_S
        while not self._stopping.is_set():
            started = time.monotonic()
            child.proc = await asyncio.create_subprocess_exec(
                *child.argv, env=child.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_set_parent_death_signal)
            child.starts += 1
            if self._stopping.is_set():  # stopped while this one was starting
                child.proc.send_signal(signal.SIGTERM)
            child.pid_file.write_text(f"{child.proc.pid}\n")
            log.info("%s started (pid %d)", child.name, child.proc.pid)
            await self._relay(child)
            code = await child.proc.wait()
            child.exits.append(code)
            with contextlib.suppress(FileNotFoundError):
                child.pid_file.unlink()
            if self._stopping.is_set():
                log.info("%s stopped (exit %d)", child.name, code)
                return
            ran = time.monotonic() - started
            if child.name == "kamailio" and child.starts == 1 and ran < 5:
                log.error("Kamailio exited at once (exit %d); is the SIP port %d taken?", code,
                          self.settings.sip_port)
                return
            if ran >= STABLE_S:
                backoff = BACKOFF_MIN_S
            log.warning("%s exited (exit %d) after %.1f s; restarting in %.0f s", child.name, code, ran, backoff)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), backoff)
            backoff = min(backoff * 2, BACKOFF_MAX_S)

    async def _relay(self, child: Child) -> None:
        assert child.proc is not None and child.proc.stdout is not None
        prefix = f"[{child.name}] ".encode()
        out = sys.stdout.buffer
        while line := await child.proc.stdout.readline():
            out.write(prefix + line if line.endswith(b"\n") else prefix + line + b"\n")
            out.flush()

    async def _terminate(self, child: Child, timeout: float) -> None:
        proc = child.proc
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), timeout)
        except TimeoutError:
            log.warning("%s did not stop within %.0f s: killed", child.name, timeout)
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()

    async def _report_ready(self) -> None:
        """One line once every worker answers /healthz (bounded: gives up after 10 minutes)."""
        import httpx

        host = "127.0.0.1" if self.settings.http_host in ("0.0.0.0", "") else self.settings.http_host
        pending = {w.index: f"http://{host}:{w.http_port}/healthz" for w in self.specs}
        started = time.monotonic()
        async with httpx.AsyncClient(timeout=2) as client:
            while pending and time.monotonic() - started < 600:
                for index, url in list(pending.items()):
                    with contextlib.suppress(httpx.HTTPError):
                        if (await client.get(url)).status_code == 200:
                            del pending[index]
                if pending:
                    await asyncio.sleep(0.5)
        if not pending:
            print(f"hotline: {len(self.specs)} workers ready behind Kamailio on "
                  f"{self.settings.sip_host}:{self.settings.sip_port} (UDP), HTTP API on "
                  f"http://{self.settings.http_host}:{self.settings.http_port}", flush=True)


def serve_workers(settings: Settings) -> int:
    """The `hotline serve --workers N` entry point; exit 2 with a message when it cannot start."""
    # force: `hotline` already configured logging for its own WARNING level.
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        force=True)
    for noisy in ("httpx", "alembic"):  # readiness polls, migrations at start
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        kamailio = find_kamailio(settings.kamailio_bin)
        specs = plan_workers(settings.workers, sip_port=settings.sip_port, http_port=settings.http_port,
                             rtp_port_min=settings.rtp_port_min, rtp_port_max=settings.rtp_port_max)
        small = [w for w in specs if w.rtp_ports < settings.max_calls]
        if small:
            log.warning("each worker's RTP slice holds %d calls, fewer than HOTLINE_MAX_CALLS=%d: widen "
                        "HOTLINE_RTP_PORT_MIN..MAX", small[0].rtp_ports, settings.max_calls)
        launcher = Launcher(settings, specs, kamailio)
        launcher.write_config()
    except (LaunchError, ValueError, OSError, subprocess.TimeoutExpired) as exc:
        print(f"hotline serve: {exc}", file=sys.stderr)
        return 2
    try:
        launcher.prepare_database()
    except (SQLAlchemyError, OSError) as exc:
        print(f"hotline serve: cannot open the database: {exc}", file=sys.stderr)
        return 2
    for w in specs:
        log.info("worker %d: SIP %d, HTTP %d, RTP %d-%d", w.index, w.sip_port, w.http_port,
                 w.rtp_port_min, w.rtp_port_max)
    return asyncio.run(launcher.run())

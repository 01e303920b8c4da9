"""Places N real SIP calls at an arrival rate against a target, all from ONE user agent
and ONE 20 ms pacer, follows each call to its end and checks the answer.

Bounded twice: by the call count and by a time limit (calls still up at the limit are
hung up and counted as cut by the limit)."""

from __future__ import annotations

import asyncio
import contextlib
import resource
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlparse

from hotline.caller import CallResult, place_call
from hotline.config import Settings
from hotline.loadtest.pool import Script
from hotline.loadtest.procfs import parse_metrics, pid_for_udp_port, read_proc
from sip_gateway.pacer import Pacer
from sip_gateway.rtpmux import RtpMux
from sip_gateway.useragent import UserAgent

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True, slots=True)
class LoadConfig:
    target: str  # sip:HOST:PORT
    calls: int
    rate: float  # new calls per second
    hold_s: float | None = None  # None: hang up when the last answer has been heard
    time_limit_s: float = 600.0
    local_host: str = "127.0.0.1"
    http: str | None = None  # the hotline's HTTP API, for call records (correctness)
    token: str | None = None
    prompt_timeout_s: float = 30.0
    final_listen_s: float = 25.0
    record: bool = False  # keep what each caller heard (memory: 16 kB per second per call)
    server_pid: int | None = None  # sampled for CPU and memory (found from the SIP port on loopback)
    record_wait_s: float = 60.0  # for the call record after hang-up (a busy recogniser delays it)
    rtp_mux: bool | None = None  # one shared RTP port for all calls; None: HOTLINE_RTP_MUX's setting

    def __post_init__(self) -> None:
        if not self.target.startswith("sip:"):
            raise ValueError("target must be a sip: URI, e.g. sip:127.0.0.1:5060")
        if self.calls < 1:
            raise ValueError("calls must be at least 1")
        if self.rate <= 0:
            raise ValueError("rate must be positive")
        if self.time_limit_s <= 0:
            raise ValueError("time limit must be positive")
        if self.hold_s is not None and self.hold_s <= 0:
            raise ValueError("hold must be positive")


@dataclass(slots=True)
class CallOutcome:
    index: int
    script: str
    expected_code: str | None
    started_s: float  # since the run started
    result: CallResult
    status: str = ""  # answered | failed
    cause: str = ""  # why it failed (or "" when answered)
    correct: bool | None = None  # None: not checked (no call record available)
    answered_codes: list[str] = field(default_factory=list)
    server_latency_ms: list[float] = field(default_factory=list)  # per turn, from the call record
    record_error: str = ""

    def to_dict(self) -> dict:
        r = self.result.to_dict()
        r.pop("received_audio", None)
        return {"index": self.index, "script": self.script, "expected_code": self.expected_code,
                "started_s": round(self.started_s, 3), "status": self.status, "cause": self.cause,
                "correct": self.correct, "answered_codes": self.answered_codes,
                "server_latency_ms": self.server_latency_ms, "record_error": self.record_error, **r}


@dataclass(slots=True)
class Sample:
    t: float
    active: int  # calls of this run in progress
    started: int
    done: int
    server_cpu_pct: float | None = None  # of one core
    server_rss_mb: float | None = None
    tester_cpu_pct: float | None = None
    server_send_p99_ms: float | None = None  # from /metrics
    server_active: float | None = None
    asr_queue: float | None = None
    server_rtp_lost: float | None = None  # inbound RTP packets the hotline lost so far (all calls)

    def to_dict(self) -> dict:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in
                ((f, getattr(self, f)) for f in self.__slots__)}


@dataclass(slots=True)
class LoadResult:
    config: LoadConfig
    calls: list[CallOutcome]
    samples: list[Sample]
    started_at: float  # wall clock
    duration_s: float
    hit_time_limit: bool
    tester_send_p99_ms: float
    server_pid: int | None
    server_rtp_lost_before: float | None = None


def classify(result: CallResult) -> tuple[str, str]:
    """(status, cause) of one call from what the caller saw."""
    if not result.connected:
        failure = result.failure or "no answer"
        kind, _, detail = failure.partition(": ")
        if kind == "CallFailed":
            return "failed", f"sip_{detail.split()[0]}" if detail else "sip_error"
        if kind == "TimeoutError":
            return "failed", "setup_timeout"
        return "failed", kind.lower() or "error"
    if not result.prompts:
        return "failed", "no_audio"
    return "answered", ""


def check_record(outcome: CallOutcome, record: dict) -> None:
    """Fill correctness from the hotline's call record (GET /api/v1/calls/{id})."""
    outcome.answered_codes = list(record.get("procedures") or [])
    outcome.server_latency_ms = [t["latency_ms"] for t in record.get("turns") or [] if t.get("latency_ms")]
    if outcome.expected_code is not None:
        outcome.correct = outcome.expected_code in outcome.answered_codes


class _RecordClient:
    def __init__(self, http: str, token: str | None) -> None:
        import httpx

        # Hundreds of calls end together: they queue for the pool's connections (no pool timeout)
        # instead of failing, and the server sees at most 20 requests at once.
        self.client = httpx.AsyncClient(base_url=http.rstrip("/"), timeout=httpx.Timeout(15, pool=None),
                                        limits=httpx.Limits(max_connections=20),
                                        headers={"Authorization": f"Bearer {token}"} if token else {})

    async def ended_record(self, call_id: str, *, timeout: float = 20.0) -> dict:
        """The call record once the call has ended (records are written in the background)."""
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            try:
                r = await self.client.get(f"/api/v1/calls/{call_id}")
                if r.status_code == 200 and r.json().get("ended_at"):
                    return r.json()
                last = f"HTTP {r.status_code}"
                if r.status_code in (401, 403):
                    break
            except Exception as exc:  # noqa: BLE001 - any transport error: retry until the deadline
                last = f"{type(exc).__name__}: {exc}"
            await asyncio.sleep(0.5)
        raise LookupError(f"no ended call record ({last})")

    async def metrics(self) -> dict[str, float]:
        r = await self.client.get("/metrics")
        r.raise_for_status()
        return parse_metrics(r.text)

    async def close(self) -> None:
        await self.client.aclose()


async def _refuse(call) -> None:
    await call.reject(603, "Decline")


def target_port(target: str) -> tuple[str, int]:
    rest = target[4:].split(";", 1)[0]
    host_port = rest.rsplit("@", 1)[-1]
    parsed = urlparse(f"//{host_port}")
    return parsed.hostname or "", parsed.port or 5060


async def run_load(
    config: LoadConfig,
    scripts: Sequence[Script],
    *,
    on_progress: Callable[[list[CallOutcome], Sample], None] | None = None,
    sample_every_s: float = 1.0,
) -> LoadResult:
    """Run the load: call i uses scripts[i % len(scripts)], starting at i / rate seconds."""
    if not scripts:
        raise ValueError("no caller scripts")
    host, port = target_port(config.target)
    pid = config.server_pid
    if pid is None and host in LOOPBACK:
        pid = pid_for_udp_port(port)
    records = _RecordClient(config.http, config.token) if config.http else None
    pacer = Pacer()
    use_mux = config.rtp_mux if config.rtp_mux is not None else Settings.from_env().rtp_mux
    mux = RtpMux.open(pacer, host=config.local_host, port=0) if use_mux else None
    ua = UserAgent(_refuse, host=config.local_host, port=0, max_calls=0, user_agent="hotline-loadtest", tcp=False)
    await ua.start()
    outcomes: list[CallOutcome] = []
    samples: list[Sample] = []
    started = 0
    active = 0
    t0 = time.monotonic()
    wall0 = time.time()
    hit_limit = False

    async def one(i: int, script: Script) -> None:
        nonlocal active
        outcome = CallOutcome(i, script.name, script.expected_code, time.monotonic() - t0, CallResult())
        outcomes.append(outcome)
        active += 1
        try:
            outcome.result = await place_call(
                config.target, script.steps, local_host=config.local_host, prompt_timeout=config.prompt_timeout_s,
                final_listen_s=config.final_listen_s, from_user=f"loadtest{i}", ua=ua, pacer=pacer,
                hold_s=config.hold_s, record=config.record, result=outcome.result, mux=mux)
        except asyncio.CancelledError:
            outcome.status, outcome.cause = "failed", "time_limit"
            raise
        except Exception as exc:  # noqa: BLE001 - one broken call is a result, not the end of the run
            outcome.status, outcome.cause = "failed", f"error_{type(exc).__name__}"
            return
        finally:
            active -= 1
        outcome.status, outcome.cause = classify(outcome.result)
        if records is not None and outcome.result.connected:
            try:
                check_record(outcome, await records.ended_record(outcome.result.call_id,
                                                                timeout=config.record_wait_s))
            except LookupError as exc:
                outcome.record_error = str(exc)

    proc_prev = (time.monotonic(), read_proc(pid) if pid else None)
    server_rtp_lost0 = None
    if records is not None:
        with contextlib.suppress(Exception):
            server_rtp_lost0 = (await records.metrics()).get("hotline_rtp_lost_packets_total")

    def tester_cpu() -> float:
        ru = resource.getrusage(resource.RUSAGE_SELF)
        return ru.ru_utime + ru.ru_stime

    tester_prev = (time.monotonic(), tester_cpu())

    async def sample() -> Sample:
        nonlocal proc_prev, tester_prev
        now = time.monotonic()
        s = Sample(round(now - t0, 3), active, started, sum(1 for o in outcomes if o.status))
        if pid:
            cur = read_proc(pid)
            if cur is not None and proc_prev[1] is not None and now > proc_prev[0]:
                s.server_cpu_pct = 100 * (cur.cpu_s - proc_prev[1].cpu_s) / (now - proc_prev[0])
                s.server_rss_mb = cur.rss_bytes / 2**20
            proc_prev = (now, cur)
        cpu = tester_cpu()
        s.tester_cpu_pct = 100 * (cpu - tester_prev[1]) / max(1e-6, now - tester_prev[0])
        tester_prev = (now, cpu)
        if records is not None:
            with contextlib.suppress(Exception):
                m = await records.metrics()
                s.server_send_p99_ms = m.get("hotline_rtp_send_lateness_p99_ms")
                s.server_active = m.get("hotline_active_calls")
                s.asr_queue = m.get("hotline_asr_queue_depth")
                s.server_rtp_lost = m.get("hotline_rtp_lost_packets_total")
        return s

    async def sampler() -> None:
        while True:
            await asyncio.sleep(sample_every_s)
            s = await sample()
            samples.append(s)
            if on_progress is not None:
                on_progress(outcomes, s)

    tasks: list[asyncio.Task] = []
    sampler_task = asyncio.create_task(sampler())
    try:
        try:
            async with asyncio.timeout(config.time_limit_s):
                for i in range(config.calls):
                    delay = t0 + i / config.rate - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    tasks.append(asyncio.create_task(one(i, scripts[i % len(scripts)])))
                    started += 1
                await asyncio.gather(*tasks, return_exceptions=True)
        except TimeoutError:
            hit_limit = True
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        samples.append(await sample())
        if on_progress is not None:
            on_progress(outcomes, samples[-1])
    finally:
        sampler_task.cancel()
        with contextlib.suppress(BaseException):
            await sampler_task
        duration = time.monotonic() - t0
        await ua.stop()  # hangs up whatever is left
        pacer.stop()
        if mux is not None:
            mux.close()
        if records is not None:
            await records.close()
    outcomes.sort(key=lambda o: o.index)
    return LoadResult(config, outcomes, samples, wall0, duration, hit_limit, pacer.lateness_ms(0.99), pid,
                      server_rtp_lost0)

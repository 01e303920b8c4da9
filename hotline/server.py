"""`hotline serve`: HTTP API and the SIP gateway in one uvloop process.

SIGTERM/SIGINT: new calls get 503, active calls may finish within the grace period,
then the process exits."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from dataclasses import dataclass

import uvicorn
import uvloop

from .api.app import create_app
from .brain import Brain, load_phrases
from .callevents import CallEventBus
from .callrecords import BackgroundCallRecords
from .config import Settings
from .gateway import Gateway
from .metrics import Metrics
from .prerender import Prerenderer
from .services import Services, build_services

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Hotline:
    """Everything `hotline serve` runs, built and torn down together (also used by tests)."""

    services: Services
    gateway: Gateway
    http: uvicorn.Server
    prerenderer: Prerenderer
    records: BackgroundCallRecords

    @property
    def brain(self) -> Brain:
        return self.services.extras["brain"]


def build(settings: Settings) -> Hotline:
    from asr.base import create_engine
    from tts.base import Voice

    from .voice import configured_synthesizer, open_answer_cache, slower

    services = build_services(settings)
    metrics: Metrics = services.extras.setdefault("metrics", Metrics())
    events = services.extras.setdefault("events", CallEventBus())
    synth = configured_synthesizer(settings)
    voice = Voice(name=settings.tts_voice)
    cache = open_answer_cache(settings, synth, voice)
    slow_cache = open_answer_cache(settings, synth, slower(voice))
    services.extras["audio_cache"] = cache
    prerenderer = Prerenderer(cache, scope=settings.prerender)
    brain = Brain(services.store, on_snapshot=lambda snap: prerenderer.update(snap.catalogue),
                  phrases=bias_phrases(settings))
    services.extras["brain"] = brain
    records = BackgroundCallRecords(services.calls)
    engine = create_engine(settings.asr_engine, settings.asr_model_path or None)
    gateway = Gateway(settings, brain, engine=engine, cache=cache, slow_cache=slow_cache, records=records,
                      events=events, metrics=metrics)
    services.extras["gateway"] = gateway
    app = create_app(services)
    config = uvicorn.Config(app, host=settings.http_host, port=settings.http_port,
                            log_level=settings.log_level.lower(), access_log=False)
    http = uvicorn.Server(config)
    return Hotline(services, gateway, http, prerenderer, records)


async def run(hotline: Hotline, *, stop: asyncio.Event | None = None, grace_s: float = 60.0) -> None:
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread (tests)
            loop.add_signal_handler(sig, stop.set)
    # Our handlers, not uvicorn's: the SIP side must drain before the HTTP side stops.
    hotline.http.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    await asyncio.to_thread(hotline.brain.snapshot)  # build the matcher and start prerendering now
    await hotline.gateway.start()
    http_task = asyncio.create_task(hotline.http.serve(), name="http")
    try:
        await _freeze_when_started(hotline.http, http_task)
        stop_task = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({http_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
        stop_task.cancel()
        if http_task in done and http_task.exception() is not None:
            raise http_task.exception()  # e.g. the HTTP port is taken
        log.info("stopping: no new calls, %d active may finish within %.0f s",
                 hotline.gateway.ua.active_calls, grace_s)
        await hotline.gateway.drain(grace_s)
    finally:
        await hotline.gateway.stop()
        hotline.http.should_exit = True
        await asyncio.gather(http_task, return_exceptions=True)
        await asyncio.to_thread(hotline.records.flush)
        hotline.records.close()
        hotline.services.close()


async def _freeze_when_started(http: uvicorn.Server, task: asyncio.Task, limit_s: float = 30.0) -> None:
    """Once the HTTP server is up (uvicorn imports its protocol modules only then), move
    everything alive into the collector's permanent generation, as Gateway.start did for
    what was loaded before: otherwise each full collection walks those modules again
    (about 100 h11 classes and their modules; the gain per pass measured within noise)."""
    deadline = asyncio.get_running_loop().time() + limit_s
    while not http.started and not task.done() and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    gc.collect()
    gc.freeze()


def bias_phrases(settings: Settings) -> tuple[str, ...]:
    """The recogniser's bias phrases; an unreadable HOTLINE_ASR_PHRASES stops start-up with
    a one-line message rather than a traceback."""
    try:
        return load_phrases(settings.asr_phrases)
    except (OSError, UnicodeDecodeError) as exc:
        raise SystemExit(f"hotline: HOTLINE_ASR_PHRASES: cannot read {settings.asr_phrases}: {exc}") from exc


def serve(settings: Settings) -> int:
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    hotline = build(settings)
    print(f"hotline: SIP on {settings.sip_host}:{settings.sip_port} (UDP/TCP), "
          f"HTTP on http://{settings.http_host}:{settings.http_port}  (Ctrl-C to stop)", flush=True)
    uvloop.run(run(hotline, grace_s=settings.shutdown_grace_s))
    return 0

"""The FastAPI application: staff API, text channel, health and metrics."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from ..brain import Brain
from ..console import create_console
from ..metrics import Metrics
from ..services import Services
from ..textchannel import SessionRegistry
from . import accounts, ask, calls, procedures, prompts

log = logging.getLogger(__name__)


def create_app(services: Services) -> FastAPI:
    app = FastAPI(
        title="hotline",
        version="0.1.0",
        description="AI voice hotline for Vietnamese administrative procedures: staff and text-channel API.",
    )
    app.state.services = services
    metrics: Metrics = services.extras.setdefault("metrics", Metrics())

    brain = services.extras.setdefault("brain", Brain(services.store))
    services.extras.setdefault(
        "sessions",
        SessionRegistry(brain, records=services.calls, operator_available=bool(services.settings.operator_uri)),
    )

    app.include_router(procedures.router)
    app.include_router(ask.router)
    app.include_router(calls.router)
    app.include_router(prompts.router)
    app.include_router(accounts.router)
    app.mount("/console", create_console(services))  # the staff console (Jinja2 + htmx)

    @app.middleware("http")
    async def count_requests(request: Request, call_next):
        try:
            response = await call_next(request)
        except Exception:
            # Never leak a traceback to a client; the log has it.
            log.exception("unhandled error on %s %s", request.method, request.url.path)
            metrics.http_requests.labels(request.method, "500").inc()
            return JSONResponse({"detail": "internal error"}, status_code=500)
        metrics.http_requests.labels(request.method, str(response.status_code)).inc()
        if request.method != "GET" and request.url.path.startswith(("/api/v1/procedures", "/api/v1/imports")):
            brain.invalidate()  # the next question sees the edit at once in this process
        return response

    @app.get("/healthz", tags=["ops"], summary="Liveness and database reachability")
    def healthz() -> JSONResponse:
        try:
            with services.db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # the point is to report, not raise
            return JSONResponse({"status": "error", "database": str(exc)[:200]}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    @app.get("/metrics", tags=["ops"], summary="Prometheus metrics", response_class=PlainTextResponse)
    def prometheus() -> PlainTextResponse:
        by_status = services.store.stats()["by_status"]
        for st in ("published", "draft"):
            metrics.procedures.labels(st).set(by_status.get(st, 0))
        return PlainTextResponse(metrics.render().decode(), media_type=CONTENT_TYPE_LATEST)

    return app

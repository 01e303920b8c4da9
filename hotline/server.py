"""`hotline serve`: the HTTP API (and, with the gateway, SIP) in one uvloop process."""

from __future__ import annotations

import logging

import uvicorn
import uvloop

from .api.app import create_app
from .config import Settings
from .services import build_services

log = logging.getLogger(__name__)


async def run(settings: Settings) -> None:
    services = build_services(settings)
    try:
        app = create_app(services)
        config = uvicorn.Config(app, host=settings.http_host, port=settings.http_port,
                                log_level=settings.log_level.lower(), access_log=False)
        server = uvicorn.Server(config)
        log.info("HTTP on %s:%d", settings.http_host, settings.http_port)
        await server.serve()
    finally:
        services.close()


def serve(settings: Settings) -> int:
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    uvloop.run(run(settings))
    return 0

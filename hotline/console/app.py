"""The console as a FastAPI sub-application, mounted by the main app at /console."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..regression import RegressionSet
from ..review import ReviewQueue
from ..services import Services
from . import auth_pages, dashboard_pages, procedure_pages, review_pages, try_pages, user_pages
from .deps import Console, Forbidden, LoginRequired, identify, is_htmx, prefix, render
from .sessions import SessionStore
from .throttle import LoginThrottle
from .users import UserAdmin

STATIC = Path(__file__).parent / "static"
# Scripts only from our own files (no inline script: an injected one would not run),
# no framing by other sites (clickjacking), no leaking console URLs to other sites.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; media-src 'self'; frame-ancestors 'none'; form-action 'self'; "
                               "base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def create_console(services: Services, *, sessions: SessionStore | None = None) -> FastAPI:
    app = FastAPI(title="hotline console", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.services = services
    app.state.console = Console(
        services=services,
        sessions=sessions or SessionStore(services.db.sessions, bootstrap_token=services.settings.admin_token),
        review=ReviewQueue(services.db.sessions),
        regression=services.extras.setdefault("regression", RegressionSet(services.db.sessions)),
        users=UserAdmin(services.db.sessions),
        throttle=LoginThrottle(),
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    for module in (auth_pages, procedure_pages, try_pages, review_pages, dashboard_pages, user_pages):
        app.include_router(module.router)

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        target = f"{prefix(request)}/login?next={quote(request.url.path)}"
        if is_htmx(request):
            return Response(status_code=200, headers={"HX-Redirect": target})
        if request.headers.get("authorization"):
            return Response("invalid or expired token", status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return render(request, "error.html", await _quiet_identify(request), status_code=403,
                      title="Không được phép", message=exc.message)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        fields = ", ".join(str(e.get("loc", ["?"])[-1]) for e in exc.errors())
        return render(request, "error.html", await _quiet_identify(request), status_code=422,
                      title="Yêu cầu không hợp lệ", message=f"Giá trị không hợp lệ: {fields}.")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return render(request, "error.html", await _quiet_identify(request), status_code=exc.status_code,
                      title="Lỗi" if exc.status_code != 404 else "Không tìm thấy", message=str(exc.detail))

    return app


async def _quiet_identify(request: Request):
    try:
        return await identify(request)
    except LoginRequired:
        return None

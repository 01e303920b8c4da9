"""What every console page needs: the console's parts, the signed-in staff member,
role checks, CSRF checks for cookie-authenticated writes, and template rendering."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ..accounts import Principal, role_allows
from ..regression import RegressionSet
from ..review import REASONS_VI, ReviewQueue
from ..services import Services
from .sessions import COOKIE, ConsoleSession, SessionStore, csrf_ok
from .throttle import LoginThrottle
from .users import UserAdmin

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
ROLE_VI = {"viewer": "xem", "editor": "biên tập", "admin": "quản trị"}
STATUS_VI = {"published": "đang công bố", "draft": "bản nháp"}
OUTCOME_VI = {"answered": "đã trả lời", "transferred": "chuyển tổng đài viên", "unresolved": "chưa giải quyết",
              "abandoned": "gác máy khi đang chào"}


TOPIC_VI = {"fee": "lệ phí", "time": "thời gian", "documents": "hồ sơ", "steps": "các bước", "place": "nơi nộp",
            "conditions": "điều kiện", "online": "nộp trực tuyến", "result": "kết quả"}
# Staff read times in Vietnam's time zone (UTC+7 all year, no daylight saving).
VN_TZ = timezone(timedelta(hours=7))


def to_vn(value: datetime) -> datetime:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(VN_TZ)


def _vn_time(value: datetime | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return to_vn(value).strftime("%d/%m/%Y %H:%M")


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%".replace(".", ",")


TEMPLATES.env.filters["vntime"] = _vn_time
TEMPLATES.env.filters["percent"] = _percent
TEMPLATES.env.globals.update(ROLE_VI=ROLE_VI, TOPIC_VI=TOPIC_VI, STATUS_VI=STATUS_VI, OUTCOME_VI=OUTCOME_VI, REASONS_VI=REASONS_VI,
                             role_allows=role_allows)


@dataclass(slots=True)
class Console:
    services: Services
    sessions: SessionStore
    review: ReviewQueue
    regression: RegressionSet
    users: UserAdmin
    throttle: LoginThrottle


@dataclass(frozen=True, slots=True)
class StaffUser:
    principal: Principal
    session: ConsoleSession | None  # None: authenticated by a bearer token on this request

    @property
    def name(self) -> str:
        return self.principal.name

    @property
    def role(self) -> str:
        return self.principal.role

    def can(self, role: str) -> bool:
        return role_allows(self.principal.role, role)


class LoginRequired(Exception):
    pass


class Forbidden(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def console(request: Request) -> Console:
    return request.app.state.console


async def identify(request: Request) -> StaffUser | None:
    parts = console(request)
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        who = None
        if scheme.lower() == "bearer" and token.strip():
            who = await run_in_threadpool(parts.services.accounts.authenticate, token.strip())
        if who is None:
            raise LoginRequired()
        return StaffUser(who, None)
    session = await run_in_threadpool(parts.sessions.get, request.cookies.get(COOKIE))
    return None if session is None else StaffUser(session.principal, session)


def guard(role: str, *, write: bool = False):
    """A dependency: the signed-in staff member with at least ``role``. For writes over a
    cookie session the CSRF token must come in the form field ``csrf`` or the
    ``X-CSRF-Token`` header (htmx sends the header)."""

    async def check(request: Request) -> StaffUser:
        user = await identify(request)
        if user is None:
            raise LoginRequired()
        if write and user.session is not None:
            supplied = request.headers.get("x-csrf-token")
            if not supplied:
                form = await request.form()
                supplied = form.get("csrf")
            if not csrf_ok(user.session, supplied if isinstance(supplied, str) else None):
                raise Forbidden("Phiên làm việc không hợp lệ (thiếu mã CSRF). Hãy tải lại trang và thử lại.")
        if not user.can(role):
            raise Forbidden(f"Vai trò «{ROLE_VI.get(user.role, user.role)}» không được làm việc này; "
                            f"cần vai trò «{ROLE_VI[role]}».")
        return user

    return check


def prefix(request: Request) -> str:
    return request.scope.get("root_path", "").rstrip("/")


def render(request: Request, template: str, user: StaffUser | None, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.update(user=user, base=prefix(request), csrf=user.session.csrf if user and user.session else "",
                   path=request.url.path)
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


# The guards pages use, as module-level markers (one dependency object each).
VIEWER = Depends(guard("viewer"))
VIEWER_POST = Depends(guard("viewer", write=True))
EDITOR_POST = Depends(guard("editor", write=True))
ADMIN = Depends(guard("admin"))
ADMIN_POST = Depends(guard("admin", write=True))

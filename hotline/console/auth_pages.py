"""Login (staff password or API token) and logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from .deps import VIEWER_POST, StaffUser, console, identify, prefix, render
from .sessions import COOKIE

router = APIRouter()


def _safe_next(request: Request, target: str | None) -> str:
    base = prefix(request)
    # Only paths inside the console: never an open redirect to another site.
    if target and target.startswith(base + "/") and not target.startswith("//") and "\\" not in target:
        return target
    return base + "/procedures"


def _same_origin(request: Request) -> bool:
    """Login has no session (so no CSRF token) yet: refuse posts from other sites' pages."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


@router.get("/", include_in_schema=False)
async def home(request: Request) -> Response:
    return RedirectResponse(prefix(request) + "/procedures", status_code=303)


@router.get("/login")
async def login_form(request: Request, next: str | None = None) -> Response:
    user = await identify(request)
    if user is not None:
        return RedirectResponse(_safe_next(request, next), status_code=303)
    return render(request, "login.html", None, next=next or "")


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    parts = console(request)
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    token = str(form.get("token") or "").strip()
    target = str(form.get("next") or "")
    if not _same_origin(request):
        return render(request, "login.html", None, status_code=403, next=target,
                      error="Yêu cầu đăng nhập đến từ trang khác; đã từ chối.")
    keys = (f"user:{username.lower()}" if username and not token else "", f"addr:{_client(request)}")
    wait = parts.throttle.blocked(*keys)
    if wait > 0:
        return render(request, "login.html", None, status_code=429, next=target, username=username,
                      error=f"Đăng nhập sai quá nhiều lần. Hãy thử lại sau {int(wait // 60) + 1} phút.")
    who, kind = None, "password"
    if token:
        who, kind = await run_in_threadpool(parts.services.accounts.authenticate, token), "token"
    elif username and password:
        who = await run_in_threadpool(parts.services.accounts.check_password, username, password)
    if who is None:
        parts.throttle.failed(*keys)
        return render(request, "login.html", None, status_code=401, next=target, username=username,
                      error="Sai tên đăng nhập, mật khẩu hoặc mã truy cập.")
    parts.throttle.succeeded(keys[0])
    cookie, _ = await run_in_threadpool(lambda: parts.sessions.create(who, kind=kind, api_token=token))
    response = RedirectResponse(_safe_next(request, target), status_code=303)
    response.set_cookie(COOKIE, cookie, httponly=True, samesite="lax", secure=request.url.scheme == "https",
                        path=prefix(request) or "/", max_age=int(parts.sessions.absolute.total_seconds()))
    return response


@router.post("/logout")
async def logout(request: Request, user: StaffUser = VIEWER_POST) -> Response:
    await run_in_threadpool(console(request).sessions.delete, request.cookies.get(COOKIE))
    response = RedirectResponse(prefix(request) + "/login", status_code=303)
    response.delete_cookie(COOKIE, path=prefix(request) or "/")
    return response

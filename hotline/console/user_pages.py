"""Users and roles (admin): create users, change role, deactivate, reset a
password; issue and revoke API tokens."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from ..accounts import ROLES, AccountError
from .deps import ADMIN, ADMIN_POST, StaffUser, console, prefix, render

router = APIRouter()


async def _page(request: Request, user: StaffUser, *, status_code: int = 200, saved: str = "", error: str = "",
                new_token: str = "") -> Response:
    parts = console(request)
    return render(request, "users.html", user, status_code=status_code, users=await run_in_threadpool(parts.users.users),
                  tokens=await run_in_threadpool(parts.users.tokens), roles=ROLES, saved=saved, error=error,
                  new_token=new_token)


@router.get("/users")
async def users(request: Request, saved: str = "", user: StaffUser = ADMIN) -> Response:
    return await _page(request, user, saved=saved)


@router.post("/users")
async def create_user(request: Request, user: StaffUser = ADMIN_POST) -> Response:
    form = await request.form()
    username = str(form.get("username") or "").strip()
    try:
        await run_in_threadpool(console(request).services.accounts.create_user, username,
                                str(form.get("password") or ""), str(form.get("role") or ""))
    except AccountError as exc:
        return await _page(request, user, status_code=422, error=str(exc))
    return RedirectResponse(f"{prefix(request)}/users?saved=Đã tạo người dùng {username}.", status_code=303)


@router.post("/users/{username}")
async def change_user(request: Request, username: str, user: StaffUser = ADMIN_POST) -> Response:
    parts = console(request)
    form = await request.form()
    action = str(form.get("action") or "")
    try:
        if action == "role":
            role = str(form.get("role") or "")
            if username == user.name and role != "admin":
                raise AccountError("Không thể tự bỏ quyền quản trị của chính mình.")
            await run_in_threadpool(parts.users.set_role, username, role)
            done = f"Đã đổi vai trò của {username}."
        elif action in ("deactivate", "activate"):
            if username == user.name:
                raise AccountError("Không thể tự khoá tài khoản của chính mình.")
            await run_in_threadpool(parts.users.set_active, username, action == "activate")
            if action == "deactivate":
                await run_in_threadpool(parts.sessions.end_all, username)
            done = f"Đã {'mở khoá' if action == 'activate' else 'khoá'} {username}."
        elif action == "password":
            await run_in_threadpool(parts.users.set_password, username, str(form.get("password") or ""))
            await run_in_threadpool(parts.sessions.end_all, username)
            done = f"Đã đặt lại mật khẩu của {username}."
        else:
            raise AccountError("Thao tác không hợp lệ.")
    except AccountError as exc:
        return await _page(request, user, status_code=422, error=str(exc))
    return RedirectResponse(f"{prefix(request)}/users?saved={done}", status_code=303)


@router.post("/tokens")
async def create_token(request: Request, user: StaffUser = ADMIN_POST) -> Response:
    form = await request.form()
    name = str(form.get("name") or "").strip()
    days = str(form.get("ttl_days") or "").strip()
    try:
        if not name or len(name) > 100:
            raise AccountError("Tên mã truy cập phải dài 1–100 ký tự.")
        ttl = timedelta(days=int(days)) if days else None
        token = await run_in_threadpool(lambda: console(request).services.accounts.create_token(
            name, str(form.get("role") or ""), username=str(form.get("username") or "") or None, ttl=ttl))
    except (AccountError, ValueError) as exc:
        return await _page(request, user, status_code=422, error=str(exc))
    return await _page(request, user, saved=f"Đã tạo mã truy cập {name}. Hãy sao chép ngay: mã chỉ hiện một lần.",
                       new_token=token)


@router.post("/tokens/{token_id}/revoke")
async def revoke_token(request: Request, token_id: int, user: StaffUser = ADMIN_POST) -> Response:
    await run_in_threadpool(console(request).users.revoke_token, token_id)
    return RedirectResponse(f"{prefix(request)}/users?saved=Đã thu hồi mã truy cập.", status_code=303)

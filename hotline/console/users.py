"""Staff user and token administration for the console (admin only).

Account creation and token issue go through :class:`hotline.accounts.Accounts`;
this module adds the listing and the changes the console offers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from ..accounts import ROLES, AccountError, ApiToken, User, hash_password


@dataclass(frozen=True, slots=True)
class UserView:
    username: str
    role: str
    active: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TokenView:
    id: int
    name: str
    role: str
    username: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


class UserAdmin:
    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory

    def users(self) -> list[UserView]:
        with self._sessions() as s:
            return [UserView(u.username, u.role, u.active, u.created_at)
                    for u in s.scalars(select(User).order_by(User.username))]

    def tokens(self) -> list[TokenView]:
        with self._sessions() as s:
            names = dict(s.execute(select(User.id, User.username)).all())
            return [TokenView(t.id, t.name, t.role, names.get(t.user_id, ""), t.created_at, t.expires_at,
                              t.last_used_at) for t in s.scalars(select(ApiToken).order_by(ApiToken.id))]

    def _user(self, s, username: str) -> User:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise AccountError(f"không có người dùng {username!r}")
        return user

    def set_role(self, username: str, role: str) -> None:
        if role not in ROLES:
            raise AccountError(f"vai trò phải là một trong {', '.join(ROLES)}")
        with self._sessions.begin() as s:
            self._user(s, username).role = role

    def set_active(self, username: str, active: bool) -> None:
        with self._sessions.begin() as s:
            self._user(s, username).active = active

    def set_password(self, username: str, password: str) -> None:
        if len(password) < 8:
            raise AccountError("mật khẩu phải có ít nhất 8 ký tự")
        with self._sessions.begin() as s:
            self._user(s, username).password_hash = hash_password(password)

    def revoke_token(self, token_id: int) -> bool:
        with self._sessions.begin() as s:
            row = s.get(ApiToken, token_id)
            if row is None:
                return False
            s.delete(row)
            return True

    def admins(self) -> int:
        with self._sessions() as s:
            return len(list(s.scalars(select(User.id).where(User.role == "admin", User.active.is_(True)))))

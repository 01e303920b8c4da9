"""Console login sessions: a random cookie, stored hashed, with an idle and an
absolute expiry, and a per-session CSRF token for cookie-authenticated POSTs.

A session remembers how the staff member logged in: with a password (the user's
current role and active flag are re-read on every request, so a demotion or a
deactivation takes effect at once) or with an API token (the session ends when
the token is revoked or expires).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import DateTime, Integer, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from knowledge.db import Base
from knowledge.models import utcnow

from ..accounts import ApiToken, Principal, User, hash_token

COOKIE = "hotline_console"
IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)


class ConsoleSessionRow(Base):
    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    username: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # password | token
    role: Mapped[str] = mapped_column(String(16))
    api_token_hash: Mapped[str] = mapped_column(String(64), default="")  # kind=token: which token
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


@dataclass(frozen=True, slots=True)
class ConsoleSession:
    principal: Principal
    csrf: str
    kind: str
    expires_at: datetime


def _aware(value: datetime, ref: datetime) -> datetime:
    return value.replace(tzinfo=ref.tzinfo) if value.tzinfo is None else value  # SQLite drops the zone


class SessionStore:
    def __init__(self, session_factory: sessionmaker, *, idle: timedelta = IDLE, absolute: timedelta = ABSOLUTE,
                 bootstrap_token: str = "") -> None:
        self._sessions = session_factory
        self.idle = idle
        self.absolute = absolute
        self._bootstrap_hash = hash_token(bootstrap_token) if bootstrap_token else ""

    def create(self, who: Principal, *, kind: str, api_token: str = "") -> tuple[str, ConsoleSession]:
        """A new session; returns the cookie value (shown once, stored hashed)."""
        cookie = secrets.token_urlsafe(32)
        now = utcnow()
        row = ConsoleSessionRow(token_hash=hash_token(cookie), username=who.name, kind=kind, role=who.role,
                                api_token_hash=hash_token(api_token) if api_token else "",
                                csrf=secrets.token_urlsafe(24), created_at=now, last_seen=now,
                                expires_at=now + self.absolute)
        with self._sessions.begin() as s:
            s.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.expires_at < now))
            s.add(row)
        return cookie, ConsoleSession(who, row.csrf, kind, row.expires_at)

    def get(self, cookie: str | None) -> ConsoleSession | None:
        """The live session for a cookie, refreshing its idle timer; None when expired or unknown."""
        if not cookie:
            return None
        now = utcnow()
        with self._sessions.begin() as s:
            row = s.scalar(select(ConsoleSessionRow).where(ConsoleSessionRow.token_hash == hash_token(cookie)))
            if row is None:
                return None
            if _aware(row.expires_at, now) < now or _aware(row.last_seen, now) + self.idle < now:
                s.delete(row)
                return None
            role = self._current_role(s, row, now)
            if role is None:
                s.delete(row)
                return None
            row.last_seen = now
            row.role = role
            return ConsoleSession(Principal(row.username, role), row.csrf, row.kind, _aware(row.expires_at, now))

    def _current_role(self, s, row: ConsoleSessionRow, now: datetime) -> str | None:
        if row.kind == "password":
            user = s.scalar(select(User).where(User.username == row.username))
            return user.role if user is not None and user.active else None
        if self._bootstrap_hash and hmac.compare_digest(row.api_token_hash, self._bootstrap_hash):
            return row.role
        token = s.scalar(select(ApiToken).where(ApiToken.token_hash == row.api_token_hash))
        if token is None or (token.expires_at is not None and _aware(token.expires_at, now) < now):
            return None
        return token.role

    def delete(self, cookie: str | None) -> None:
        if cookie:
            with self._sessions.begin() as s:
                s.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.token_hash == hash_token(cookie)))

    def end_all(self, username: str) -> int:
        """Log a user out everywhere (password change, deactivation)."""
        with self._sessions.begin() as s:
            return s.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.username == username,
                                                             ConsoleSessionRow.kind == "password")).rowcount or 0


def csrf_ok(session: ConsoleSession, supplied: str | None) -> bool:
    return bool(supplied) and hmac.compare_digest(session.csrf.encode(), str(supplied).encode())

"""Staff accounts and API tokens (stored hashed) with roles viewer < editor < admin."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from knowledge.db import Base
from knowledge.models import utcnow

ROLES = ("viewer", "editor", "admin")
_RANK = {r: i for i, r in enumerate(ROLES)}


def role_allows(role: str, needed: str) -> bool:
    return _RANK.get(role, -1) >= _RANK[needed]


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a token name or user name, and a role."""

    name: str
    role: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt_hex, _ = stored.split("$", 2)
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    return hmac.compare_digest(hash_password(password, salt=bytes.fromhex(salt_hex)), stored)


class AccountError(Exception):
    pass


class Accounts:
    def __init__(self, session_factory: sessionmaker, *, bootstrap_token: str = "") -> None:
        self._sessions = session_factory
        self._bootstrap_hash = hash_token(bootstrap_token) if bootstrap_token else ""

    def create_user(self, username: str, password: str, role: str) -> None:
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}")
        if not username or len(username) > 100:
            raise AccountError("username must be 1-100 characters")
        if len(password) < 8:
            raise AccountError("password must be at least 8 characters")
        with self._sessions.begin() as s:
            if s.scalar(select(User.id).where(User.username == username)) is not None:
                raise AccountError(f"user {username!r} already exists")
            s.add(User(username=username, role=role, password_hash=hash_password(password)))

    def check_password(self, username: str, password: str) -> Principal | None:
        with self._sessions() as s:
            user = s.scalar(select(User).where(User.username == username, User.active.is_(True)))
            if user is None or not verify_password(password, user.password_hash):
                return None
            return Principal(user.username, user.role)

    def create_token(self, name: str, role: str, *, username: str | None = None,
                     ttl: timedelta | None = None) -> str:
        """Returns the token once; only its hash is stored."""
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}")
        token = "hl_" + secrets.token_urlsafe(32)
        with self._sessions.begin() as s:
            user_id = None
            if username:
                user_id = s.scalar(select(User.id).where(User.username == username))
                if user_id is None:
                    raise AccountError(f"no user {username!r}")
            s.add(ApiToken(name=name, role=role, user_id=user_id, token_hash=hash_token(token),
                           expires_at=utcnow() + ttl if ttl else None))
        return token

    def authenticate(self, token: str) -> Principal | None:
        if not token:
            return None
        digest = hash_token(token)
        if self._bootstrap_hash and hmac.compare_digest(digest, self._bootstrap_hash):
            return Principal("bootstrap-admin", "admin")
        with self._sessions.begin() as s:
            row = s.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
            if row is None:
                return None
            now = utcnow()
            expires = row.expires_at
            if expires is not None and expires.tzinfo is None:  # SQLite drops the zone
                expires = expires.replace(tzinfo=now.tzinfo)
            if expires is not None and expires < now:
                return None
            row.last_used_at = now
            return Principal(row.name, row.role)

    def revoke_token(self, name: str) -> int:
        with self._sessions.begin() as s:
            rows = list(s.scalars(select(ApiToken).where(ApiToken.name == name)))
            for r in rows:
                s.delete(r)
            return len(rows)

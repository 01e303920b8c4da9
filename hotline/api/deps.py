"""FastAPI dependencies: the services and the caller's identity."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, HTTPException, Request, status

from ..accounts import Principal, role_allows
from ..services import Services


def services(request: Request) -> Services:
    return request.app.state.services


def principal(request: Request, svc: Services = Depends(services)) -> Principal | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        return None
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Authorization must be 'Bearer <token>'",
                            headers={"WWW-Authenticate": "Bearer"})
    who = svc.accounts.authenticate(token.strip())
    if who is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid or expired token",
                            headers={"WWW-Authenticate": "Bearer"})
    return who


def require(role: str) -> Callable[..., Principal]:
    def check(who: Principal | None = Depends(principal)) -> Principal:
        if who is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a bearer token is required",
                                headers={"WWW-Authenticate": "Bearer"})
        if not role_allows(who.role, role):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {who.role!r} may not do this; needs {role!r}")
        return who

    return check

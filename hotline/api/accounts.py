"""Admin API for staff users and API tokens."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, HTTPException, status

from ..accounts import AccountError, Principal
from ..services import Services
from .deps import require, services
from .schemas import TokenCreate, UserCreate

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.post("/users", status_code=status.HTTP_201_CREATED, summary="Create a staff user (admin)")
def create_user(body: UserCreate, svc: Services = Depends(services), _: Principal = Depends(require("admin"))) -> dict:
    try:
        svc.accounts.create_user(body.username, body.password, body.role)
    except AccountError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return {"username": body.username, "role": body.role}


@router.post("/tokens", status_code=status.HTTP_201_CREATED, summary="Create an API token (admin); shown once")
def create_token(body: TokenCreate, svc: Services = Depends(services), _: Principal = Depends(require("admin"))) -> dict:
    try:
        token = svc.accounts.create_token(
            body.name, body.role, username=body.username,
            ttl=timedelta(days=body.ttl_days) if body.ttl_days else None,
        )
    except AccountError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    return {"name": body.name, "role": body.role, "token": token}


@router.get("/me", summary="Who the bearer token belongs to")
def me(who: Principal = Depends(require("viewer"))) -> dict:
    return {"name": who.name, "role": who.role}

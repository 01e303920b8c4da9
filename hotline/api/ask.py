"""Text channel over HTTP: POST /api/v1/ask and turn-by-turn sessions."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.concurrency import run_in_threadpool
from pydantic import Field, model_validator

from ..services import Services
from ..textchannel import SessionLimit, ask, turn_to_dict
from .deps import services
from .schemas import Strict

router = APIRouter(prefix="/api/v1", tags=["text channel"])


class AskBody(Strict):
    text: str = Field(..., min_length=1, max_length=1000, description="what the caller said")


class TurnBody(Strict):
    text: str | None = Field(None, max_length=1000)
    digits: str | None = Field(None, pattern=r"^[0-9*#]{1,20}$")
    no_input: bool = Field(False, description="the caller said nothing (silence timeout)")

    @model_validator(mode="after")
    def one_input(self):
        if not self.no_input and not (self.text and self.text.strip()) and not self.digits:
            raise ValueError("give text, digits, or no_input=true")
        return self


@router.post("/ask", summary="One question → decision, candidates and the spoken reply")
async def ask_once(body: AskBody, svc: Services = Depends(services)) -> dict:
    brain = svc.extras["brain"]
    snap = await run_in_threadpool(brain.snapshot)
    result = ask(snap, body.text, operator_available=bool(svc.settings.operator_uri))
    svc.extras["metrics"].asks.labels(result["action"]).inc()
    return result


@router.post("/sessions", status_code=status.HTTP_201_CREATED, summary="Start a conversation (greeting)")
async def create_session(svc: Services = Depends(services)) -> dict:
    try:
        sid, turn = await run_in_threadpool(svc.extras["sessions"].create)
    except SessionLimit as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from exc
    return {"id": sid, **turn_to_dict(turn)}


@router.post("/sessions/{sid}/turns", summary="One caller turn: text, keypad digits or silence")
async def session_turn(sid: str, body: TurnBody, svc: Services = Depends(services)) -> dict:
    text = None if body.no_input else (body.text or None)
    digits = None if body.no_input else body.digits
    turn = await run_in_threadpool(svc.extras["sessions"].turn, sid, text, digits)
    if turn is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such session (finished or expired)")
    return {"id": sid, **turn_to_dict(turn)}


@router.delete("/sessions/{sid}", status_code=status.HTTP_204_NO_CONTENT, summary="End a conversation")
async def close_session(sid: str, svc: Services = Depends(services)) -> None:
    if not svc.extras["sessions"].close(sid):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such session")

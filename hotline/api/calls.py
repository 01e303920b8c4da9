"""Call detail records: GET /api/v1/calls and /api/v1/calls/{id} (staff with a token)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.responses import StreamingResponse

from ..accounts import Principal
from ..services import Services
from .deps import require, services

router = APIRouter(prefix="/api/v1", tags=["calls"])


@router.get("/calls", summary="Recent calls, newest first (viewer)")
def list_calls(
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    outcome: str | None = Query(None, max_length=32),
    channel: str | None = Query(None, pattern="^(sip|text)$"),
    svc: Services = Depends(services),
    _: Principal = Depends(require("viewer")),
) -> dict:
    total, items = svc.calls.list(limit=limit, offset=offset, outcome=outcome, channel=channel)
    return {"total": total, "limit": limit, "offset": offset, "items": items}


@router.get("/calls/{call_id}", summary="One call with its turns (viewer)")
def get_call(call_id: str, svc: Services = Depends(services), _: Principal = Depends(require("viewer"))) -> dict:
    call = svc.calls.get(call_id)
    if call is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no call {call_id!r}")
    return call


@router.get("/calls/{call_id}/events", summary="Live events of a call as Server-Sent Events (viewer)")
async def call_events(call_id: str, svc: Services = Depends(services), _: Principal = Depends(require("viewer")),
                      wait: float = Query(30.0, ge=0, le=120, description="seconds to wait for the call to start")):
    bus = svc.extras.get("events")
    if bus is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "this server has no telephone gateway")

    async def stream():
        async for event in bus.follow(call_id, wait_s=wait):
            yield f"event: {event['type']}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"
        yield "event: eof\ndata: {}\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

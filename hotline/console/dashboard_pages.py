"""The dashboard page: figures and SVG charts over a chosen window."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from knowledge.models import utcnow
from knowledge.store import ProcedureNotFound

from .. import dashboard
from . import charts
from .deps import OUTCOME_VI, VIEWER, StaffUser, console, render, to_vn

router = APIRouter()
WINDOWS = {6: "6 giờ", 24: "24 giờ", 72: "3 ngày", 168: "7 ngày"}


@router.get("/dashboard")
async def dashboard_page(request: Request, hours: int = Query(24, ge=1, le=24 * 31),
                         channel: str = Query("", pattern="^(|sip|text)$"),
                         user: StaffUser = VIEWER) -> Response:
    parts = console(request)
    until = utcnow()
    since = until - timedelta(hours=hours)
    d = await run_in_threadpool(lambda: dashboard.load(parts.services.db.sessions, since=since, until=until + timedelta(seconds=1),
                                                       channel=channel or None))

    def name(code: str) -> str:
        try:
            return parts.services.store.get(code).name
        except ProcedureNotFound:
            return code

    top = [(code, await run_in_threadpool(name, code), n) for code, n in d.top_procedures]
    svg = {
        "per_hour": charts.bars("Số cuộc gọi mỗi giờ", [(to_vn(t), v) for t, v in d.per_hour]),
        "concurrency": charts.steps("Cuộc gọi đồng thời", [(to_vn(t), v) for t, v in d.concurrency]),
        "top": charts.hbars("Thủ tục được hỏi nhiều nhất", [(f"{c} · {n}", v) for c, n, v in top]),
        "outcomes": charts.hbars("Kết quả cuộc gọi", [(OUTCOME_VI.get(k, k), v) for k, v in d.outcomes.items()], width=520),
    }
    return render(request, "dashboard.html", user, d=d, svg=svg, top=top, hours=hours, channel=channel,
                  windows=WINDOWS)

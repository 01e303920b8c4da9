"""The review queue page: grouped unanswered phrasings; attach one as an alias of
the right procedure (checked against the regression set) or dismiss it."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from knowledge.store import ProcedureNotFound, StoreError

from ..regression import RegressionFailed, alias_case
from .deps import EDITOR_POST, VIEWER, StaffUser, console, prefix, render
from .publishing import apply_change

router = APIRouter()
DATALIST_LIMIT = 2000
SHOWN_GROUPS = 200  # the most frequent first; the rest wait their turn


async def _page(request: Request, user: StaffUser, *, days: int = 30, status_code: int = 200, saved: str = "",
                error: str = "", broken=None) -> Response:
    parts = console(request)
    groups = await run_in_threadpool(lambda: parts.review.groups(days=days))
    decisions = await run_in_threadpool(parts.review.decisions)
    total, records = await run_in_threadpool(lambda: parts.services.store.search(status="published",
                                                                                 limit=DATALIST_LIMIT))
    names = {r.code: r.name for r in records}
    return render(request, "review.html", user, status_code=status_code, groups=groups[:SHOWN_GROUPS],
                  total_groups=len(groups), utterances=sum(g.count for g in groups), decisions=decisions,
                  names=names, days=days, saved=saved, error=error, broken=broken or [],
                  regression=await run_in_threadpool(parts.regression.rows))


@router.get("/review")
async def review(request: Request, days: int = Query(30, ge=1, le=365), saved: str = "",
                 user: StaffUser = VIEWER) -> Response:
    return await _page(request, user, days=days, saved=saved)


@router.post("/review/accept")
async def accept(request: Request, user: StaffUser = EDITOR_POST) -> Response:
    parts = console(request)
    form = await request.form()
    key = str(form.get("key") or "")
    code = str(form.get("code") or "").strip().split(" ")[0]
    alias = " ".join(str(form.get("alias") or key).split()).lower()
    group = await run_in_threadpool(parts.review.find, key)
    if group is None:
        return await _page(request, user, status_code=404, error="Nhóm câu này không còn trong hàng đợi.")
    if not alias or len(alias) > 200:
        return await _page(request, user, status_code=422, error="Cách gọi phải dài 1–200 ký tự.")
    try:
        rec = await run_in_threadpool(parts.services.store.get, code)
        changes = {"aliases": [*rec.aliases, alias]} if alias not in rec.aliases else {}
        if changes:
            await apply_change(parts, code, changes, actor=user.name, extra=[alias_case(alias, code)])
    except ProcedureNotFound:
        return await _page(request, user, status_code=422, error=f"Không có thủ tục mã «{code}».")
    except RegressionFailed as exc:
        return await _page(request, user, status_code=409, broken=exc.report.broken,
                           error=f"Không thêm «{alias}» vào {code}: làm hỏng {len(exc.report.broken)} câu kiểm thử.")
    except StoreError as exc:
        return await _page(request, user, status_code=422, error=str(exc))

    def record() -> None:
        parts.regression.add(alias, code, actor=user.name, source="review")
        parts.review.decide([*group.members, alias], status="accepted", actor=user.name, code=code, alias=alias)

    await run_in_threadpool(record)
    return RedirectResponse(f"{prefix(request)}/review?saved=Đã thêm «{alias}» làm cách gọi của {code}.",
                            status_code=303)


@router.post("/review/dismiss")
async def dismiss(request: Request, user: StaffUser = EDITOR_POST) -> Response:
    parts = console(request)
    key = str((await request.form()).get("key") or "")
    group = await run_in_threadpool(parts.review.find, key)
    if group is None:
        return await _page(request, user, status_code=404, error="Nhóm câu này không còn trong hàng đợi.")
    await run_in_threadpool(lambda: parts.review.decide(group.members, status="dismissed", actor=user.name))
    return RedirectResponse(f"{prefix(request)}/review?saved=Đã bỏ qua «{key}».", status_code=303)


@router.post("/review/undo")
async def undo(request: Request, user: StaffUser = EDITOR_POST) -> Response:
    text = str((await request.form()).get("text") or "")
    await run_in_threadpool(console(request).review.undo, text)
    return RedirectResponse(f"{prefix(request)}/review?saved=Đã đưa «{text}» trở lại hàng đợi.", status_code=303)

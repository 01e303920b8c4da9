"""Procedure pages: search and filters, detail/edit, aliases, publish, versions and
their differences, the audit trail, and the answer audio."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from knowledge.records import ProcedureRecord
from knowledge.store import ProcedureNotFound, StoreError

from ..regression import RegressionFailed, alias_case
from . import audio, forms
from .deps import EDITOR_POST, VIEWER, StaffUser, console, is_htmx, prefix, render
from .diff import snapshot_diff
from .publishing import apply_change

router = APIRouter()
PAGE = 25
FLAG_VI = "Trường cần rà soát sau khi nhập"


async def _record(request: Request, code: str) -> ProcedureRecord:
    try:
        return await run_in_threadpool(console(request).services.store.get, code)
    except ProcedureNotFound as exc:
        raise HTTPException(404, f"Không có thủ tục mã {code}.") from exc


@router.get("/procedures")
async def list_procedures(
    request: Request,
    q: str = Query("", max_length=200),
    level: str = Query("", max_length=20),
    field: str = Query("", max_length=300),
    status: str = Query("", pattern="^(|published|draft)$"),
    flagged: str = Query("", pattern="^(|yes|no)$"),
    page: int = Query(1, ge=1, le=10_000),
    user: StaffUser = VIEWER,
) -> Response:
    store = console(request).services.store
    total, items = await run_in_threadpool(
        lambda: store.search(q or None, level=level or None, field_=field or None, status=status or None,
                             flagged={"yes": True, "no": False}.get(flagged), limit=PAGE, offset=(page - 1) * PAGE))
    pages = max(1, -(-total // PAGE))
    context = dict(q=q, level=level, field=field, status=status, flagged=flagged, page=page, pages=pages,
                   total=total, items=items)
    if is_htmx(request) and request.headers.get("hx-target") == "results":
        return render(request, "_procedure_rows.html", user, **context)
    stats = await run_in_threadpool(store.stats)
    return render(request, "procedures.html", user, stats=stats, **context)


@router.get("/procedures/{code}")
async def detail(request: Request, code: str, user: StaffUser = VIEWER,
                 saved: str = "", error: str = "") -> Response:
    rec = await _record(request, code)
    return await _detail_page(request, user, rec, saved=saved, error=error)


async def _detail_page(request: Request, user: StaffUser, rec: ProcedureRecord, *, status_code: int = 200,
                       saved: str = "", error: str = "", broken=None) -> Response:
    parts = console(request)
    versions = await run_in_threadpool(parts.services.store.versions, rec.code)
    history = await run_in_threadpool(parts.services.store.history, rec.code)
    cases = await run_in_threadpool(parts.regression.rows, code=rec.code)
    key, spoken = audio.summary_text(rec)
    return render(request, "procedure.html", user, status_code=status_code, rec=rec, versions=versions,
                  history=list(reversed(history))[:100], cases=cases, spoken=spoken, audio_key=key,
                  saved=saved, error=error, broken=broken or [], channel_kinds=forms.CHANNEL_KINDS,
                  day_kinds=forms.DAY_KINDS)


async def _change(request: Request, user: StaffUser, code: str, changes: dict, *, done: str,
                  extra=(), after=None) -> Response:
    parts = console(request)
    try:
        rec, report = await apply_change(parts, code, changes, actor=user.name, extra=extra)
    except RegressionFailed as exc:
        rec = await _record(request, code)
        return await _detail_page(request, user, rec, status_code=409, broken=exc.report.broken,
                                  error=f"Không lưu: thay đổi làm hỏng {len(exc.report.broken)} câu trong bộ kiểm "
                                        "thử hồi quy (xem danh sách bên dưới).")
    except ProcedureNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except StoreError as exc:
        rec = await _record(request, code)
        return await _detail_page(request, user, rec, status_code=422, error=str(exc))
    if after is not None:
        await run_in_threadpool(after, rec)
    note = done
    if report is not None:
        note += f" Đã kiểm tra {report.checked} câu hồi quy trong {report.elapsed_s:.1f} s."
        moved = [*report.broken, *report.shifted]
        if moved:
            note += (f" Lưu ý: {len(moved)} câu không còn được trả lời như trước, vd. "
                     + "; ".join(f"«{b.case.text}»" for b in moved[:3]) + ".")
    return RedirectResponse(f"{prefix(request)}/procedures/{code}?saved={note}", status_code=303)


@router.post("/procedures/{code}")
async def save(request: Request, code: str, user: StaffUser = EDITOR_POST) -> Response:
    rec = await _record(request, code)
    form = await request.form()
    parsed = forms.parse({k: v for k, v in form.items() if isinstance(v, str)}, rec)
    if parsed.errors:
        return await _detail_page(request, user, rec, status_code=422, error=" ".join(parsed.errors))
    if not parsed.changes:
        return RedirectResponse(f"{prefix(request)}/procedures/{code}?saved=Không có gì thay đổi.", status_code=303)
    new_aliases = [a for a in parsed.changes.get("aliases", []) if a.lower() not in rec.aliases]
    parts = console(request)

    def remember(saved: ProcedureRecord) -> None:
        for a in new_aliases:
            parts.regression.add(a, saved.code, actor=user.name)

    return await _change(request, user, code, parsed.changes, done="Đã lưu.",
                         extra=[alias_case(a, code) for a in new_aliases], after=remember)


@router.post("/procedures/{code}/publish")
async def publish(request: Request, code: str, user: StaffUser = EDITOR_POST) -> Response:
    return await _change(request, user, code, {"status": "published"}, done="Đã công bố.")


@router.post("/procedures/{code}/unpublish")
async def unpublish(request: Request, code: str, user: StaffUser = EDITOR_POST) -> Response:
    return await _change(request, user, code, {"status": "draft"}, done="Đã chuyển về bản nháp.")


@router.post("/procedures/{code}/aliases")
async def add_alias(request: Request, code: str, user: StaffUser = EDITOR_POST) -> Response:
    rec = await _record(request, code)
    alias = " ".join(str((await request.form()).get("alias") or "").split()).lower()
    if not alias or len(alias) > 200:
        return await _detail_page(request, user, rec, status_code=422, error="Cách gọi phải dài 1–200 ký tự.")
    if alias in rec.aliases:
        return RedirectResponse(f"{prefix(request)}/procedures/{code}?saved=Cách gọi đã có.", status_code=303)
    parts = console(request)
    return await _change(request, user, code, {"aliases": [*rec.aliases, alias]}, done=f"Đã thêm cách gọi «{alias}».",
                         extra=[alias_case(alias, code)],
                         after=lambda saved: parts.regression.add(alias, code, actor=user.name))


@router.post("/procedures/{code}/aliases/remove")
async def remove_alias(request: Request, code: str, user: StaffUser = EDITOR_POST) -> Response:
    rec = await _record(request, code)
    alias = " ".join(str((await request.form()).get("alias") or "").split()).lower()
    if alias not in rec.aliases:
        return await _detail_page(request, user, rec, status_code=422, error=f"Không có cách gọi «{alias}».")
    return await _change(request, user, code, {"aliases": [a for a in rec.aliases if a != alias]},
                         done=f"Đã xoá cách gọi «{alias}».")


@router.post("/procedures/{code}/regression/{case_id}/remove")
async def remove_case(request: Request, code: str, case_id: int,
                      user: StaffUser = EDITOR_POST) -> Response:
    await run_in_threadpool(console(request).regression.remove, case_id)
    return RedirectResponse(f"{prefix(request)}/procedures/{code}?saved=Đã xoá câu kiểm thử.", status_code=303)


@router.get("/procedures/{code}/diff")
async def diff(request: Request, code: str, a: int = Query(..., ge=1), b: int = Query(..., ge=1),
               user: StaffUser = VIEWER) -> Response:
    versions = {v["version"]: v for v in await run_in_threadpool(console(request).services.store.versions, code)}
    if a not in versions or b not in versions:
        raise HTTPException(404, f"Thủ tục {code} không có phiên bản {a} hoặc {b}.")
    fields = snapshot_diff(versions[a]["snapshot"], versions[b]["snapshot"])
    return render(request, "_diff.html", user, code=code, a=versions[a], b=versions[b], fields=fields)


@router.get("/procedures/{code}/audio.wav")
async def answer_audio(request: Request, code: str, user: StaffUser = VIEWER) -> Response:
    return await _audio(request, code, regenerate=False)


@router.post("/procedures/{code}/audio")
async def regenerate_audio(request: Request, code: str,
                           user: StaffUser = EDITOR_POST) -> Response:
    wav = await _audio(request, code, regenerate=True)
    seconds = (len(wav.body) - 44) / 16000
    return RedirectResponse(f"{prefix(request)}/procedures/{code}?saved=Đã tạo lại âm thanh ({seconds:.1f} s).#audio",
                            status_code=303)


async def _audio(request: Request, code: str, *, regenerate: bool) -> Response:
    rec = await _record(request, code)
    svc = console(request).services
    try:
        cache = await run_in_threadpool(audio.answer_cache, svc.extras, svc.settings)
        wav = await run_in_threadpool(lambda: audio.summary_wav(cache, rec, regenerate=regenerate))
    except Exception as exc:  # a missing voice must not take the page down; say why
        raise HTTPException(503, f"Không tạo được âm thanh: {exc}") from exc
    return Response(wav, media_type="audio/wav", headers={"Cache-Control": "no-store"})

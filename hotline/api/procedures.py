"""Staff API for the procedure catalogue: /api/v1/procedures and imports."""

from __future__ import annotations

import asyncio
import io
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from fastapi import APIRouter, Depends, HTTPException, Query, Response, UploadFile, status
from fastapi.concurrency import run_in_threadpool

from knowledge.importer import import_path
from knowledge.records import ProcedureRecord
from knowledge.store import DuplicateProcedure, ProcedureNotFound, StoreError

from ..accounts import Principal
from ..services import Services
from .deps import principal, require, services
from .schemas import AliasBody, Page, ProcedureCreate, ProcedureFields, ProcedureSummary

router = APIRouter(prefix="/api/v1", tags=["procedures"])

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
# Imports write the whole batch in one transaction; one at a time keeps SQLite happy.
_import_lock = asyncio.Lock()


def _summary(rec: ProcedureRecord) -> ProcedureSummary:
    return ProcedureSummary(
        code=rec.code, name=rec.name, levels=rec.levels, field=rec.field, status=rec.status,
        version=rec.version, flags=rec.flags, aliases=rec.aliases,
    )


def _store_error(exc: StoreError) -> HTTPException:
    if isinstance(exc, ProcedureNotFound):
        return HTTPException(status.HTTP_404_NOT_FOUND, str(exc))
    if isinstance(exc, DuplicateProcedure):
        return HTTPException(status.HTTP_409_CONFLICT, str(exc))
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc))


def _get_visible(svc: Services, code: str, who: Principal | None) -> ProcedureRecord:
    try:
        rec = svc.store.get(code)
    except ProcedureNotFound as exc:
        raise _store_error(exc) from exc
    if rec.status != "published" and who is None:
        # Drafts are invisible without a token: same answer as a missing record.
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no procedure with code {code!r}")
    return rec


@router.get("/procedures", response_model=Page, summary="Search procedures (diacritic-insensitive)")
def list_procedures(
    q: str | None = Query(None, max_length=200, description="words matched against code, name, aliases, keywords"),
    level: str | None = Query(None, max_length=20, description="xã, tỉnh, bộ, ..."),
    field: str | None = Query(None, max_length=300),
    status_: str | None = Query(None, alias="status", pattern="^(published|draft)$"),
    flagged: bool | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    svc: Services = Depends(services),
    who: Principal | None = Depends(principal),
) -> Page:
    if who is None:
        if status_ == "draft":
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "reading drafts needs a bearer token")
        status_ = "published"
    total, items = svc.store.search(q, level=level, field_=field, status=status_, flagged=flagged,
                                    limit=limit, offset=offset)
    return Page(total=total, limit=limit, offset=offset, items=[_summary(r) for r in items])


@router.get("/procedures/{code}", summary="One procedure with all fields")
def get_procedure(code: str, svc: Services = Depends(services), who: Principal | None = Depends(principal)) -> dict:
    return _get_visible(svc, code, who).to_dict()


@router.post("/procedures", status_code=status.HTTP_201_CREATED, summary="Create a procedure (editor)")
def create_procedure(body: ProcedureCreate, svc: Services = Depends(services),
                     who: Principal = Depends(require("editor"))) -> dict:
    data = body.changes() | {"code": body.code, "name": body.name, "status": body.status}
    try:
        return svc.store.create(ProcedureRecord.from_dict(data), actor=who.name).to_dict()
    except StoreError as exc:
        raise _store_error(exc) from exc


@router.patch("/procedures/{code}", summary="Edit any field (editor); each change is audited")
def update_procedure(code: str, body: ProcedureFields, svc: Services = Depends(services),
                     who: Principal = Depends(require("editor"))) -> dict:
    changes = body.changes()
    if not changes:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "no fields to change")
    try:
        return svc.store.update(code, changes, actor=who.name).to_dict()
    except StoreError as exc:
        raise _store_error(exc) from exc


@router.delete("/procedures/{code}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete (admin)")
def delete_procedure(code: str, svc: Services = Depends(services), who: Principal = Depends(require("admin"))) -> Response:
    try:
        svc.store.delete(code, actor=who.name)
    except StoreError as exc:
        raise _store_error(exc) from exc
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/procedures/{code}/publish", summary="Make answerable (editor)")
def publish(code: str, svc: Services = Depends(services), who: Principal = Depends(require("editor"))) -> dict:
    try:
        return svc.store.set_status(code, "published", actor=who.name).to_dict()
    except StoreError as exc:
        raise _store_error(exc) from exc


@router.post("/procedures/{code}/unpublish", summary="Back to draft (editor)")
def unpublish(code: str, svc: Services = Depends(services), who: Principal = Depends(require("editor"))) -> dict:
    try:
        return svc.store.set_status(code, "draft", actor=who.name).to_dict()
    except StoreError as exc:
        raise _store_error(exc) from exc


@router.get("/procedures/{code}/aliases", summary="Colloquial aliases")
def list_aliases(code: str, svc: Services = Depends(services), who: Principal | None = Depends(principal)) -> list[str]:
    return _get_visible(svc, code, who).aliases


@router.post("/procedures/{code}/aliases", status_code=status.HTTP_201_CREATED, summary="Add an alias (editor)")
def add_alias(code: str, body: AliasBody, svc: Services = Depends(services),
              who: Principal = Depends(require("editor"))) -> list[str]:
    try:
        return svc.store.add_alias(code, body.alias, actor=who.name).aliases
    except StoreError as exc:
        raise _store_error(exc) from exc


@router.delete("/procedures/{code}/aliases/{alias}", summary="Remove an alias (editor)")
def remove_alias(code: str, alias: str, svc: Services = Depends(services),
                 who: Principal = Depends(require("editor"))) -> list[str]:
    try:
        return svc.store.remove_alias(code, alias, actor=who.name).aliases
    except StoreError as exc:
        raise _store_error(exc) from exc


@router.get("/procedures/{code}/history", summary="Audit trail (viewer)")
def history(code: str, svc: Services = Depends(services), _: Principal = Depends(require("viewer"))) -> list[dict]:
    try:
        return svc.store.history(code)
    except StoreError as exc:
        raise _store_error(exc) from exc


@router.get("/procedures/{code}/versions", summary="Snapshots per version (viewer)")
def versions(code: str, svc: Services = Depends(services), _: Principal = Depends(require("viewer"))) -> list[dict]:
    rows = svc.store.versions(code)
    if not rows:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no procedure with code {code!r}")
    return rows


@router.get("/stats", summary="Catalogue counts by level, field, status and import flag")
def stats(svc: Services = Depends(services)) -> dict:
    return svc.store.stats()


@router.post("/imports", summary="Import national-portal JSON files or a .zip of them (editor)")
async def upload_import(
    files: list[UploadFile],
    draft: bool = False,
    svc: Services = Depends(services),
    who: Principal = Depends(require("editor")),
) -> dict:
    with tempfile.TemporaryDirectory(prefix="hotline-import-") as tmp:
        root = Path(tmp)
        total = 0
        for i, upload in enumerate(files):
            data = await upload.read(MAX_UPLOAD_BYTES + 1)
            total += len(data)
            if total > MAX_UPLOAD_BYTES:
                raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"upload larger than {MAX_UPLOAD_BYTES} bytes")
            name = PurePosixPath(upload.filename or f"upload-{i}.json").name or f"upload-{i}.json"
            if name.lower().endswith(".zip"):
                _extract_zip(data, root / f"{i}-{name}")
            else:
                if not name.lower().endswith(".json"):
                    name += ".json"
                (root / f"{i}-{name}").write_bytes(data)
        async with _import_lock:
            report = await run_in_threadpool(import_path, svc.store, root, draft=draft, actor=who.name)
        result = report.to_dict()
        for s in result["skipped"]:
            s["file"] = str(Path(s["file"]).relative_to(root))
        return result


def _extract_zip(data: bytes, dest: Path) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = [m for m in zf.infolist() if not m.is_dir() and m.filename.lower().endswith(".json")]
            if sum(m.file_size for m in members) > MAX_UPLOAD_BYTES:
                raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "zip content too large")
            for m in members:
                # Only the base name is used: no path from the archive reaches the file system.
                target = dest / f"{len(list(dest.glob('*'))) if dest.exists() else 0}-{PurePosixPath(m.filename).name}"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zf.read(m))
    except zipfile.BadZipFile as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"not a valid zip archive: {exc}") from exc

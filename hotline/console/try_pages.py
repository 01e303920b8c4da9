""""Try it": what the matcher and the dialog make of a caller phrase, typed or
spoken (a WAV file), on the published catalogue or including drafts."""

from __future__ import annotations

import dataclasses
import threading
import time

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from dialog.manager import default_menu
from dialog.matcher import Matcher

from ..brain import Snapshot
from ..textchannel import ask
from .deps import VIEWER, VIEWER_POST, StaffUser, console, render

router = APIRouter()
MAX_WAV_BYTES = 20 * 1024 * 1024
_asr_lock = threading.Lock()


def _with_drafts(store, published: Snapshot) -> Snapshot:
    """The published snapshot with its catalogue, matcher and menu rebuilt over drafts too."""
    started = time.perf_counter()
    # The matcher skips drafts: hand it copies marked published, as they would be after publishing.
    records = [dataclasses.replace(r, status="published") for r in store.all_records(status=None)]
    catalogue = {r.code: r for r in records}
    return dataclasses.replace(published, catalogue=catalogue, matcher=Matcher(records), menu=default_menu(catalogue),
                               fingerprint=("with-drafts",), built_s=time.perf_counter() - started)


def _transcribe(svc, wav: bytes) -> tuple[str, float, float]:
    """(text, confidence, seconds) from a WAV upload with the configured ASR engine."""
    from asr.base import create_engine
    from tts.audio import read_wav

    audio = read_wav(wav)
    with _asr_lock:  # one model per process, loaded on first use
        engine = svc.extras.get("console_asr")
        if engine is None:
            engine = create_engine(svc.settings.asr_engine, svc.settings.asr_model_path or None)
            svc.extras["console_asr"] = engine
    started = time.perf_counter()
    result = engine.transcribe(audio.pcm, audio.sample_rate)
    return result.text, result.confidence, time.perf_counter() - started


@router.get("/try")
async def try_form(request: Request, user: StaffUser = VIEWER) -> Response:
    return render(request, "try.html", user, text="", scope="published", result=None)


@router.post("/try")
async def try_phrase(request: Request, user: StaffUser = VIEWER_POST) -> Response:
    svc = console(request).services
    form = await request.form()
    text = str(form.get("text") or "").strip()[:1000]
    scope = "all" if form.get("scope") == "all" else "published"
    upload = form.get("audio")
    heard = None
    error = ""
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(MAX_WAV_BYTES + 1)
        if len(data) > MAX_WAV_BYTES:
            error = "Tệp âm thanh quá lớn (tối đa 20 MB)."
        else:
            try:
                said, confidence, seconds = await run_in_threadpool(_transcribe, svc, data)
                heard = {"text": said, "confidence": confidence, "seconds": seconds}
                text = said.strip() or text
            except Exception as exc:  # a broken file or a missing model: tell the staff member
                error = f"Không nhận dạng được tệp âm thanh: {exc}"
    result = None
    if text and not error:
        snap = await run_in_threadpool(svc.extras["brain"].snapshot)
        if scope == "all":
            snap = await run_in_threadpool(_with_drafts, svc.store, snap)
        started = time.perf_counter()
        result = ask(snap, text, operator_available=bool(svc.settings.operator_uri))
        result["elapsed_ms"] = (time.perf_counter() - started) * 1000
    elif not error:
        error = "Hãy nhập một câu hỏi hoặc chọn một tệp WAV."
    template = "_try_result.html" if request.headers.get("hx-request") == "true" else "try.html"
    return render(request, template, user, text=text, scope=scope, result=result, heard=heard, error=error)

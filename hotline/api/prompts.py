"""Recorded human prompts: staff may replace the TTS voice of any fixed prompt or procedure
summary with a recording, which then takes precedence on every call."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Response, UploadFile, status
from fastapi.concurrency import run_in_threadpool

from dialog import answers, prompts
from knowledge.store import ProcedureNotFound
from tts.audio import write_wav
from tts.cache import MAX_RECORDING_BYTES, RecordingError

from ..accounts import Principal
from ..console.audio import answer_cache
from ..services import Services
from .deps import require, services

router = APIRouter(prefix="/api/v1", tags=["prompts"])


def _text_for(svc: Services, key: str) -> str:
    """The spoken text a key stands for; 404 for keys that are not a fixed prompt or a summary."""
    kind, _, rest = key.partition(":")
    if kind == "fixed" and rest in prompts.FIXED:
        return prompts.fixed(rest).spoken
    if kind == "proc" and rest.endswith(":summary"):
        try:
            return answers.summary(svc.store.get(rest.removesuffix(":summary"))).spoken
        except ProcedureNotFound:
            pass
    raise HTTPException(status.HTTP_404_NOT_FOUND,
                        f"no prompt {key!r}: use fixed:<name> or proc:<code>:summary")


@router.get("/prompts", summary="Fixed prompts, recordings and answer-audio cache use (viewer)")
def list_prompts(svc: Services = Depends(services), _: Principal = Depends(require("viewer"))) -> dict:
    cache = answer_cache(svc.extras, svc.settings)
    recorded = set(cache.recording_keys())
    usage = cache.usage()
    return {
        "fixed": [{"key": f"fixed:{n}", "text": t, "recorded": f"fixed:{n}" in recorded}
                  for n, t in prompts.FIXED.items()],
        "recorded": sorted(recorded),
        "cache": {"tts_files": usage.tts_files, "tts_bytes": usage.tts_bytes,
                  "recording_files": usage.recording_files, "recording_bytes": usage.recording_bytes},
    }


@router.get("/prompts/{key}/audio", summary="What callers hear for this prompt, as WAV (viewer)",
            response_class=Response)
async def prompt_audio(key: str, svc: Services = Depends(services), _: Principal = Depends(require("viewer"))):
    text = _text_for(svc, key)
    cache = answer_cache(svc.extras, svc.settings)
    audio = await run_in_threadpool(cache.get, text, key=key)
    return Response(write_wav(audio), media_type="audio/wav")


@router.put("/prompts/{key}/recording", summary="Upload a human recording (WAV) for this prompt (editor)")
async def put_recording(key: str, file: UploadFile, svc: Services = Depends(services),
                        who: Principal = Depends(require("editor"))) -> dict:
    _text_for(svc, key)
    data = await file.read(MAX_RECORDING_BYTES + 1)
    cache = answer_cache(svc.extras, svc.settings)
    try:
        await run_in_threadpool(cache.set_recording, key, data)
    except RecordingError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    return {"key": key, "recorded": True, "by": who.name}


@router.delete("/prompts/{key}/recording", status_code=status.HTTP_204_NO_CONTENT,
               summary="Remove the recording: the TTS voice speaks this prompt again (editor)")
async def delete_recording(key: str, svc: Services = Depends(services),
                           _: Principal = Depends(require("editor"))) -> Response:
    cache = answer_cache(svc.extras, svc.settings)
    if not await run_in_threadpool(cache.remove_recording, key):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no recording for {key!r}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)

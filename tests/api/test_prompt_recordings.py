"""Staff recordings replace the TTS voice of a fixed prompt or a procedure summary."""

from __future__ import annotations

import io
import wave

import numpy as np

from tts.audio import read_wav

from .conftest import ADMIN


def _wav(seconds: float, rate: int = 16000, freq: float = 440.0) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    pcm = (0.3 * 32767 * np.sin(2 * np.pi * freq * t)).astype("<i2").tobytes()
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)
    return buf.getvalue()


def test_recording_takes_precedence_and_can_be_removed(client, editor, viewer):
    tts = client.get("/api/v1/prompts/fixed:greeting/audio", headers=viewer)
    assert tts.status_code == 200 and tts.headers["content-type"] == "audio/wav"
    tts_audio = read_wav(tts.content)
    assert tts_audio.sample_rate == 8000 and tts_audio.duration > 2

    files = {"file": ("greeting.wav", _wav(1.5), "audio/wav")}
    assert client.put("/api/v1/prompts/fixed:greeting/recording", files=files, headers=viewer).status_code == 403
    r = client.put("/api/v1/prompts/fixed:greeting/recording", files=files, headers=editor)
    assert r.status_code == 200, r.text
    played = read_wav(client.get("/api/v1/prompts/fixed:greeting/audio", headers=viewer).content)
    assert abs(played.duration - 1.5) < 0.05 and played.sample_rate == 8000
    listing = client.get("/api/v1/prompts", headers=viewer).json()
    assert listing["recorded"] == ["fixed:greeting"]
    assert listing["cache"]["recording_files"] == 1
    assert next(p for p in listing["fixed"] if p["key"] == "fixed:greeting")["recorded"] is True

    assert client.delete("/api/v1/prompts/fixed:greeting/recording", headers=editor).status_code == 204
    again = read_wav(client.get("/api/v1/prompts/fixed:greeting/audio", headers=viewer).content)
    assert again.duration > 2
    assert client.delete("/api/v1/prompts/fixed:greeting/recording", headers=editor).status_code == 404


def test_bad_recordings_and_keys_are_refused(client, editor):
    bad = {"file": ("x.wav", b"RIFF....not really", "audio/wav")}
    r = client.put("/api/v1/prompts/fixed:greeting/recording", files=bad, headers=editor)
    assert r.status_code == 422 and "WAV" in r.json()["detail"]
    silent = {"file": ("s.wav", _wav(1.0, freq=0.0), "audio/wav")}
    assert client.put("/api/v1/prompts/fixed:greeting/recording", files=silent, headers=editor).status_code == 422
    ok = {"file": ("g.wav", _wav(1.0), "audio/wav")}
    assert client.put("/api/v1/prompts/fixed:nope/recording", files=ok, headers=editor).status_code == 404
    assert client.put("/api/v1/prompts/proc:9.999999:summary/recording", files=ok,
                      headers=editor).status_code == 404
    assert client.get("/api/v1/prompts", headers=ADMIN).status_code == 200


def test_procedure_summary_recording(client, editor, viewer):
    body = {"code": "1.000894", "name": "Thủ tục đăng ký kết hôn", "status": "published",
            "spoken_summary": "Ông bà nộp hồ sơ tại ủy ban nhân dân xã. Không mất lệ phí."}
    assert client.post("/api/v1/procedures", json=body, headers=editor).status_code == 201
    key = "proc:1.000894:summary"
    files = {"file": ("s.wav", _wav(2.0, rate=8000), "audio/wav")}
    assert client.put(f"/api/v1/prompts/{key}/recording", files=files, headers=editor).status_code == 200
    played = read_wav(client.get(f"/api/v1/prompts/{key}/audio", headers=viewer).content)
    assert abs(played.duration - 2.0) < 0.05

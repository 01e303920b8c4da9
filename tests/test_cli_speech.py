"""`hotline transcribe` with the bundled Whisper model, and `hotline models install` offline."""

from __future__ import annotations

import json
import subprocess
import sys


def run(*args):
    return subprocess.run([sys.executable, "-m", "hotline.cli", *args], capture_output=True, text=True, timeout=300)


def test_transcribe_rescores_catalogue_phrases(tmp_path):
    wav = tmp_path / "q.wav"
    assert run("say", "làm hộ chiếu", "-o", str(wav)).returncode == 0
    proc = run("transcribe", str(wav), "--json", "--candidate", "hộ chiếu", "--candidate", "khai sinh",
               "--candidate", "kết hôn")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["engine"] == "whisper" and 0.5 < out["audio_s"] < 3
    assert out["alternatives"][0]["text"] == "hộ chiếu"
    assert abs(sum(a["confidence"] for a in out["alternatives"]) - 1) < 0.01


def test_transcribe_bad_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio at all")
    proc = run("transcribe", str(bad))
    assert proc.returncode == 1 and proc.stderr.startswith("hotline transcribe:")
    assert run("transcribe", str(tmp_path / "missing.wav")).returncode == 1


def test_models_install_without_internet_says_what_to_do(tmp_path):
    proc = run("models", "install", "vosk-vi", "--dest", str(tmp_path))
    # Here there is no internet: the command must fail clearly, never hang or crash.
    if proc.returncode == 0:
        assert "HOTLINE_ASR_MODEL_PATH" in proc.stdout
    else:
        assert proc.returncode == 1 and "HOTLINE_ASR_MODEL_PATH" in proc.stderr

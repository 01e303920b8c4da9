"""`hotline say` writes telephone audio with the real espeak-ng engine."""

from __future__ import annotations

import subprocess
import sys

from tts.audio import read_wav


def test_say_writes_an_8khz_wav(tmp_path):
    out = tmp_path / "a.wav"
    proc = subprocess.run([sys.executable, "-m", "hotline.cli", "say", "Ông bà nộp hồ sơ tại UBND xã.", "-o", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    audio = read_wav(out.read_bytes())
    assert audio.sample_rate == 8000
    assert 1.5 < audio.duration < 8
    bad = subprocess.run([sys.executable, "-m", "hotline.cli", "say", "x", "-o", str(out), "--voice", "nope"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "voice" in bad.stderr

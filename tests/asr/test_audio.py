import numpy as np
import pytest

from asr.audio import (
    duration_s,
    float_to_pcm,
    frame_bytes,
    level_dbfs,
    pcm_to_float,
    read_audio,
    read_wav,
    resample,
    silence,
    write_wav,
)


def _tone(freq: float, seconds: float, rate: int, amp: float = 0.5) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    return float_to_pcm(amp * np.sin(2 * np.pi * freq * t))


def test_pcm_float_roundtrip():
    x = np.array([0.0, 0.5, -0.5, 0.999, -1.0], dtype=np.float32)
    back = pcm_to_float(float_to_pcm(x))
    assert np.allclose(back, x, atol=1 / 32768)
    assert float_to_pcm(np.array([2.0, -2.0])) == np.array([32767, -32768], "<i2").tobytes()
    with pytest.raises(ValueError):
        pcm_to_float(b"\x00")


def test_resample_8k_16k_keeps_duration_and_tone():
    pcm8 = _tone(440, 1.0, 8000)
    pcm16 = resample(pcm8, 8000, 16000)
    assert duration_s(pcm16, 16000) == pytest.approx(1.0, abs=0.002)
    x = pcm_to_float(pcm16)
    spectrum = np.abs(np.fft.rfft(x))
    assert np.argmax(spectrum) * 16000 / len(x) == pytest.approx(440, abs=2)
    back = resample(pcm16, 16000, 8000)
    assert len(back) == len(pcm8)
    # A 3.5 kHz tone survives 8k→16k→8k; the resampler is transparent in band.
    assert level_dbfs(back) == pytest.approx(level_dbfs(pcm8), abs=0.2)
    assert resample(b"", 8000, 16000) == b""


def test_levels_frames_silence():
    assert frame_bytes(8000) == 320 and frame_bytes(16000) == 640
    assert level_dbfs(silence(0.1, 8000)) == -120.0
    assert level_dbfs(_tone(1000, 0.1, 8000, amp=0.5)) == pytest.approx(-9.03, abs=0.1)


def test_wav_io(tmp_path):
    pcm = _tone(300, 0.5, 8000)
    write_wav(tmp_path / "a.wav", pcm, 8000)
    assert read_wav(tmp_path / "a.wav") == (pcm, 8000)
    pcm16 = read_audio(tmp_path / "a.wav", 16000)
    assert duration_s(pcm16, 16000) == pytest.approx(0.5, abs=0.002)
    with pytest.raises(FileNotFoundError):
        read_audio(tmp_path / "missing.wav")
    (tmp_path / "bad.mp3").write_bytes(b"not audio at all")
    with pytest.raises(ValueError):
        read_audio(tmp_path / "bad.mp3")


def test_read_real_mp3_and_wav(shared_dir):
    fosd = sorted((shared_dir / "data/speech/fosd/mp3").glob("*.mp3"))
    if not fosd:
        pytest.skip("no FOSD mp3 files in shared data")
    pcm = read_audio(fosd[0], 16000)
    assert 0.3 < duration_s(pcm, 16000) < 60
    assert level_dbfs(pcm) > -50
    pcm8 = read_audio(shared_dir / "data/speech/vivos/VIVOSSPK01_R001.wav", 8000)
    assert duration_s(pcm8, 8000) == pytest.approx(3.0, abs=0.1)

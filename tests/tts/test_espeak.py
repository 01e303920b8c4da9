"""Real espeak-ng synthesis of Vietnamese (the library bundled by espeakng-loader, and
the Debian executable when it is installed)."""

from __future__ import annotations

import shutil
import threading

import numpy as np
import pytest

from tts import TELEPHONE_RATE, VIETNAMESE_VOICES, EngineUnavailable, Voice, create_synthesizer
from tts.audio import peak_dbfs, rms_dbfs
from tts.base import Synthesizer
from tts.espeak import EspeakSynthesizer

ANSWER = "Lệ phí cấp căn cước công dân là 150.000 đồng, thời hạn giải quyết 7 ngày làm việc."


@pytest.fixture(scope="module")
def espeak() -> EspeakSynthesizer:
    return EspeakSynthesizer(backend="library")


def envelope(audio) -> np.ndarray:
    x = np.frombuffer(audio.pcm, "<i2").astype(np.float64) / 32768
    frame = audio.sample_rate // 50
    return np.sqrt(np.mean(x[: x.size // frame * frame].reshape(-1, frame) ** 2, axis=1))


def same_utterance(a, b) -> bool:
    """espeak-ng adds random jitter, so two renders of one text differ sample by sample;
    their length and loudness contour agree."""
    if abs(a.duration - b.duration) > 0.02 * max(a.duration, b.duration):
        return False
    ea, eb = envelope(a), envelope(b)
    n = min(ea.size, eb.size)
    return float(np.corrcoef(ea[:n], eb[:n])[0, 1]) > 0.9


def speech_fraction(pcm: bytes, rate: int) -> float:
    """Share of 20 ms frames louder than -40 dBFS."""
    x = np.frombuffer(pcm, "<i2").astype(np.float64) / 32768
    frame = rate // 50
    frames = x[: x.size // frame * frame].reshape(-1, frame)
    return float(np.mean(np.sqrt(np.mean(frames**2, axis=1)) > 0.01))


def test_vietnamese_answer_at_8k_is_speech_of_plausible_length(espeak: EspeakSynthesizer) -> None:
    audio = espeak.synthesize(ANSWER)
    assert isinstance(espeak, Synthesizer)
    assert audio.sample_rate == TELEPHONE_RATE
    # 27 spoken syllables after normalisation at 165 words/min: about 3.5-9 s.
    assert 3.5 < audio.duration < 9.0
    assert rms_dbfs(audio) > -35
    assert -1.5 < peak_dbfs(audio) <= -0.99  # loud, with headroom kept by the resampler
    assert speech_fraction(audio.pcm, audio.sample_rate) > 0.5


def test_16k_output_and_energy_above_telephone_band(espeak: EspeakSynthesizer) -> None:
    wide = espeak.synthesize(ANSWER, sample_rate=16000)
    narrow = espeak.synthesize(ANSWER)
    assert wide.sample_rate == 16000
    assert abs(wide.duration - narrow.duration) < 0.05
    spectrum = np.abs(np.fft.rfft(np.frombuffer(wide.pcm, "<i2").astype(np.float64)))
    freqs = np.fft.rfftfreq(wide.samples, 1 / 16000)
    assert spectrum[freqs > 4000].sum() > 0.01 * spectrum.sum()


def test_voices_differ(espeak: EspeakSynthesizer) -> None:
    outputs = {
        v: espeak.synthesize("Xin chào ông bà, ông bà cần hỏi thủ tục gì?", Voice(v))
        for v in VIETNAMESE_VOICES
    }
    north, central, south = (outputs[v] for v in VIETNAMESE_VOICES)
    assert not same_utterance(north, south)
    assert not same_utterance(north, central)
    assert not same_utterance(central, south)
    for audio in outputs.values():
        assert audio.duration > 1.0


def test_rate_and_pitch_are_applied(espeak: EspeakSynthesizer) -> None:
    slow = espeak.synthesize(ANSWER, Voice(rate=120))
    fast = espeak.synthesize(ANSWER, Voice(rate=300))
    assert slow.duration > 1.8 * fast.duration
    low = espeak.synthesize("A", Voice(pitch=10), sample_rate=16000)
    high = espeak.synthesize("A", Voice(pitch=90), sample_rate=16000)
    assert low.pcm != high.pcm
    assert zero_crossing_rate(high) > zero_crossing_rate(low)


def zero_crossing_rate(audio) -> float:
    x = np.frombuffer(audio.pcm, "<i2").astype(np.int32)
    x = x[np.abs(x) > 300]
    return float(np.mean(np.signbit(x[1:]) != np.signbit(x[:-1])))


def test_text_is_normalised_before_speaking(espeak: EspeakSynthesizer) -> None:
    written = espeak.synthesize("Phí 150.000 đồng tại UBND.")
    spoken = espeak.synthesize("Phí một trăm năm mươi nghìn đồng tại ủy ban nhân dân.")
    assert same_utterance(written, spoken)
    raw = EspeakSynthesizer(normalize=False).synthesize("Phí 150.000 đồng tại UBND.")
    assert not same_utterance(raw, spoken)


def test_empty_text_and_unknown_voice(espeak: EspeakSynthesizer) -> None:
    assert espeak.synthesize("  ").duration == 0
    with pytest.raises(ValueError, match="unknown espeak-ng voice"):
        espeak.synthesize("xin chào", Voice("xx-nowhere"))
    with pytest.raises(ValueError, match="unknown espeak-ng voice"):
        EspeakSynthesizer(Voice("xx-nowhere"))
    # The engine still works after a refused voice.
    assert espeak.synthesize("xin chào").duration > 0.3
    with pytest.raises(ValueError, match="rate"):
        Voice(rate=10)


def test_threads_share_the_library_safely(espeak: EspeakSynthesizer) -> None:
    texts = [f"Hồ sơ số {i * 37} của ông bà đã được tiếp nhận." for i in range(12)]
    expected = {t: espeak.synthesize(t) for t in texts}
    errors: list[str] = []

    def work(text: str) -> None:
        try:
            for _ in range(3):
                got = espeak.synthesize(text)
                if not same_utterance(got, expected[text]):
                    errors.append(f"{text}: {got.duration:.3f} s vs {expected[text].duration:.3f} s")
        except BaseException as exc:  # surfaced below
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(t,)) for t in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors


def test_factory_builds_espeak_and_rejects_unknown_engines() -> None:
    synth = create_synthesizer("espeak", voice=Voice("vi-vn-x-south"))
    assert synth.name == "espeak"
    assert synth.synthesize("Dạ").duration > 0.1
    with pytest.raises(ValueError, match="unknown TTS engine"):
        create_synthesizer("festival")
    with pytest.raises(ValueError, match="model path"):
        create_synthesizer("coqui")


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="Debian package espeak-ng not installed")
def test_executable_backend_matches_library() -> None:
    exe = EspeakSynthesizer(backend="executable")
    lib = EspeakSynthesizer(backend="library")
    a = exe.synthesize(ANSWER, Voice("vi-vn-x-south"))
    b = lib.synthesize(ANSWER, Voice("vi-vn-x-south"))
    assert a.sample_rate == b.sample_rate == TELEPHONE_RATE
    assert abs(a.duration - b.duration) < 0.3
    with pytest.raises(ValueError, match="voice"):
        exe.synthesize("xin chào", Voice("xx-nowhere"))


def test_missing_library_is_reported_clearly(tmp_path) -> None:
    with pytest.raises(EngineUnavailable, match="cannot load libespeak-ng"):
        EspeakSynthesizer(backend="library", library_path=tmp_path / "libnothing.so")

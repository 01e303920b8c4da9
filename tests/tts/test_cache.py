"""The answer-audio cache, with real espeak-ng renders."""

from __future__ import annotations

import asyncio
import io
import json
import math
import threading
import wave
from pathlib import Path

import numpy as np
import pytest

from tts import AnswerAudioCache, RecordingError, Voice
from tts.audio import read_wav
from tts.base import Audio
from tts.espeak import EspeakSynthesizer

SUMMARY = "Làm căn cước công dân tại công an cấp xã, lệ phí 30.000 đồng."
FEE = "Lệ phí là 150.000 đồng."


class CountingSynthesizer:
    """The real espeak engine, counting calls so tests can see hits and misses."""

    name = "espeak"

    def __init__(self) -> None:
        self.engine = EspeakSynthesizer()
        self.default_voice = self.engine.default_voice
        self.calls = 0
        self.fail_on: str | None = None
        self._lock = threading.Lock()

    def synthesize(self, text: str, voice: Voice | None = None, *, sample_rate: int = 8000) -> Audio:
        with self._lock:
            self.calls += 1
        if self.fail_on and self.fail_on in text:
            raise RuntimeError("engine refused this text")
        return self.engine.synthesize(text, voice, sample_rate=sample_rate)


@pytest.fixture
def synth() -> CountingSynthesizer:
    return CountingSynthesizer()


@pytest.fixture
def cache(tmp_path: Path, synth: CountingSynthesizer) -> AnswerAudioCache:
    return AnswerAudioCache(tmp_path / "cache", synth)


def tone_wav(
    rate: int = 44100, seconds: float = 1.0, channels: int = 2, width: int = 2, amp: float = 0.5
) -> bytes:
    t = np.arange(int(rate * seconds)) / rate
    x = amp * np.sin(2 * math.pi * 440 * t)
    inter = np.repeat(x[:, None], channels, axis=1).reshape(-1)
    ints = np.round(inter * (2 ** (8 * width - 1) - 1)).astype("<i4")
    raw = b"".join(int(v).to_bytes(width, "little", signed=True) for v in ints)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(raw)
    return buf.getvalue()


def test_miss_renders_8k_wav_on_disk_then_hits(cache: AnswerAudioCache, synth: CountingSynthesizer) -> None:
    first = cache.get(SUMMARY, key="proc:1:summary")
    assert synth.calls == 1
    assert first.sample_rate == 8000 and first.duration > 2
    files = list((cache.directory / "tts").glob("*/*.wav"))
    assert [f.stem for f in files] == [cache.hash_for(SUMMARY)]
    with wave.open(str(files[0])) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
    again = cache.get(SUMMARY, key="proc:1:summary")
    assert again == first and synth.calls == 1
    # A fresh cache on the same directory (another worker, a restart) reads the file.
    other = AnswerAudioCache(cache.directory, synth)
    assert other.get(SUMMARY) == first and synth.calls == 1


def test_key_depends_on_normalised_text_engine_and_voice(tmp_path: Path, synth: CountingSynthesizer) -> None:
    cache = AnswerAudioCache(tmp_path, synth)
    assert cache.hash_for("Phí 150.000 đồng") == cache.hash_for("Phí  một trăm năm mươi nghìn đồng")
    assert cache.hash_for("Phí 150.000 đồng") != cache.hash_for("Phí 160.000 đồng")
    south = AnswerAudioCache(tmp_path, synth, Voice("vi-vn-x-south"))
    assert south.hash_for(FEE) != cache.hash_for(FEE)
    faster = AnswerAudioCache(tmp_path, synth, Voice(rate=200))
    assert faster.hash_for(FEE) != cache.hash_for(FEE)
    wide = AnswerAudioCache(tmp_path, synth, sample_rate=16000)
    assert wide.hash_for(FEE) != cache.hash_for(FEE)
    assert wide.get(FEE).sample_rate == 16000


def test_prerender_renders_only_missing_and_reports(
    cache: AnswerAudioCache, synth: CountingSynthesizer
) -> None:
    cache.get(FEE, key="proc:1:fee")
    items = [("proc:1:fee", FEE), ("proc:1:summary", SUMMARY), ("greeting", "Xin chào ông bà.")]
    report = cache.prerender(items)
    assert (report.requested, report.rendered, report.cached, report.recorded) == (3, 2, 1, 0)
    assert report.ok and report.bytes_written > 0 and report.audio_seconds > 2
    assert set(report.hashes) == {k for k, _ in items}
    assert synth.calls == 3
    again = cache.prerender(items)
    assert (again.rendered, again.cached, again.bytes_written) == (0, 3, 0)
    assert synth.calls == 3
    usage = cache.usage()
    assert usage.tts_files == 3 and usage.recording_files == 0
    assert usage.bytes == sum(p.stat().st_size for p in (cache.directory / "tts").glob("*/*.wav"))
    index = json.loads((cache.directory / "index.json").read_text())
    assert index["keys"] == report.hashes


def test_prerender_reports_failures_without_stopping(
    cache: AnswerAudioCache, synth: CountingSynthesizer
) -> None:
    synth.fail_on = "hỏng"
    report = cache.prerender([("a", "Câu hỏng."), ("b", "Câu tốt."), ("", "khóa rỗng")])
    assert report.rendered == 1
    assert set(report.failed) == {"a", ""}
    assert "engine refused" in report.failed["a"]
    assert not report.ok


def test_invalidate_on_edit(cache: AnswerAudioCache, synth: CountingSynthesizer) -> None:
    cache.prerender([("proc:1:fee", FEE), ("proc:2:fee", FEE), ("proc:1:summary", SUMMARY)])
    old = cache.hash_for(SUMMARY)
    assert cache.invalidate(["proc:1:summary", "never-seen"]) == 1
    assert not (cache.directory / "tts" / old[:2] / f"{old}.wav").exists()
    # The fee text is shared by two procedures: invalidating one keeps the file.
    assert cache.invalidate(["proc:1:fee"]) == 0
    calls = synth.calls
    cache.get(FEE, key="proc:2:fee")
    assert synth.calls == calls
    # The edited summary renders anew under its new hash.
    edited = SUMMARY.replace("30.000", "50.000")
    cache.get(edited, key="proc:1:summary")
    assert synth.calls == calls + 1
    assert cache.usage().tts_files == 2


def test_prune_keeps_only_the_given_hashes(cache: AnswerAudioCache) -> None:
    report = cache.prerender([("a", FEE), ("b", SUMMARY), ("c", "Xin chào.")])
    removed = cache.prune([report.hashes["a"], report.hashes["c"]])
    assert removed == 1
    assert sorted(p.stem for p in (cache.directory / "tts").glob("*/*.wav")) == sorted(
        [report.hashes["a"], report.hashes["c"]]
    )
    assert cache.invalidate(["b"]) == 0  # its index entry went with the file


def test_recording_takes_precedence_and_is_converted(
    cache: AnswerAudioCache, synth: CountingSynthesizer
) -> None:
    tts_audio = cache.get("Xin chào ông bà.", key="greeting")
    cache.set_recording("greeting", tone_wav(44100, 1.5, channels=2))
    rec = cache.get("Xin chào ông bà.", key="greeting")
    assert rec != tts_audio
    assert rec.sample_rate == 8000 and abs(rec.duration - 1.5) < 0.01
    assert cache.has_recording("greeting") and cache.recording_keys() == ["greeting"]
    # Stored as 8 kHz mono 16-bit WAV.
    (stored,) = (cache.directory / "recordings").glob("*.wav")
    with wave.open(str(stored)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
    # Without the key the same text is plain TTS; pre-rendering counts the recording.
    assert cache.get("Xin chào ông bà.") == tts_audio
    report = cache.prerender([("greeting", "Xin chào ông bà, lời chào mới.")])
    assert report.recorded == 1 and report.rendered == 0
    # A restarted cache still knows the recording.
    assert AnswerAudioCache(cache.directory, synth).get("x", key="greeting") == rec
    assert cache.remove_recording("greeting") is True
    assert cache.remove_recording("greeting") is False
    assert cache.get("Xin chào ông bà.", key="greeting") == tts_audio


def test_recording_changed_by_another_process_is_not_served_stale(
    cache: AnswerAudioCache, synth: CountingSynthesizer
) -> None:
    cache.set_recording("menu", tone_wav(16000, 0.5, channels=1))
    assert abs(cache.get("Bấm phím 1.", key="menu").duration - 0.5) < 0.01  # now in memory
    admin = AnswerAudioCache(cache.directory, synth)  # e.g. the HTTP API's worker
    admin.set_recording("menu", tone_wav(16000, 0.9, channels=1))
    assert abs(cache.get("Bấm phím 1.", key="menu").duration - 0.9) < 0.01
    assert admin.remove_recording("menu")
    assert cache.peek("Bấm phím 1.", key="menu") is None
    spoken = cache.get("Bấm phím 1.", key="menu")
    assert spoken.duration > 0.5 and synth.calls == 1  # TTS again


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"ID3\x03\x00\x00\x00" + b"\xff" * 2000, "not a usable WAV file"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "not a usable WAV file"),
        (tone_wav(8000, 0.05, channels=1), "too short"),
        (tone_wav(16000, 1.0, channels=1, amp=0.0), "silent"),
    ],
)
def test_bad_recordings_are_rejected_and_keep_the_old_one(
    cache: AnswerAudioCache, data: bytes, reason: str
) -> None:
    cache.set_recording("menu", tone_wav(22050, 0.8, channels=1, width=3))
    before = cache.recording("menu")
    with pytest.raises(RecordingError, match=reason):
        cache.set_recording("menu", data)
    assert cache.recording("menu") == before


def test_bad_keys_are_refused(cache: AnswerAudioCache) -> None:
    with pytest.raises(ValueError, match="key"):
        cache.get(FEE, key="")
    with pytest.raises(ValueError, match="key"):
        cache.set_recording("k" * 1000, tone_wav())


def test_damaged_files_recover(cache: AnswerAudioCache, synth: CountingSynthesizer) -> None:
    first = cache.get(FEE, key="fee")
    digest = cache.hash_for(FEE)
    (cache.directory / "tts" / digest[:2] / f"{digest}.wav").write_bytes(b"garbage")
    (cache.directory / "index.json").write_text("{not json")
    fresh = AnswerAudioCache(cache.directory, synth)  # unreadable index: bookkeeping only
    again = fresh.get(FEE, key="fee")
    assert synth.calls == 2 and abs(again.duration - first.duration) < 0.05
    assert read_wav((cache.directory / "tts" / digest[:2] / f"{digest}.wav").read_bytes()).duration > 1


def test_concurrent_gets_render_each_text_once(cache: AnswerAudioCache, synth: CountingSynthesizer) -> None:
    texts = [f"Thủ tục số {i} cần {i + 1} bộ hồ sơ." for i in range(6)]
    results: dict[int, list[Audio]] = {i: [] for i in range(6)}
    errors: list[BaseException] = []
    barrier = threading.Barrier(12)

    def caller(n: int) -> None:
        try:
            barrier.wait()
            for i in range(6):
                j = (i + n) % 6
                results[j].append(cache.get(texts[j], key=f"p{j}"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=caller, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert synth.calls == 6  # one render per text, whatever the interleaving
    for audios in results.values():
        assert len(audios) == 12 and all(a == audios[0] for a in audios)
    assert not list(cache.directory.rglob("*.tmp"))
    assert cache.usage().tts_files == 6


def test_async_get_serves_memory_hits_on_the_loop(
    cache: AnswerAudioCache, synth: CountingSynthesizer
) -> None:
    async def scenario() -> None:
        assert cache.peek(FEE, key="fee") is None
        first = await cache.aget(FEE, key="fee")  # rendered in a worker thread
        assert cache.peek(FEE, key="fee") == first
        many = await asyncio.gather(*(cache.aget(FEE, key="fee") for _ in range(50)))
        assert all(a == first for a in many)
        # A recording stored by another process (another cache object) wins over memory.
        AnswerAudioCache(cache.directory, synth).set_recording("fee", tone_wav(16000, 0.6, channels=1))
        assert cache.peek(FEE, key="fee") is None
        recorded = await cache.aget(FEE, key="fee")
        assert abs(recorded.duration - 0.6) < 0.01

    asyncio.run(scenario())
    assert synth.calls == 1


def test_concurrent_prerender_and_recordings(cache: AnswerAudioCache) -> None:
    items = [(f"k{i}", f"Câu trả lời số {i}.") for i in range(20)]
    errors: list[BaseException] = []

    def upload() -> None:
        try:
            for i in range(0, 20, 4):
                cache.set_recording(f"k{i}", tone_wav(16000, 0.5, channels=1))
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=upload)
    t.start()
    report = cache.prerender(items, workers=4)
    t.join(timeout=60)
    assert not errors and report.ok
    assert report.rendered + report.recorded + report.cached == 20
    assert len(cache.recording_keys()) == 5
    for key, text in items:
        audio = cache.get(text, key=key)
        assert audio.sample_rate == 8000 and audio.duration > 0.4

"""RFC 4733 telephone-events and in-band (Goertzel) DTMF detection."""

from __future__ import annotations

import numpy as np
import pytest

from sip_gateway.codecs import alaw_decode, alaw_encode, ulaw_decode, ulaw_encode
from sip_gateway.dtmf import (
    DIGITS,
    DtmfError,
    InbandDtmfDetector,
    Rfc4733Receiver,
    TelephoneEvent,
    dtmf_tone,
    telephone_event_payloads,
)
from sip_gateway.rtp import RtpPacket

RATE = 8000


# ---- RFC 4733 ----------------------------------------------------------------


def press_packets(digit: str, timestamp: int, seq: int, duration_ms: int = 120, ssrc: int = 7):
    """The packets a phone sends for one press: updates, then the end packet three times."""
    out = []
    for payload, marker in telephone_event_payloads(digit, duration_ms):
        out.append(RtpPacket(101, seq & 0xFFFF, timestamp, ssrc, payload, marker))
        seq += 1
    return out


def test_event_payload_round_trip():
    ev = TelephoneEvent(event=11, end=True, volume=10, duration=800)
    assert ev.to_bytes() == bytes([11, 0x80 | 10, 0x03, 0x20])
    assert TelephoneEvent.parse(ev.to_bytes()) == ev
    with pytest.raises(DtmfError):
        TelephoneEvent.parse(b"\x01\x02")


def test_sender_emits_marker_updates_and_three_ends():
    payloads = list(telephone_event_payloads("5", duration_ms=100))
    events = [TelephoneEvent.parse(p) for p, _ in payloads]
    assert [m for _, m in payloads] == [True] + [False] * (len(payloads) - 1)
    assert [e.end for e in events] == [False] * 4 + [True] * 3
    assert all(e.event == 5 for e in events)
    assert [e.duration for e in events] == [160, 320, 480, 640, 800, 800, 800]


def test_each_press_reported_once_despite_end_retransmissions():
    rx = Rfc4733Receiver()
    packets = []
    seq, ts = 1000, 50000
    for digit in "1590#*":
        packets += press_packets(digit, ts, seq)
        seq += 10
        ts += 2400
    digits = [ev.digit for p in packets for ev in rx.feed(p)]
    assert digits == list("1590#*")


def test_same_digit_twice_is_two_presses():
    rx = Rfc4733Receiver()
    packets = press_packets("7", 1000, 1) + press_packets("7", 3000, 20)
    events = [ev for p in packets for ev in rx.feed(p)]
    assert [e.digit for e in events] == ["7", "7"]
    assert [e.timestamp for e in events] == [1000, 3000]
    assert events[0].duration_ms == 120 and events[0].source == "rfc4733"


def test_duplicated_and_reordered_end_packets_still_once():
    rx = Rfc4733Receiver()
    packets = press_packets("3", 1000, 1)
    packets = packets + packets[-3:] + [packets[2]]  # a network duplicating everything
    assert [ev.digit for p in packets for ev in rx.feed(p)] == ["3"]


def test_lost_end_packets_reported_on_next_press_or_timeout():
    rx = Rfc4733Receiver(timeout=0.3)
    first = [p for p in press_packets("4", 1000, 1) if not TelephoneEvent.parse(p.payload).end]
    out = [ev.digit for p in first for ev in rx.feed(p, now=0.0)]
    assert out == []
    assert [e.digit for e in rx.expire(0.1)] == []
    assert [e.digit for e in rx.expire(0.5)] == ["4"]
    assert rx.expire(1.0) == []  # once
    # an unended press followed by a new one
    rx = Rfc4733Receiver()
    out = [ev.digit for p in first + press_packets("8", 5000, 30) for ev in rx.feed(p)]
    assert out == ["4", "8"]


def test_non_dtmf_events_ignored():
    rx = Rfc4733Receiver()
    flash = RtpPacket(101, 1, 10, 1, TelephoneEvent(16, True, 10, 800).to_bytes())
    short = RtpPacket(101, 2, 20, 1, b"\x01")
    assert rx.feed(flash) == [] and rx.feed(short) == []
    assert rx.ignored == 2


# ---- in-band -----------------------------------------------------------------


def to_pcm(x: np.ndarray) -> bytes:
    return (np.clip(x, -1, 1) * 32767).astype("<i2").tobytes()


def detect(pcm: bytes, frame: int = 320) -> list:
    det = InbandDtmfDetector()
    out = []
    for i in range(0, len(pcm), frame):
        out += det.feed(pcm[i : i + frame])
    return out


@pytest.mark.parametrize(
    "codec", [(ulaw_encode, ulaw_decode), (alaw_encode, alaw_decode)], ids=["pcmu", "pcma"]
)
def test_all_sixteen_keys_detected_through_g711_with_noise(codec):
    enc, dec = codec
    rng = np.random.default_rng(1)
    gap = np.zeros(RATE // 10)
    parts = []
    for i, d in enumerate(DIGITS):
        level = 0.05 + 0.3 * (i % 4) / 3  # -29 to -13 dBFS per tone
        parts += [dtmf_tone(d, duration_ms=60 + 10 * (i % 3), amplitude=level), gap]
    sig = np.concatenate([gap, *parts])
    sig += rng.normal(0, 0.005, len(sig))  # noise 20-35 dB below the tones
    events = detect(dec(enc(to_pcm(sig))))
    assert "".join(e.digit for e in events) == DIGITS
    assert all(e.source == "inband" and e.duration_ms >= 30 for e in events)


def test_twist_within_limits_accepted_beyond_rejected():
    t = np.arange(RATE // 10) / RATE

    def two_tone(row_amp, col_amp):  # digit 5: 770 Hz + 1336 Hz
        return row_amp * np.sin(2 * np.pi * 770 * t) + col_amp * np.sin(2 * np.pi * 1336 * t)

    pad = np.zeros(400)
    assert [e.digit for e in detect(to_pcm(np.concatenate([pad, two_tone(0.3, 0.15), pad])))] == ["5"]  # 6 dB
    assert detect(to_pcm(np.concatenate([pad, two_tone(0.3, 0.05), pad]))) == []  # 15.6 dB normal twist
    assert detect(to_pcm(np.concatenate([pad, two_tone(0.1, 0.3), pad]))) == []  # 9.5 dB reverse twist


def test_held_key_is_one_digit_and_short_blip_is_none():
    pad = np.zeros(800)
    long_press = np.concatenate([pad, dtmf_tone("9", 1500), pad])
    assert [e.digit for e in detect(to_pcm(long_press))] == ["9"]
    blip = np.concatenate([pad, dtmf_tone("9", 15), pad])
    assert detect(to_pcm(blip)) == []


def test_detection_with_arbitrary_chunking():
    sig = np.concatenate(
        [np.zeros(333), dtmf_tone("6", 80), np.zeros(500), dtmf_tone("0", 80), np.zeros(500)]
    )
    assert [e.digit for e in detect(to_pcm(sig), frame=2 * 37)] == ["6", "0"]


def test_silence_noise_and_synthetic_voices_do_not_trigger():
    rng = np.random.default_rng(2)
    t = np.arange(RATE * 3) / RATE
    signals = [np.zeros(RATE * 2), rng.normal(0, 0.1, RATE * 3)]
    # a chirp sweeping the whole DTMF band
    signals.append(0.4 * np.sin(2 * np.pi * (300 * t + 600 * t**2)))
    # sustained vowels: harmonic combs with formant-shaped amplitudes, pitch gliding
    for f0 in (95, 110, 140, 190, 230):
        for formants in ((700, 1220), (300, 2300), (500, 1000), (850, 1600)):
            f0_t = f0 * (1 + 0.03 * np.sin(2 * np.pi * 3 * t))
            phase = 2 * np.pi * np.cumsum(f0_t) / RATE
            x = np.zeros_like(t)
            for h in range(1, int(3800 / f0)):
                fh = h * f0
                gain = sum(1 / (1 + ((fh - f) / 80) ** 2) for f in formants) + 0.05
                x += gain * np.sin(h * phase)
            signals.append(0.3 * x / np.abs(x).max())
    for sig in signals:
        assert detect(to_pcm(sig)) == []


def test_real_speech_does_not_trigger():
    pytest.importorskip("espeakng_loader", reason="espeak-ng (PyPI espeakng-loader) synthesises the speech")
    speech = pytest.importorskip("tests.asr.speech", reason="espeak-ng synthesis helper")
    texts = [
        "Xin chào, tôi muốn hỏi thủ tục đăng ký khai sinh cho con, lệ phí bao nhiêu và nộp ở đâu ạ?",
        "Một hai ba bốn năm sáu bảy tám chín không. Cho tôi gặp tổng đài viên.",
    ]
    for text in texts:
        for pitch in (20, 50, 90):
            pcm = speech.synthesize(text, voice="vi", sample_rate=RATE, pitch=pitch)
            assert len(pcm) > RATE  # really spoke
            assert detect(ulaw_decode(ulaw_encode(pcm))) == []


def test_tone_over_speech_is_still_found():
    pytest.importorskip("espeakng_loader", reason="espeak-ng (PyPI espeakng-loader) synthesises the speech")
    speech = pytest.importorskip("tests.asr.speech", reason="espeak-ng synthesis helper")
    voice = np.frombuffer(speech.synthesize("alô alô", sample_rate=RATE), dtype="<i2") / 32768
    sig = voice.copy()
    start = len(sig) // 3
    tone = dtmf_tone("#", 100, amplitude=0.4)
    sig = np.concatenate([sig, np.zeros(RATE // 5)])
    sig[start : start + len(tone)] = 0.1 * sig[start : start + len(tone)] + tone
    assert [e.digit for e in detect(to_pcm(sig))] == ["#"]

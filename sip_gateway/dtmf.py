"""Keypad digits: RFC 4733 telephone-events (receive and send) and in-band
DTMF tone detection (Goertzel) for peers that send the tones as audio. No I/O.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np

from sip_gateway.rtp import RtpPacket

DIGITS = "0123456789*#ABCD"  # RFC 4733 §3.2: events 0-15 in this order
SAMPLE_RATE = 8000
ROWS = (697.0, 770.0, 852.0, 941.0)
COLS = (1209.0, 1336.0, 1477.0, 1633.0)
KEYPAD = ("123A", "456B", "789C", "*0#D")

_EVENT = struct.Struct("!BBH")


class DtmfError(ValueError):
    """A telephone-event payload that cannot be read, or an unknown digit."""


@dataclass(slots=True, frozen=True)
class DtmfEvent:
    """A key press reported to the call: what the dialog layer sees."""

    digit: str
    duration_ms: int  # RFC 4733: the press; in-band: how long it had sounded when accepted
    source: Literal["rfc4733", "inband"]
    timestamp: int = 0  # RTP timestamp at the start of the tone


@dataclass(slots=True, frozen=True)
class TelephoneEvent:
    """The 4-byte payload of RFC 4733 §2.3."""

    event: int
    end: bool
    volume: int  # 0..63, -dBm0
    duration: int  # in timestamp units (1/8000 s)

    def to_bytes(self) -> bytes:
        return _EVENT.pack(
            self.event, (0x80 if self.end else 0) | (self.volume & 0x3F), self.duration & 0xFFFF
        )

    @classmethod
    def parse(cls, payload: bytes) -> TelephoneEvent:
        if len(payload) < 4:
            raise DtmfError(f"telephone-event payload of {len(payload)} bytes, need 4")
        event, flags, duration = _EVENT.unpack_from(payload)
        return cls(event=event, end=bool(flags & 0x80), volume=flags & 0x3F, duration=duration)


class Rfc4733Receiver:
    """Turns a stream of telephone-event packets into one DtmfEvent per key press.

    One press is all packets with the same RTP timestamp (§2.5.1.5): the end
    packet is usually sent three times and the updates many times, but it is
    reported once. A press whose end packets were all lost is reported when the
    next press starts or ``expire`` finds it silent for ``timeout`` seconds.
    """

    def __init__(self, timeout: float = 0.3) -> None:
        self.timeout = timeout
        self._key: tuple[int, int] | None = None  # (ssrc, timestamp) of the current press
        self._event: TelephoneEvent | None = None
        self._reported = False
        self._last_seen = 0.0
        self.ignored = 0  # events other than DTMF 0-15 (flash, tones) and bad payloads

    def feed(self, packet: RtpPacket, now: float = 0.0) -> list[DtmfEvent]:
        try:
            ev = TelephoneEvent.parse(packet.payload)
        except DtmfError:
            self.ignored += 1
            return []
        if ev.event >= len(DIGITS):
            self.ignored += 1
            return []
        out: list[DtmfEvent] = []
        key = (packet.ssrc, packet.timestamp)
        if key != self._key:
            pending = self._pending()
            if pending is not None:
                out.append(pending)
            self._key, self._event, self._reported = key, ev, False
        elif not self._reported and self._event is not None and ev.duration >= self._event.duration:
            self._event = ev
        self._last_seen = now
        if ev.end and not self._reported:
            self._reported = True
            out.append(self._as_digit(ev, packet.timestamp))
        return out

    @property
    def open_press(self) -> bool:
        """A press has started and not been reported yet (``expire`` has work)."""
        return self._key is not None and not self._reported

    def expire(self, now: float) -> list[DtmfEvent]:
        if self._key is not None and not self._reported and now - self._last_seen >= self.timeout:
            pending = self._pending()
            return [pending] if pending is not None else []
        return []

    def _pending(self) -> DtmfEvent | None:
        if self._key is None or self._reported or self._event is None:
            return None
        self._reported = True
        return self._as_digit(self._event, self._key[1])

    @staticmethod
    def _as_digit(ev: TelephoneEvent, timestamp: int) -> DtmfEvent:
        return DtmfEvent(DIGITS[ev.event], ev.duration * 1000 // SAMPLE_RATE, "rfc4733", timestamp)


def telephone_event_payloads(
    digit: str, duration_ms: int = 100, volume: int = 10, packet_ms: int = 20, end_repeats: int = 3
) -> Iterator[tuple[bytes, bool]]:
    """The payloads of one key press as an RFC 4733 sender emits them, one per
    ``packet_ms``: (payload, marker). All share the RTP timestamp of the start
    of the tone; the first has the marker bit; the end packet is repeated."""
    code = digit_code(digit)
    step = packet_ms * SAMPLE_RATE // 1000
    total = max(step, duration_ms * SAMPLE_RATE // 1000)
    duration = step
    first = True
    while duration < total:
        yield TelephoneEvent(code, False, volume, duration).to_bytes(), first
        first = False
        duration += step
    end = TelephoneEvent(code, True, volume, total).to_bytes()
    for _ in range(end_repeats):
        yield end, first
        first = False


def digit_code(digit: str) -> int:
    code = DIGITS.find(digit.upper()) if len(digit) == 1 else -1
    if code < 0:
        raise DtmfError(f"not a DTMF digit: {digit!r}")
    return code


def dtmf_tone(
    digit: str, duration_ms: int = 100, amplitude: float = 0.25, sample_rate: int = SAMPLE_RATE
) -> np.ndarray:
    """A DTMF tone as float samples in [-1, 1] (each of the two sines at ``amplitude``)."""
    code = digit_code(digit)
    key = DIGITS[code]
    row = next(r for r, keys in enumerate(KEYPAD) if key in keys)
    col = KEYPAD[row].index(key)
    t = np.arange(duration_ms * sample_rate // 1000) / sample_rate
    return amplitude * (np.sin(2 * np.pi * ROWS[row] * t) + np.sin(2 * np.pi * COLS[col] * t))


# ---- in-band detection ------------------------------------------------------

BLOCK = 160  # 20 ms: bins 50 Hz wide; the rows are >= 73 Hz apart
HOP = 80  # half-overlapping blocks, so a 40 ms tone always fills two of them
_FREQS = np.array(ROWS + COLS + tuple(2 * f for f in ROWS + COLS))
_NF = len(_FREQS)


def _goertzel_basis(freqs: np.ndarray, n: int) -> np.ndarray:
    """Cos and sin columns of the single-bin DFT at each frequency, for int16 input.

    The Goertzel recursion computes exactly |sum x[k] e^{-i w k}|^2 for one
    frequency; for the 16 frequencies of a block at once the same value is one
    small matrix product in numpy instead of a Python loop per sample, which is
    what makes it affordable for many calls. A block is two hops, so the basis
    is split in its first and second half: each hop of audio is projected
    once, and a block is the sum of two hop projections.
    """
    w = 2 * np.pi * freqs / SAMPLE_RATE
    k = np.arange(n)
    full = np.concatenate([np.cos(np.outer(k, w)), np.sin(np.outer(k, w))], axis=1)
    return np.concatenate([full[:HOP], full[HOP:]], axis=1).astype(np.float32)  # (HOP, 4 * _NF)


_BASIS = _goertzel_basis(_FREQS, BLOCK)
_ZERO_PROJ = np.zeros(2 * _NF, dtype=np.float32)


@dataclass(slots=True, frozen=True)
class GoertzelThresholds:
    """Acceptance rules for one block (after Q.24 and the usual DSP practice)."""

    min_level: float = 0.01  # each tone's amplitude, full scale 1.0 (about -40 dBFS)
    normal_twist_db: float = 8.0  # column tone weaker than row tone by at most this
    reverse_twist_db: float = 4.0  # row tone weaker than column tone by at most this
    peak_ratio_db: float = 6.0  # the chosen row/column exceeds the others of its group by this
    tone_fraction: float = 0.75  # share of the block's energy in the two tones (speech spreads out)
    harmonic_db: float = 12.0  # second harmonics at least this far below their tone (voices have them)


class InbandDtmfDetector:
    """Detects DTMF tones in 8 kHz PCM16 audio, one digit per press.

    A press is accepted after ``min_blocks`` consecutive half-overlapping
    blocks agree on the digit, and a new press needs ``min_gap_blocks`` blocks
    without it (so a long tone is one digit, two presses are two).
    """

    def __init__(
        self, thresholds: GoertzelThresholds | None = None, min_blocks: int = 2, min_gap_blocks: int = 2
    ) -> None:
        self.t = thresholds or GoertzelThresholds()
        self.min_blocks = min_blocks
        self.min_gap_blocks = min_gap_blocks
        self._tail = np.zeros(0, dtype="<i2")  # samples not yet in a full hop
        self._prev_proj: np.ndarray | None = None  # projection of the last hop as a first half
        self._prev_energy = 0.0
        self._samples = 0  # samples consumed, for timestamps
        self._candidate: str | None = None
        self._run = 0
        self._active: str | None = None  # digit reported and still sounding
        self._active_blocks = 0
        self._gap = 0
        self._start_sample = 0
        t = self.t
        self._min_power = (t.min_level * 32768 * BLOCK / 2) ** 2  # the basis is scaled to int16 input
        self._normal_twist = 10 ** (t.normal_twist_db / 10)
        self._reverse_twist = 10 ** (t.reverse_twist_db / 10)
        self._peak_ratio = 10 ** (t.peak_ratio_db / 10)
        self._harmonic = 10 ** (-t.harmonic_db / 10)
        # A hop holding a quarter of the energy of two tones at min_level: below it no tone.
        self._quiet = 0.25 * HOP * (t.min_level * 32768) ** 2

    def reset(self) -> None:
        self._tail = np.zeros(0, dtype="<i2")
        self._prev_proj = None
        self._prev_energy = 0.0
        self._candidate, self._run, self._active, self._gap = None, 0, None, 0

    def feed(self, pcm16: bytes, timestamp: int | None = None) -> list[DtmfEvent]:
        """Audio in (any length); digits out. ``timestamp``: RTP timestamp of the
        first sample, to stamp the events (else a running sample count)."""
        x = np.frombuffer(pcm16, dtype="<i2")
        start = (timestamp if timestamp is not None else self._samples) - len(self._tail)
        self._samples += len(x)
        if len(self._tail):
            x = np.concatenate([self._tail, x])
        hops = len(x) // HOP
        self._tail = x[hops * HOP :].copy()
        if not hops:
            return []
        halves = x[: hops * HOP].astype(np.float32).reshape(hops, HOP)
        # Few numpy calls per frame, then plain Python on a handful of floats: at 20 ms
        # frames numpy's per-call overhead, not arithmetic, is the cost.
        energy = np.einsum("ij,ij->i", halves, halves).tolist()  # int16 units
        prev_energy = self._prev_energy
        if prev_energy < self._quiet and max(energy) < self._quiet:
            # Too quiet for a tone anywhere in these blocks (silence is most of a call):
            # skip the projection, keep the state machine and the block grid moving.
            blocks = hops if self._prev_proj is not None else hops - 1
            self._prev_proj = _ZERO_PROJ
            self._prev_energy = energy[-1]
            for _ in range(blocks):
                self._step(None, 0)
            return []
        proj = halves @ _BASIS  # (hops, 4 * _NF): [first-half part | second-half part]
        if self._prev_proj is not None:
            firsts = np.concatenate((self._prev_proj[None, :], proj[:-1, : 2 * _NF]))
            seconds = proj[:, 2 * _NF :]
            block_energy = [prev_energy + energy[0]] + [energy[i - 1] + energy[i] for i in range(1, hops)]
            first_sample = start - HOP
        else:
            firsts = proj[:-1, : 2 * _NF]
            seconds = proj[1:, 2 * _NF :]
            block_energy = [energy[i - 1] + energy[i] for i in range(1, hops)]
            first_sample = start
        self._prev_proj = proj[-1, : 2 * _NF].copy()
        self._prev_energy = energy[-1]
        if not len(seconds):
            return []
        block = firsts + seconds
        np.square(block, out=block)
        powers = (block[:, :_NF] + block[:, _NF:]).tolist()
        out: list[DtmfEvent] = []
        for i, p in enumerate(powers):
            digit = self._digit_of(p, block_energy[i])
            ev = self._step(digit, first_sample + i * HOP)
            if ev is not None:
                out.append(ev)
        return out

    def _digit_of(self, p: list[float], energy: float) -> str | None:
        """The key whose two tones dominate one block, by the thresholds, else None."""
        rows, cols = p[0:4], p[4:8]
        pr, pc = max(rows), max(cols)
        if pr < self._min_power or pc < self._min_power:
            return None
        # A pure sine of amplitude A gives |X|^2 = (A N / 2)^2 and energy A^2 N / 2.
        if (pr + pc) * (2 / BLOCK) < self.t.tone_fraction * energy:
            return None
        if pc * self._normal_twist < pr or pr * self._reverse_twist < pc:
            return None
        r, c = rows.index(pr), cols.index(pc)
        for group, best in ((rows, pr), (cols, pc)):
            limit = best / self._peak_ratio
            if sum(1 for v in group if v > limit) > 1:
                return None
        if p[8 + r] > pr * self._harmonic or p[12 + c] > pc * self._harmonic:
            return None
        return KEYPAD[r][c]

    def _step(self, digit: str | None, sample: int) -> DtmfEvent | None:
        if self._active is not None:
            if digit == self._active:
                self._active_blocks += 1
                self._gap = 0
                return None
            self._gap += 1
            if self._gap < self.min_gap_blocks:
                return None
            self._active = None
        if digit is None:
            self._candidate, self._run = None, 0
            return None
        if digit != self._candidate:
            self._candidate, self._run, self._start_sample = digit, 1, sample
        else:
            self._run += 1
        if self._run >= self.min_blocks:
            self._active, self._active_blocks, self._gap = digit, self._run, 0
            self._candidate, self._run = None, 0
            duration = ((self._active_blocks - 1) * HOP + BLOCK) * 1000 // SAMPLE_RATE
            return DtmfEvent(digit, duration, "inband", self._start_sample & 0xFFFFFFFF)
        return None

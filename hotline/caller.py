"""A real SIP caller for tests, newcomers and the load tester: places a call, waits for
each prompt to finish, speaks (TTS over RTP) or presses keys, records what it hears."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from sip_gateway.call import OutboundCall
from sip_gateway.media import Frame, MediaSession
from sip_gateway.pacer import Pacer
from sip_gateway.rtpmux import RtpMux, ssrc_attribute
from sip_gateway.sdp import build_offer
from sip_gateway.useragent import CallFailed, UserAgent

RATE = 8000


@dataclass(frozen=True, slots=True)
class Step:
    kind: Literal["say", "digits", "audio"]
    value: str = ""
    pcm: bytes = b""  # for "audio": 8 kHz PCM16 to send as the caller's voice
    wait: bool = True  # wait for the hotline's prompt to end first (False: talk over it, a barge-in)


@dataclass(slots=True)
class Heard:
    """One stretch of the hotline's voice, as the caller heard it."""

    started_s: float
    ended_s: float


@dataclass(slots=True)
class CallResult:
    call_id: str = ""
    connected: bool = False
    failure: str = ""
    setup_s: float | None = None
    duration_s: float = 0.0
    prompts: list[Heard] = field(default_factory=list)
    reply_latency_s: list[float] = field(default_factory=list)  # end of our step -> start of the answer
    received_audio: bytes = b""  # everything heard, 8 kHz PCM16
    packets_in: int = 0
    packets_out: int = 0
    lost: int = 0
    jitter_ms: float = 0.0
    hangup_by: str = ""
    referred_to: str | None = None

    def to_dict(self) -> dict:
        return {
            "call_id": self.call_id, "connected": self.connected, "failure": self.failure,
            "setup_s": self.setup_s, "duration_s": round(self.duration_s, 3),
            "prompts": len(self.prompts), "reply_latency_s": [round(x, 3) for x in self.reply_latency_s],
            "heard_s": round(len(self.received_audio) / 2 / RATE, 2),
            "packets_in": self.packets_in, "packets_out": self.packets_out, "lost": self.lost,
            "jitter_ms": round(self.jitter_ms, 2), "hangup_by": self.hangup_by, "referred_to": self.referred_to,
        }


class _Listener:
    """Follows the hotline's voice: knows when a prompt starts and ends.

    The line from the hotline is clean (synthesised speech, digital silence between
    prompts), so a plain level gate is exact where an adaptive VAD would drift during a
    long answer; pauses between sentences are shorter than `end_silence_s`."""

    LEVEL = 300  # RMS of a 20 ms frame, PCM16 units (about -40 dBFS)

    def __init__(self, media: MediaSession, result: CallResult, t0: float, *, end_silence_s: float = 1.2,
                 record: bool = True) -> None:
        self.media = media
        self.record = record
        self.result = result
        self.t0 = t0
        self.end_frames = int(end_silence_s / 0.02)
        self.quiet = 0
        self.audio = bytearray()
        self.speaking = False
        self.prompt_ended = asyncio.Event()
        self.prompt_started = asyncio.Event()

    async def run(self) -> None:
        async for item in self.media:
            if not isinstance(item, Frame):
                continue
            if self.record:
                self.audio += item.pcm
            now = time.monotonic() - self.t0
            samples = np.frombuffer(item.pcm, dtype="<i2").astype(np.float32)
            loud = samples.size and float(np.sqrt(np.mean(samples * samples))) > self.LEVEL
            if loud:
                self.quiet = 0
                if not self.speaking:
                    self.speaking = True
                    self.result.prompts.append(Heard(now, now))
                    self.prompt_ended.clear()
                    self.prompt_started.set()
            elif self.speaking:
                self.quiet += 1
                if self.quiet >= self.end_frames:
                    self.speaking = False
                    self.result.prompts[-1].ended_s = now - self.quiet * 0.02
                    self.prompt_ended.set()

    async def wait_prompt_end(self, timeout: float) -> bool:
        """Until the hotline has said something and fallen silent."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self.prompt_started.wait()
                while self.speaking or not self.prompt_ended.is_set():
                    await self.prompt_ended.wait()
                    await asyncio.sleep(0)
                return True
        return False


async def place_call(
    target: str,
    steps: Sequence[Step],
    *,
    local_host: str = "127.0.0.1",
    prompt_timeout: float = 30.0,
    final_listen_s: float = 20.0,
    hang_up: bool = True,
    from_user: str = "hotline-caller",
    speak=None,
    ua: UserAgent | None = None,
    pacer: Pacer | None = None,
    hold_s: float | None = None,
    record: bool = True,
    result: CallResult | None = None,
    mux: RtpMux | None = None,
) -> CallResult:
    """Call `target`, then for each step wait for the prompt to finish and act.

    `speak(text) -> bytes` turns a "say" step into 8 kHz PCM (default: espeak-ng).
    A load tester passes its shared `ua` (started) and `pacer` (both left running);
    `mux` (the tester's shared RTP socket, on the same pacer) carries the call's RTP
    instead of a socket of its own; `hold_s` keeps the call up until that many seconds after the INVITE (instead of
    waiting for the last prompt to end); `record=False` keeps no received audio; a given
    `result` is filled in place (what a cancelled call measured so far survives)."""
    result = result if result is not None else CallResult()
    own_pacer, own_ua = pacer is None, ua is None
    pacer = pacer if pacer is not None else Pacer()  # not `or`: an idle shared pacer has len() 0
    if ua is None:
        ua = UserAgent(_refuse, host=local_host, port=0, max_calls=0, user_agent=from_user, tcp=False)
        await ua.start()
    media = await MediaSession.open(pacer, host=local_host, port=0, mux=mux)
    offer = build_offer(local_host, media.local_port)
    if mux is not None:
        # Every call of this tester comes from one port: the SSRC tells the hotline which is which.
        offer.audio.attributes.append(ssrc_attribute(media.ssrc, "hotline-caller"))
    t0 = time.monotonic()
    listener_task: asyncio.Task | None = None
    call: OutboundCall | None = None
    try:
        try:
            call = await asyncio.wait_for(ua.place_call(target, offer, from_user=from_user), timeout=32)
        except (CallFailed, TimeoutError, OSError) as exc:
            result.failure = f"{type(exc).__name__}: {exc}"
            return result
        result.connected = True
        result.call_id = call.call_id
        result.setup_s = round(time.monotonic() - t0, 4)
        media.apply_sdp(call.remote_sdp)
        listener = _Listener(media, result, t0, record=record)
        listener_task = asyncio.create_task(listener.run())
        for step in steps:
            if call.ended.is_set():
                break
            if step.wait:
                await listener.wait_prompt_end(prompt_timeout)
            else:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(prompt_timeout):
                        if not listener.speaking:
                            await listener.prompt_started.wait()
                await asyncio.sleep(1.0)  # well into the prompt
            if call.ended.is_set():
                break
            heard_before = len(result.prompts)
            listener.prompt_started.clear()
            if step.kind == "digits":
                acted_at = time.monotonic()  # the hotline may answer from the first key
                media.send_dtmf(step.value)
                await asyncio.sleep(0.2 * len(step.value) + 0.1)
                if not step.wait:
                    # A key cuts the prompt and the reply follows at once, without the pause that
                    # marks a new prompt: its latency is not measurable from here.
                    continue
            else:
                pcm = step.pcm if step.kind == "audio" else (speak or _espeak)(step.value)
                await media.play(pcm)
                acted_at = time.monotonic()
            # The reply's first audio: the first prompt heard after acting.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(prompt_timeout):
                    while len(result.prompts) <= heard_before:
                        listener.prompt_started.clear()
                        await listener.prompt_started.wait()
            if len(result.prompts) > heard_before:
                result.reply_latency_s.append(max(0.0, result.prompts[heard_before].started_s - (acted_at - t0)))
        if hold_s is not None and not call.ended.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, t0 + hold_s - time.monotonic())):
                    await call.ended.wait()
        elif not call.ended.is_set():
            await listener.wait_prompt_end(final_listen_s)
            # A transfer (REFER) or the hotline's own BYE follows its last prompt: give it a moment,
            # as a person on the line would, before hanging up.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(3.0):
                    await call.referred.wait()
            if call.referred.is_set():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(10.0):
                        await call.ended.wait()
        if call.referred.is_set():
            result.referred_to = call.refer_to
        if call.ended.is_set():
            result.hangup_by = "hotline"
        elif hang_up:
            await call.hangup()
            result.hangup_by = "caller"
        return result
    finally:
        result.duration_s = time.monotonic() - t0
        if listener_task is not None:
            listener_task.cancel()
            with contextlib.suppress(BaseException):
                await listener_task
            result.received_audio = bytes(listener.audio)
        stats = media.stats
        result.packets_in, result.packets_out, result.lost = stats.packets_in, stats.packets_out, stats.lost
        result.jitter_ms = stats.jitter_ms()
        await media.close()
        if own_pacer:
            pacer.stop()
        if own_ua:
            await ua.stop()


async def _refuse(call) -> None:
    await call.reject(603, "Decline")


def _espeak(text: str) -> bytes:
    from tts import create_synthesizer

    return create_synthesizer("espeak").synthesize(text, sample_rate=RATE).pcm

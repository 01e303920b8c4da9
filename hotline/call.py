"""The per-call loop: caller audio → VAD → recogniser → dialog manager → answer audio.

One `CallSession` per answered call. The media session hands it every RTP frame and key
press synchronously (no task wake-up per 20 ms frame); the VAD turns frames into speech
events (and stops playback when the caller barges in); the dialog task takes one input
at a time, runs the turn and plays the reply. One process-wide `LineWatch` timer checks
every call for a vanished caller and a turn ended only by missing RTP. Everything ends
with the call."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Literal

from asr.base import Hints
from asr.vad import EndpointDetector, VadConfig
from dialog.manager import DialogManager, Turn
from dialog.matcher import clean_name
from sip_gateway.call import Call
from sip_gateway.dtmf import DtmfEvent
from sip_gateway.media import Frame, MediaSession, Playback

from .brain import Snapshot
from .callevents import CallEventBus
from .callrecords import CallRecords, TurnRecord
from .metrics import Metrics
from .voice import PromptAudio, Recognition

log = logging.getLogger(__name__)

SAMPLE_RATE = 8000
# A question heard too unsurely to pick one procedure is decoded again with the names
# and aliases of the close candidates to rescore; the best one is kept when the audio
# favours it this clearly (the candidates' probabilities add up to 1).
RESCORE_SURE = 0.6
RESCORE_PHRASES = 9  # at most: every phrase costs one alignment


@dataclass(frozen=True, slots=True)
class CallLimits:
    no_input_s: float = 7.0  # silence after a prompt before the dialog's no-input reprompt
    max_call_s: float = 600.0
    rtp_timeout_s: float = 30.0  # no packet at all for this long: the caller is gone
    goodbye_grace_s: float = 15.0  # longest wait for the goodbye prompt to finish


@dataclass(frozen=True, slots=True)
class Input:
    kind: Literal["speech", "digit"]
    pcm: bytes = b""
    digit: str = ""
    ended_at: float = 0.0  # monotonic time the caller stopped speaking (or pressed)
    barge_in: bool = False


class LineWatch:
    """One timer that checks the lines of all calls every `interval` seconds: a timer or a
    task per call costs thousands of wake-ups a second at a thousand calls."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._sessions: dict[CallSession, None] = {}  # insertion-ordered set
        self._handle: asyncio.TimerHandle | None = None

    def add(self, session: CallSession) -> None:
        self._sessions[session] = None
        if self._handle is None:
            self._handle = asyncio.get_running_loop().call_later(self.interval, self._tick)

    def discard(self, session: CallSession) -> None:
        self._sessions.pop(session, None)
        if not self._sessions and self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _tick(self) -> None:
        now = time.monotonic()
        for session in list(self._sessions):
            try:
                session.check_line(now)
            except Exception:  # one broken call must not stop the checks of the others
                log.exception("call %s: line check failed", session.call_id)
        self._handle = asyncio.get_running_loop().call_later(self.interval, self._tick) if self._sessions else None


class CallSession:
    GAP_S = 0.7  # no packet for this long ends the caller's turn, like trailing silence

    def __init__(
        self,
        call: Call,
        media: MediaSession,
        snapshot: Snapshot,
        *,
        recognition: Recognition,
        prompts: PromptAudio,
        records: CallRecords,
        events: CallEventBus,
        metrics: Metrics,
        operator_uri: str = "",
        limits: CallLimits | None = None,
        vad: VadConfig | None = None,
        caller_hash: str = "",
        line_watch: LineWatch | None = None,
    ) -> None:
        self.call = call
        self.media = media
        self.snapshot = snapshot
        self.recognition = recognition
        self.prompts = prompts
        self.records = records
        self.events = events
        self.metrics = metrics
        self.operator_uri = operator_uri
        self.limits = limits or CallLimits()
        self.vad = EndpointDetector(vad or VadConfig(sample_rate=SAMPLE_RATE))
        self.caller_hash = caller_hash
        self.line_watch = line_watch or LineWatch(self.GAP_S / 2)
        self.manager: DialogManager = snapshot.conversation(operator_available=bool(operator_uri))
        self.inputs: asyncio.Queue[Input] = asyncio.Queue()
        self.cause = "ended"
        self.transferred_to = ""
        self._started = time.monotonic()
        self._speech_end_at: float | None = None
        self._playback: Playback | None = None
        self._gone: asyncio.Future[str] | None = None  # the hang-up cause, once the caller is gone

    @property
    def call_id(self) -> str:
        return self.call.call_id

    # ---- life cycle ---------------------------------------------------------
    async def run(self) -> None:
        self._publish("answered", caller_hash=self.caller_hash)
        loop = asyncio.get_running_loop()
        self._gone = loop.create_future()
        self.line_watch.add(self)
        self.media.set_handler(self._on_media)
        try:
            async with asyncio.timeout(self.limits.max_call_s):
                async with asyncio.TaskGroup() as tg:
                    watcher = tg.create_task(self._watch_hangup())
                    await self._converse()
                    watcher.cancel()
        except* TimeoutError:
            self.cause = "max_call_length"
        except* _CallerGone as gone:
            self.cause = str(gone.exceptions[0])
        finally:
            self.line_watch.discard(self)
            self.media.set_handler(_ignore)
            if not self.call.ended.is_set() and self.cause != "transferred":
                with contextlib.suppress(Exception):
                    await self.call.hangup()

    async def _watch_hangup(self) -> None:
        """Ends the conversation when the caller hangs up or `_check_line` finds them gone."""
        assert self._gone is not None
        ended = asyncio.ensure_future(self.call.ended.wait())
        try:
            await asyncio.wait((ended, self._gone), return_when=asyncio.FIRST_COMPLETED)
        finally:
            ended.cancel()
        if self._gone.done():
            raise _CallerGone(self._gone.result())
        raise _CallerGone(self.call.hangup_cause or "remote_bye")

    def check_line(self, now: float) -> None:
        """A vanished caller, and the end of a turn marked only by missing RTP (a peer that
        sends nothing during silence, DTX, a pcap that ended); called by the `LineWatch`
        every GAP_S/2, so the frame path needs no timer per packet."""
        gap = now - (self.media.last_received or self._started)
        if gap > self.limits.rtp_timeout_s:
            if self._gone is not None and not self._gone.done():
                self._gone.set_result("rtp_timeout")
            return
        if gap >= self.GAP_S and self.vad.in_speech:
            ev = self.vad.flush()
            if ev is not None and ev.kind == "speech_end":
                self._utterance(ev)

    # ---- media → inputs -----------------------------------------------------
    def _on_media(self, item: Frame | DtmfEvent) -> None:
        """Called by the media session for every frame and key press, on the event loop."""
        try:
            self._handle_media(item)
        except Exception:  # a bug here must end this call, not the packet path of the process
            log.exception("call %s: media handling failed", self.call_id)
            self.media.set_handler(_ignore)
            if self._gone is not None and not self._gone.done():
                self._gone.set_result("error")

    def _handle_media(self, item: Frame | DtmfEvent) -> None:
        if isinstance(item, DtmfEvent):
            self._barge_in()
            self.inputs.put_nowait(Input("digit", digit=item.digit, ended_at=time.monotonic()))
            return
        for ev in self.vad.feed(item.pcm, playing=self.media.playing):
            if ev.kind == "speech_start":
                if ev.barge_in or self.media.playing:
                    self._barge_in()
                self._publish("speech_start", barge_in=ev.barge_in)
            elif ev.kind == "speech_end":
                self._utterance(ev)

    def _utterance(self, ev) -> None:
        self._barge_in()
        self._publish("speech_end", seconds=round(len(ev.audio) / 2 / SAMPLE_RATE, 2))
        self.inputs.put_nowait(Input("speech", pcm=ev.audio, ended_at=time.monotonic(), barge_in=ev.barge_in))

    def _barge_in(self) -> None:
        if self.media.playing:
            self.media.stop_playback()
            self._publish("barge_in")

    # ---- the conversation ---------------------------------------------------
    async def _converse(self) -> None:
        turn = self.manager.start()
        self._record(turn, heard="", latency_ms=None)
        while True:
            await self._play(turn)
            if turn.action == "transfer":
                await self._transfer()
                return
            if turn.action == "hangup" or self.manager.finished:
                await self._finish_playing()
                self.cause = "goodbye"
                return
            inp = await self._next_input()
            started = time.monotonic()
            heard, digits, confidence = "", None, None
            if inp is None:
                turn = self.manager.handle(None)
            elif inp.kind == "digit":
                digits = inp.digit
                turn = self.manager.handle(None, digits=digits)
            else:
                hints = self._hints(turn)
                result = await self.recognition.recognize(inp.pcm, SAMPLE_RATE, hints)
                heard, confidence = result.text, result.confidence
                self._publish("recognized", text=heard, confidence=round(confidence, 3),
                              alternatives=[a.text for a in result.alternatives[:3]])
                shortlist = () if hints.candidates else self._shortlist(heard)
                if shortlist:
                    second = await self.recognition.recognize(
                        inp.pcm, SAMPLE_RATE, Hints(phrases=hints.phrases, candidates=shortlist, expect="speech"))
                    best = second.alternatives[0] if second.alternatives else None
                    if best is not None and best.confidence >= RESCORE_SURE and best.text in shortlist:
                        # The phrase the audio favours, then what was heard (the question
                        # words: "ở đâu", "bao nhiêu tiền").
                        heard = f"{best.text} {heard}"
                        self._publish("rescored", text=best.text, confidence=round(best.confidence, 3))
                turn = self.manager.handle(heard or None)
            latency = None
            if inp is not None:
                # Voice-to-voice: from the end of the caller's turn to the reply's first audio.
                self._speech_end_at = inp.ended_at
                latency = (time.monotonic() - inp.ended_at) * 1000
            self._record(turn, heard=heard, digits=digits, confidence=confidence,
                         latency_ms=latency, compute_ms=(time.monotonic() - started) * 1000)

    async def _next_input(self) -> Input | None:
        """The caller's next utterance or key, or None after the no-input time of silence
        (counted from the end of the prompt; speech in progress extends it)."""
        await self._finish_playing(interruptible=True)
        if not self.inputs.empty():
            return self.inputs.get_nowait()
        deadline = time.monotonic() + self.limits.no_input_s
        while True:
            remaining = deadline - time.monotonic()
            try:
                return await asyncio.wait_for(self.inputs.get(), timeout=max(remaining, 0.05))
            except TimeoutError:
                if self.vad.in_speech:
                    deadline = time.monotonic() + 1.0  # the caller is still talking
                    continue
                return None

    async def _finish_playing(self, *, interruptible: bool = False) -> None:
        """Until the reply has played. Any input that arrives while it plays stops it (the
        reader barges in), which ends this wait too: no polling per call."""
        playback = self._playback
        if playback is None or playback.done:
            return
        if interruptible and not self.inputs.empty():
            self.media.stop_playback()  # input queued before the prompt started
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(playback, timeout=self.limits.goodbye_grace_s * (4 if interruptible else 1))

    async def _play(self, turn: Turn) -> None:
        first = True
        seconds = 0.0
        for segment in turn.segments:
            audio = await self.prompts.audio(segment, slow=turn.slow)
            if audio.sample_rate != SAMPLE_RATE:
                raise RuntimeError(f"prompt audio at {audio.sample_rate} Hz, the line needs {SAMPLE_RATE}")
            self._playback = self.media.play(audio.pcm)  # the last one ends the turn's audio
            seconds += audio.duration
            if first:
                first = False
                if self._speech_end_at is not None:
                    self.metrics.voice_to_voice.observe(time.monotonic() - self._speech_end_at)
                    self._speech_end_at = None
        self._publish("playing", segments=[s.key for s in turn.segments], seconds=round(seconds, 2))

    async def _transfer(self) -> None:
        await self._finish_playing()
        if not self.operator_uri:
            self.cause = "no_operator"
            return
        self._publish("transfer", target=self.operator_uri)
        # Set first: on success the call ends inside transfer(), and the hang-up watcher may
        # cancel this task before transfer() returns.
        self.transferred_to = self.operator_uri
        accepted = await self.call.transfer(self.operator_uri)
        if accepted:
            self.cause = "transferred"
        else:
            self.cause, self.transferred_to = "transfer_failed", ""

    # ---- helpers -------------------------------------------------------------
    def _hints(self, turn: Turn) -> Hints:
        """Biasing for the recogniser: what this prompt expects, and the procedures just
        offered (a confirmation or a choice) as candidates to rescore against the audio."""
        candidates: tuple[str, ...] = ()
        if turn.event.decision in ("confirm", "disambiguate"):
            candidates = tuple(c["name"] if isinstance(c, dict) else c[1] for c in turn.event.candidates[:3])
        expect = turn.expects if turn.expects in ("speech", "yes_no", "digits", "any") else "any"
        return Hints(phrases=self.snapshot.vocabulary, candidates=candidates, expect=expect)

    def _shortlist(self, heard: str) -> tuple[str, ...]:
        """Names and aliases of the procedures a first question may have named, when the
        transcript alone cannot tell them apart (the dialog would confirm or offer a
        choice): a noisy line turns "làm hộ chiếu" into "làm phục chiếu", and rescoring
        the close candidates against the audio settles it (asr.rescoring)."""
        if not heard or self.manager.state not in ("start", "listen"):
            return ()
        matcher = self.manager.matcher
        result = matcher.match(heard)
        if result.action not in ("confirm", "disambiguate"):
            return ()
        phrases: dict[str, None] = {}
        for candidate in result.candidates[:3]:
            record = matcher.record(candidate.code)
            if record is not None:
                phrases.update(dict.fromkeys((clean_name(record.name), *record.aliases[:2])))
        return tuple(phrases)[:RESCORE_PHRASES] if len(phrases) > 1 else ()

    def _record(self, turn: Turn, *, heard: str, digits: str | None = None, confidence: float | None = None,
                latency_ms: float | None = None, compute_ms: float | None = None) -> None:
        event = turn.event.to_dict()
        if compute_ms is not None:
            event["compute_ms"] = round(compute_ms, 1)
        self.records.add_turn(self.call_id, TurnRecord.from_event(
            event, asr_confidence=confidence, latency_ms=None if latency_ms is None else round(latency_ms, 1)))
        self._publish("turn", index=event.get("index"), heard=heard, digits=digits or "",
                      decision=event.get("decision"), procedure_code=event.get("procedure_code"),
                      candidates=event.get("candidates"), reply=turn.reply, action=turn.action,
                      latency_ms=None if latency_ms is None else round(latency_ms, 1))

    def _publish(self, kind: str, **data) -> None:
        self.events.publish(self.call_id, kind, **data)


def _ignore(_item: object) -> None:
    """Media after the conversation ended: dropped, not queued for a reader that is gone."""


class _CallerGone(Exception):
    """The caller hung up or vanished; the message is the hangup cause."""

"""The telephony side of `hotline serve`: SIP user agent + RTP media + one CallSession per call."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import secrets
from pathlib import Path

from asr.base import Engine
from asr.vad import VadConfig
from sip_gateway.call import Call
from sip_gateway.media import MediaError, MediaSession, PayloadCache
from sip_gateway.pacer import Pacer
from sip_gateway.ports import PortAllocator
from sip_gateway.rtpmux import RtpMux, sdp_ssrcs, ssrc_attribute
from sip_gateway.sdp import SdpError, build_answer
from sip_gateway.useragent import UserAgent
from tts.cache import AnswerAudioCache

from .brain import Brain
from .call import CallLimits, CallSession, LineWatch
from .callevents import CallEventBus
from .callrecords import BackgroundCallRecords, call_outcome, hash_caller
from .config import Settings
from .gcpauses import GcPauses
from .gcschedule import FullCollections
from .metrics import Metrics
from .voice import PromptAudio, Recognition

log = logging.getLogger(__name__)


def caller_hash_key(settings: Settings) -> bytes:
    if settings.caller_hash_key:
        return settings.caller_hash_key.encode()
    path = Path(settings.data_dir) / "caller-hash.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip().encode()


class Gateway:
    def __init__(
        self,
        settings: Settings,
        brain: Brain,
        *,
        engine: Engine,
        cache: AnswerAudioCache,
        slow_cache: AnswerAudioCache | None,
        records: BackgroundCallRecords,
        events: CallEventBus,
        metrics: Metrics,
    ) -> None:
        self.settings = settings
        self.brain = brain
        self.recognition = Recognition(engine, metrics=metrics)
        self.prompts = PromptAudio(cache, slow_cache)
        self.records = records
        if records.metrics is None:
            records.metrics = metrics  # its queue depth and lag on /metrics
        self.events = events
        self.metrics = metrics
        self.pacer = Pacer()
        self.payloads = PayloadCache()  # prompts are encoded to G.711 once, not on every play
        self.ports = PortAllocator(settings.rtp_port_min, settings.rtp_port_max)
        self.mux: RtpMux | None = None  # the shared RTP socket (settings.rtp_mux), opened by start()
        self.ua = UserAgent(self._on_invite, host=settings.sip_host, port=settings.sip_port,
                            max_calls=settings.max_calls, advertised_host=settings.public_address or None)
        self.limits = CallLimits(no_input_s=settings.no_input_s, max_call_s=settings.max_call_s)
        self._hash_key = caller_hash_key(settings)
        self.sessions: dict[str, CallSession] = {}
        self.line_watch = LineWatch(CallSession.GAP_S / 2)  # one timer for all calls' line checks
        self._timing: asyncio.Task | None = None
        metrics.pacing.source = lambda: (self.pacer.send_lateness.counts, self.pacer.send_lateness.total,
                                         self.pacer.missed_ticks)
        self._gc_pauses = GcPauses(lambda gen, s: metrics.gc_pause.labels(str(gen)).observe(s))
        self._full_collections = FullCollections(settings.gc_full_interval_s)

    @property
    def sip_port(self) -> int:
        return self.ua.port

    async def start(self) -> None:
        await self.ua.start()
        if self.settings.rtp_mux:
            self.mux = RtpMux.open(self.pacer, host=self.settings.sip_host, ports=self.ports)
        self._timing = asyncio.create_task(self._report_send_timing(), name="send-timing")
        # Everything loaded so far (catalogue, matcher, models, libraries) lives as long as the
        # process: keep it out of the garbage collector's full passes, which otherwise walk
        # it all and stall the event loop (and every call's RTP) for 100+ ms.
        gc.freeze()
        self._gc_pauses.install()
        self._full_collections.start()
        if self.mux is not None:
            log.info("SIP on %s:%d (UDP and TCP), RTP of every call on port %d", self.settings.sip_host,
                     self.ua.port, self.mux.port)
        else:
            log.info("SIP on %s:%d (UDP and TCP), RTP %d-%d", self.settings.sip_host, self.ua.port,
                     self.settings.rtp_port_min, self.settings.rtp_port_max)

    async def drain(self, grace_s: float) -> None:
        """Stop taking calls (503), let active ones finish for `grace_s`, then hang up the rest."""
        await self.ua.drain()
        if not await self.ua.wait_idle(grace_s):
            log.warning("hanging up %d calls still active after %.0f s", self.ua.active_calls, grace_s)

    async def _report_send_timing(self, every_s: float = 2.0) -> None:
        """The send-lateness gauge covers the last `every_s` seconds, not the process's life:
        a load peak shows while it lasts and does not hide behind hours of quiet."""
        hist = self.pacer.send_lateness
        before = hist.copy()
        while True:
            await asyncio.sleep(every_s)
            window = hist.since(before)
            before = hist.copy()
            self.metrics.rtp_send_late_ms.set(window.quantile(0.99) if window.total else 0.0)
            if self.mux is not None:
                # Totals since start: a rising "unknown" or "ambiguous" is a caller the shared
                # port cannot tell apart (NAT without a=ssrc), whose audio is dropped.
                st = self.mux.stats
                for kind, value in (("in", st.packets_in), ("out", st.packets_out), ("unknown", st.unknown),
                                    ("ambiguous", st.ambiguous), ("after_end", st.after_end), ("latched", st.latched),
                                    ("send_errors", st.send_errors), ("truncated", st.truncated)):
                    self.metrics.rtp_mux.labels(kind).set(value)

    async def stop(self) -> None:
        self._gc_pauses.uninstall()
        await self._full_collections.stop()
        if self._timing is not None:
            self._timing.cancel()
        await self.ua.stop()
        self.pacer.stop()
        if self.mux is not None:
            self.mux.close()
        self.recognition.close()

    def _mux_can_carry(self, call: Call) -> bool:
        """A call rides the shared RTP port unless its packets could not be told from another
        call's there (then it gets a port of its own, see RtpMux.can_carry)."""
        try:
            remote = call.remote_sdp
            source, ssrcs = remote.rtp_address, sdp_ssrcs(remote.audio.attributes)
        except (SdpError, AttributeError):
            return False  # answered with 488 below, or a port of its own: never guessed
        return self.mux.can_carry(source, ssrcs)

    async def _on_invite(self, call: Call) -> None:
        """Runs for the whole call; the user agent hangs up what is still up when it returns."""
        caller = hash_caller(call.caller or "", self._hash_key)
        try:
            snapshot = await asyncio.to_thread(self.brain.snapshot)
            mux = self.mux if self.mux is not None and self._mux_can_carry(call) else None
            media = await MediaSession.open(self.pacer, self.ports, host=self.settings.sip_host,
                                            payloads=self.payloads, mux=mux, peer_host=call.peer[0])
        except MediaError as exc:
            log.error("no media for call %s: %s", call.call_id, exc)
            await call.reject(503, "Media Unavailable")
            return
        try:
            try:
                media.apply_sdp(call.remote_sdp)
                answer = build_answer(call.remote_sdp, self.ua.advertised_host, media.local_port)
                if mux is not None:
                    # Our SSRC, for a peer that multiplexes its calls on one port too (rtpmux.py).
                    answer.audio.attributes.append(ssrc_attribute(media.ssrc))
            except SdpError as exc:
                log.info("call %s: unusable SDP offer: %s", call.call_id, exc)
                await call.reject(488, "Not Acceptable Here")
                return
            # Re-INVITE (hold, resume, a new media address after a transfer by the PBX): follow it.
            call.on_media_change = lambda c: media.apply_sdp(c.remote_sdp)
            self.records.start(call.call_id, channel="sip", caller_hash=caller)
            self.events.publish(call.call_id, "incoming", caller_hash=caller)
            session: CallSession | None = None
            cause, outcome = "cancelled", "abandoned"
            try:
                await call.answer(answer)
                self.records.answered(call.call_id)
                self.metrics.active_calls.inc()
                session = CallSession(
                    call, media, snapshot,
                    recognition=self.recognition, prompts=self.prompts, records=self.records,
                    events=self.events, metrics=self.metrics, operator_uri=self.settings.operator_uri,
                    limits=self.limits, vad=VadConfig(sample_rate=8000), caller_hash=caller,
                    line_watch=self.line_watch,
                )
                self.sessions[call.call_id] = session
                await session.run()
                cause = session.cause
                outcome = call_outcome(session.manager.events, cause)
            except Exception as exc:  # one broken call must not affect the others
                if session is not None:
                    log.exception("call %s failed", call.call_id)
                    cause, outcome = "error", "failed"
                else:
                    cause = call.hangup_cause or f"not_answered: {exc}"
                raise
            finally:
                if session is not None:
                    self.sessions.pop(call.call_id, None)
                    self.metrics.active_calls.dec()
                self.records.end(call.call_id, cause=cause, outcome=outcome,
                                 transfer_target=session.transferred_to if session else "")
                self.metrics.calls.labels(outcome).inc()
                self.metrics.rtp_lost.inc(media.stats.lost)
                self.metrics.rtp_late.inc(media.stats.late)
                self.events.publish(call.call_id, "ended", cause=cause, outcome=outcome)
        finally:
            with contextlib.suppress(Exception):
                await media.close()

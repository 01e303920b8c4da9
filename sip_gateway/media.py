"""The RTP leg of one call: a UDP endpoint, G.711 in both directions, DTMF.

Inbound packets are parsed, reordered by the jitter buffer, decoded to 8 kHz
PCM16 ``Frame``s and put with ``DtmfEvent``s on a bounded queue the call
reads with ``async for item in session``. Outbound audio is queued with
``play()`` and sent one 20 ms packet per tick of the process-wide ``Pacer``.

Choices:
- Symmetric RTP (RFC 4961): we send to where the caller's packets come from,
  which is what works behind NAT; until the first packet, to the SDP address.
  Once latched, packets from another address are dropped (no RTP injection)
  unless the latched source has been silent for ``relatch_after`` seconds
  (a NAT rebinding or a media server change).
- When nothing plays we send silence, not nothing: many PBXs and carriers
  hang up calls after some seconds without RTP, NAT pinholes close, and the
  peer needs our packets to latch its own symmetric RTP. It costs the same
  50 packets a second as talking.
- A session has its own UDP socket (one port per call), or rides a process-wide
  ``RtpMux`` (one port for all calls, batched system calls; see rtpmux.py for how
  it tells calls apart and when it latches).
- In-band DTMF detection (Goertzel) costs CPU on every frame, so by default it
  runs only when the peer did not negotiate telephone-event (``inband_dtmf=True``
  forces it), and it stops for the call at the first RFC 4733 packet, so a
  press is not reported twice by peers that send both.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import struct
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sip_gateway.codecs import alaw_decode, alaw_encode, ulaw_decode, ulaw_encode
from sip_gateway.dtmf import DtmfEvent, InbandDtmfDetector, Rfc4733Receiver, telephone_event_payloads
from sip_gateway.jitterbuffer import JitterBuffer
from sip_gateway.pacer import Pacer
from sip_gateway.ports import PortAllocator, PortsExhausted
from sip_gateway.rtp import RtpPacket, RtpParseError, build_rtp, parse_rtp
from sip_gateway.rtpmux import RtpMux, sdp_ssrcs
from sip_gateway.rtpsocket import bind_rtp
from sip_gateway.stats import SessionStats

if TYPE_CHECKING:
    from sip_gateway.sdp import SessionDescription

log = logging.getLogger(__name__)

SAMPLE_RATE = 8000
FRAME_SAMPLES = 160  # 20 ms
FRAME_BYTES = FRAME_SAMPLES * 2
CN_PAYLOAD_TYPE = 13  # RFC 3389 comfort noise: accepted and ignored
# The RTP header after its first byte, for the usual packet (V=2, no padding, extension
# or CSRC: first byte 0x80), read without building an RtpPacket.
_AFTER_FIRST = struct.Struct("!BHII")


def _frame_decoder(decode: Callable[[bytes], bytes]) -> Callable[[bytes], bytes]:
    """The same decoder as ``decode``, faster on 160-byte packets: the low and
    high bytes of each sample come from two ``bytes.translate`` tables and are
    interleaved by slice assignment, all in C, with no numpy call overhead
    (which dominates at 50,000 packets a second)."""
    table = decode(bytes(range(256)))
    low, high = table[0::2], table[1::2]

    def decode_frame(payload: bytes) -> bytes:
        out = bytearray(2 * len(payload))
        out[0::2] = payload.translate(low)
        out[1::2] = payload.translate(high)
        return bytes(out)

    return decode_frame


@dataclass(slots=True, frozen=True)
class G711:
    name: str
    payload_type: int
    encode: Callable[[bytes], bytes]
    decode: Callable[[bytes], bytes]
    silence: bytes  # one encoded 20 ms frame of silence
    silence_pcm: bytes = bytes(FRAME_BYTES)  # what it decodes to: a silent frame needs no decoding


PCMU = G711("PCMU", 0, ulaw_encode, _frame_decoder(ulaw_decode), ulaw_encode(bytes(FRAME_BYTES)),
            ulaw_decode(ulaw_encode(bytes(FRAME_BYTES))))
PCMA = G711("PCMA", 8, alaw_encode, _frame_decoder(alaw_decode), alaw_encode(bytes(FRAME_BYTES)),
            alaw_decode(alaw_encode(bytes(FRAME_BYTES))))
CODECS = {"PCMU": PCMU, "PCMA": PCMA}


def codec_for(name_or_pt: str | int) -> G711:
    if isinstance(name_or_pt, int):
        for c in CODECS.values():
            if c.payload_type == name_or_pt:
                return c
    elif name_or_pt.upper() in CODECS:
        return CODECS[name_or_pt.upper()]
    raise ValueError(f"unsupported codec {name_or_pt!r}: PCMU or PCMA")


class PayloadCache:
    """G.711 encodings of audio that is played again and again (the same prompts to every
    caller), shared by the sessions of a process: each is encoded once per codec instead
    of on every play. Keyed by the PCM bytes object, whose hash Python keeps after the
    first lookup, so a hit costs a dict lookup. Least recently used entries go first."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[str, bytes], bytes] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def encode(self, codec: G711, pcm: bytes) -> bytes:
        key = (codec.name, pcm)
        encoded = self._items.get(key)
        if encoded is not None:
            self._items.move_to_end(key)
            self.hits += 1
            return encoded
        self.misses += 1
        encoded = codec.encode(pcm)
        if len(encoded) <= self.max_bytes:
            self._items[key] = encoded
            self._bytes += len(encoded)
            while self._bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped)
        return encoded


class MediaError(RuntimeError):
    """The session could not be opened (no port could be bound)."""


@dataclass(slots=True)
class Frame:
    """20 ms (usually) of the caller's audio: 16-bit little-endian mono PCM at 8 kHz."""

    pcm: bytes
    timestamp: int  # RTP timestamp of the first sample


class Playback:
    """Audio queued with ``MediaSession.play``. ``await playback`` returns True
    when it was sent to the end, False when stopped (barge-in) or the call ended."""

    __slots__ = ("pcm", "_encoded", "_codec", "_offset", "_future", "frames_sent", "_payloads")

    def __init__(self, pcm: bytes, codec: G711, loop: asyncio.AbstractEventLoop,
                 payloads: PayloadCache | None = None) -> None:
        if len(pcm) % 2:
            raise ValueError("PCM16 audio must have an even number of bytes")
        self.pcm = pcm
        self._codec = codec
        self._payloads = payloads
        self._encoded = self._encode(codec)  # once, vectorised: the tick only slices
        self._offset = 0  # samples (= encoded bytes) sent
        self.frames_sent = 0
        self._future: asyncio.Future[bool] = loop.create_future()

    @property
    def duration(self) -> float:
        return len(self.pcm) / 2 / SAMPLE_RATE

    @property
    def position(self) -> float:
        return self._offset / SAMPLE_RATE

    @property
    def done(self) -> bool:
        return self._future.done()

    @property
    def completed(self) -> bool:
        """Sent to the end (False while playing and when stopped)."""
        return self._future.done() and self._future.result()

    def __await__(self):
        return asyncio.shield(self._future).__await__()

    def _encode(self, codec: G711) -> bytes:
        return codec.encode(self.pcm) if self._payloads is None else self._payloads.encode(codec, self.pcm)

    def _next_payload(self, codec: G711) -> bytes | None:
        if codec is not self._codec:  # the codec changed by re-INVITE mid-playback
            self._codec = codec
            self._encoded = self._encode(codec)
        chunk = self._encoded[self._offset : self._offset + FRAME_SAMPLES]
        if not chunk:
            return None
        self._offset += len(chunk)
        self.frames_sent += 1
        if len(chunk) < FRAME_SAMPLES:
            chunk += codec.silence[: FRAME_SAMPLES - len(chunk)]
        return chunk

    def _finish(self, completed: bool) -> None:
        if not self._future.done():
            self._future.set_result(completed)


_CLOSED = object()


class _Protocol(asyncio.DatagramProtocol):
    __slots__ = ("session",)

    def __init__(self, session: MediaSession) -> None:
        self.session = session

    def datagram_received(self, data: bytes, addr) -> None:
        self.session._datagram_received(data, addr)

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable from a peer that went away: not fatal for the call.
        self.session._stats.send_errors += 1


class MediaSession:
    """One call's RTP stream. Create with ``await MediaSession.open(...)``."""

    def __init__(
        self,
        pacer: Pacer,
        *,
        codec: G711 = PCMU,
        dtmf_payload_type: int | None = 101,
        remote: tuple[str, int] | None = None,
        symmetric: bool = True,
        inband_dtmf: bool | None = None,
        jitter_depth: int = 2,
        queue_frames: int = 500,
        relatch_after: float = 0.5,
        handler: Callable[[Frame | DtmfEvent], None] | None = None,
        payloads: PayloadCache | None = None,
    ) -> None:
        self.pacer = pacer
        self.codec = codec
        self.dtmf_payload_type = dtmf_payload_type
        # With a handler, items are handed over synchronously instead of queued: no task
        # wake-up per 20 ms frame (e.g. a VAD that only wakes the call at the end of speech).
        self.handler = handler
        self.payloads = payloads  # shared encodings of prompts played to many calls
        self.symmetric = symmetric
        self.relatch_after = relatch_after
        self.sending = True  # False while the peer holds the call (sendonly/inactive offer)
        self._stats = SessionStats()
        self.local_port = 0
        self.ssrc = random.getrandbits(32)
        self._sdp_remote = remote
        self._remote = remote if remote and remote[0] not in ("0.0.0.0", "::") else None
        self._latched: tuple | None = None  # the source address as the socket reported it
        self._last_in = 0.0
        self._remote_ssrc: int | None = None
        self._seq = random.getrandbits(16)
        self._ts_base = random.getrandbits(32)
        self._first_tick: int | None = None
        self._marker = True  # first packet of the stream
        self._transport: asyncio.DatagramTransport | None = None
        self._sock: socket.socket | None = None  # the socket sends go through (the mux's when shared)
        self._mux: RtpMux | None = None
        self._ports: PortAllocator | None = None
        # A deque and a list of waiting readers instead of asyncio.Queue: far cheaper per packet.
        self._queue: deque = deque()
        self._queue_max = queue_frames
        self._waiters: list[asyncio.Future] = []  # readers blocked in receive()
        # Items are (payload type, timestamp, payload, sequence, ssrc, marker) tuples.
        self._jb: JitterBuffer[tuple] = JitterBuffer(depth=jitter_depth)
        self._jb_held = self._jb.held  # the same dict: "anything held?" without a call per tick
        self._rfc4733 = Rfc4733Receiver()
        self._press_open = False  # Rfc4733Receiver.open_press, kept here: no property call per tick
        self.inband_dtmf = inband_dtmf
        self._inband: InbandDtmfDetector | None = None
        self._seen_rfc4733 = False
        self._update_inband()
        self._playbacks: deque[Playback] = deque()
        self._dtmf_out: deque[tuple[bytes, bool] | None] = deque()
        self._dtmf_ts = 0
        self._closed = False

    # ---- life cycle -----------------------------------------------------

    @classmethod
    async def open(
        cls,
        pacer: Pacer,
        ports: PortAllocator | None = None,
        host: str = "0.0.0.0",
        port: int | None = None,
        *,
        mux: RtpMux | None = None,
        peer_host: str | None = None,
        **options,
    ) -> MediaSession:
        """Bind a UDP port (``port``, or the next free even port of ``ports``) and start pacing;
        with ``mux``, ride its shared port instead (``peer_host``: where the call's SIP came
        from, an address the mux may latch the caller's RTP from)."""
        session = cls(pacer, **options)
        if mux is not None:
            if mux.closed:
                raise MediaError("the shared RTP socket is closed")
            session._mux = mux
            session._sock = mux.sock
            session.local_port = mux.port
            mux.attach(session, peer_host)
            mux.expect(session, session._remote)
            pacer.add(session)
            return session
        try:
            sock = bind_rtp(host, port, ports)
        except (OSError, PortsExhausted) as exc:
            raise MediaError(str(exc)) from exc
        try:
            # Our own socket, so that sends skip the transport (uvloop closes it with the
            # transport).
            transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
                lambda: _Protocol(session), sock=sock)
        except BaseException as exc:
            bound = sock.getsockname()[1]
            sock.close()
            if ports is not None and port is None:
                ports.release(bound)
            if isinstance(exc, OSError):
                raise MediaError(f"cannot open RTP port {bound} on {host}: {exc}") from exc
            raise
        session._transport = transport
        session._sock = sock
        session._ports = ports if port is None else None
        session.local_port = transport.get_extra_info("sockname")[1]
        pacer.add(session)
        return session

    async def close(self) -> None:
        self.close_now()

    def close_now(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.pacer.discard(self)
        if self._mux is not None:
            self._mux.detach(self)
        if self._transport is not None:
            self._transport.close()
        if self._ports is not None:
            self._ports.release(self.local_port)
        self._stop_all(completed=False)
        self._dtmf_out.clear()
        self._put(_CLOSED)

    @property
    def closed(self) -> bool:
        return self._closed

    async def __aenter__(self) -> MediaSession:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    # ---- negotiation ----------------------------------------------------

    @property
    def remote(self) -> tuple[str, int] | None:
        """Where packets go now: the latched source, else the SDP address."""
        target = self._latched or self._remote
        return (target[0], target[1]) if target else None

    def set_remote(
        self,
        address: str,
        port: int,
        *,
        codec: str | int | None = None,
        dtmf_payload_type: int | None = -1,
        sending: bool = True,
        ssrcs: tuple[int, ...] = (),
    ) -> None:
        """Apply a (re-)negotiated description: target (a changed one drops the latch), codec,
        DTMF payload type (-1: unchanged, None: none), whether to send (False on hold), and
        the SSRCs the peer announced (a shared RTP port tells calls apart by them)."""
        if (address, port) != self._sdp_remote:
            self._latched = None  # a new target: latch again on its packets
        self._sdp_remote = (address, port)
        self._remote = (address, port) if address not in ("0.0.0.0", "::") and port else None
        if self._mux is not None:
            self._mux.expect(self, self._remote, ssrcs)
        if codec is not None:
            self.codec = codec_for(codec)
        if dtmf_payload_type != -1:
            self.dtmf_payload_type = dtmf_payload_type
            self._update_inband()
        self.sending = sending and self._remote is not None

    def _update_inband(self) -> None:
        """In-band detection policy: ``inband_dtmf`` None (auto) runs it when no
        telephone-event is negotiated; True runs it always (for peers that
        negotiate events but send tones); False never. Either way it stops once
        RFC 4733 packets arrive, so a press is not reported twice."""
        auto = self.dtmf_payload_type is None
        wanted = (auto if self.inband_dtmf is None else self.inband_dtmf) and not self._seen_rfc4733
        if wanted and self._inband is None:
            self._inband = InbandDtmfDetector()
        elif not wanted:
            self._inband = None

    def apply_sdp(self, remote: SessionDescription) -> None:
        """Follow the peer's SDP (offer or answer) from ``sip_gateway.sdp``."""
        address, port = remote.rtp_address
        te = remote.audio.telephone_event
        direction = remote.audio_direction
        self.set_remote(
            address,
            port,
            codec=remote.codec.name,
            dtmf_payload_type=te.payload_type if te else None,
            sending=direction in ("sendrecv", "recvonly"),
            ssrcs=sdp_ssrcs(remote.audio.attributes),
        )

    # ---- inbound --------------------------------------------------------

    @property
    def last_received(self) -> float:
        """Monotonic time of the last packet accepted from the peer (0 before the first)."""
        return self._last_in

    def _datagram_received(self, data: bytes, addr) -> None:
        # The per-packet path of every call: 50 packets a second each, so it avoids
        # allocations it does not need (no RtpPacket for the usual header, no decoding of
        # a silent frame).
        if self._closed:
            return
        stats = self._stats
        if len(data) > 12 and data[0] == 0x80:
            second, sequence, timestamp, ssrc = _AFTER_FIRST.unpack_from(data, 1)
            pt = second & 0x7F
            if 72 <= pt <= 76:  # RFC 5761: RTCP on a muxed port
                stats.malformed += 1
                return
            payload = data[12:]
        else:
            try:
                packet = parse_rtp(data)
            except RtpParseError:
                stats.malformed += 1
                return
            pt, sequence, timestamp, ssrc = packet.payload_type, packet.sequence, packet.timestamp, packet.ssrc
            second = pt | (0x80 if packet.marker else 0)
            payload = packet.payload
        now = time.monotonic()
        if pt != self.codec.payload_type and pt != self.dtmf_payload_type and pt != CN_PAYLOAD_TYPE:
            stats.foreign += 1
            return
        if self.symmetric and addr != self._latched:
            if self._latched is not None and now - self._last_in < self.relatch_after:
                stats.foreign += 1  # another source while the caller is talking: not ours
                return
            self._latched = addr
        self._last_in = now
        stats.packets_in += 1
        stats.bytes_in += len(payload)
        if ssrc != self._remote_ssrc:
            if self._remote_ssrc is not None:
                for p in self._jb.reset():  # a new stream (transfer, re-INVITE): flush the old one
                    self._deliver(p, now)
            self._remote_ssrc = ssrc
            stats.reset_transit()
        if pt == self.codec.payload_type:
            stats.update_jitter(timestamp, now)
        for p in self._jb.push(sequence, (pt, timestamp, payload, sequence, ssrc, second & 0x80), now):
            self._deliver(p, now)

    def _deliver(self, item: tuple, now: float) -> None:
        pt, timestamp, payload = item[0], item[1], item[2]
        codec = self.codec
        if pt == codec.payload_type:
            pcm = codec.silence_pcm if payload == codec.silence else codec.decode(payload)
            self._put(Frame(pcm, timestamp))
            if self._inband is not None:
                for ev in self._inband.feed(pcm, timestamp):
                    self._dtmf(ev)
        elif pt == self.dtmf_payload_type:
            if not self._seen_rfc4733:
                self._seen_rfc4733 = True
                self._update_inband()  # the peer speaks RFC 4733: trust it alone
            packet = RtpPacket(pt, item[3], timestamp, item[4], payload, bool(item[5]))
            for ev in self._rfc4733.feed(packet, now):
                self._dtmf(ev)
            self._press_open = self._rfc4733.open_press

    def _dtmf(self, ev: DtmfEvent) -> None:
        self._stats.dtmf_events += 1
        self._put(ev)

    def set_handler(self, handler: Callable[[Frame | DtmfEvent], None]) -> None:
        """Hand frames and key presses to ``handler`` synchronously from now on (what was
        queued so far first), instead of queueing them for ``receive``."""
        self.handler = handler
        while self._queue and self._queue[0] is not _CLOSED:
            handler(self._queue.popleft())

    def _put(self, item) -> None:
        if self.handler is not None and item is not _CLOSED:
            self.handler(item)
            return
        q = self._queue
        q.append(item)
        if len(q) > self._queue_max:
            # The consumer fell behind: drop the oldest, keep the call live.
            q.popleft()
            self._stats.dropped_frames += 1
        if self._waiters:
            for w in self._waiters:
                if not w.done():
                    w.set_result(None)
            self._waiters.clear()

    async def receive(self) -> Frame | DtmfEvent | None:
        """The next frame or key press; None once the session is closed."""
        q = self._queue
        while not q:
            if self._closed:
                return None
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        item = q.popleft()
        if item is _CLOSED:
            q.appendleft(_CLOSED)  # stays, for other readers
            return None
        return item

    async def __aiter__(self) -> AsyncIterator[Frame | DtmfEvent]:
        while (item := await self.receive()) is not None:
            yield item

    # ---- outbound -------------------------------------------------------

    def play(self, pcm: bytes) -> Playback:
        """Queue 8 kHz PCM16 audio; it starts after what is already queued."""
        if self._closed:
            raise MediaError("session is closed")
        playback = Playback(pcm, self.codec, asyncio.get_running_loop(), self.payloads)
        if not pcm:
            playback._finish(True)
            return playback
        if not self._playbacks:
            self._marker = True  # RFC 3551: marker on the first packet of a talkspurt
        self._playbacks.append(playback)
        return playback

    def stop_playback(self) -> None:
        """Barge-in: drop all queued audio now; the next tick sends silence."""
        self._stop_all(completed=False)

    def _stop_all(self, completed: bool) -> None:
        while self._playbacks:
            self._playbacks.popleft()._finish(completed)

    @property
    def playing(self) -> bool:
        return bool(self._playbacks)

    def send_dtmf(self, digits: str, duration_ms: int = 100, gap_ms: int = 60) -> None:
        """Queue RFC 4733 key presses (needs a negotiated telephone-event type)."""
        if self.dtmf_payload_type is None:
            raise MediaError("the peer did not negotiate telephone-event")
        for digit in digits:
            self._dtmf_out.extend(telephone_event_payloads(digit, duration_ms))
            self._dtmf_out.extend([None] * max(1, gap_ms // 20))

    def on_tick(self, tick: int, deadline: float, now: float) -> bool | int:
        """Called by the pacer every 20 ms: send one packet. Returns True when sent, the
        pacer's ``QUEUED`` when queued for the group's batched send, False when not."""
        if self._first_tick is None:
            self._first_tick = tick
        if self._jb_held:  # release what waited too long for a lost packet
            for p in self._jb.poll(now):
                self._deliver(p, now)
        if self._press_open:
            for ev in self._rfc4733.expire(now):
                self._dtmf(ev)
            self._press_open = self._rfc4733.open_press
        target = self._latched or self._remote
        if target is None or not self.sending or self._sock is None:
            return False
        timestamp = (self._ts_base + (tick - self._first_tick) * FRAME_SAMPLES) & 0xFFFFFFFF
        marker = False
        if self._dtmf_out:
            item = self._dtmf_out.popleft()
            if item is not None:
                payload, marker = item
                if marker:
                    self._dtmf_ts = timestamp  # all packets of one press carry its start time
                data = build_rtp(
                    self.dtmf_payload_type or 101, self._seq, self._dtmf_ts, self.ssrc, payload, marker
                )
                return self._send(data, target, len(payload))
        payload = None
        while self._playbacks:
            current = self._playbacks[0]
            payload = current._next_payload(self.codec)
            if payload is not None:
                if current._offset >= len(current._encoded):
                    self._playbacks.popleft()._finish(True)
                break
            self._playbacks.popleft()._finish(True)
        if payload is None:
            payload = self.codec.silence
        else:
            marker, self._marker = self._marker, False
        data = build_rtp(self.codec.payload_type, self._seq, timestamp, self.ssrc, payload, marker)
        return self._send(data, target, len(payload))

    def _send(self, data: bytes, target: tuple[str, int], payload_len: int) -> bool | int:
        self._seq = (self._seq + 1) & 0xFFFF
        if self._mux is not None:
            # Into the mux's batch, sent by the pacer with the rest of this group (QUEUED).
            sent = self._mux.queue(self, data, target)
            if not sent:
                self._stats.send_errors += 1
                return False
        else:
            try:
                # Straight to the non-blocking socket: a full send buffer drops this packet (an
                # RTP packet late by a queue is useless anyway) and counts it.
                self._sock.sendto(data, target)
            except OSError:
                self._stats.send_errors += 1
                return False
            sent = True
        self._stats.packets_out += 1
        self._stats.bytes_out += payload_len
        return sent

    @property
    def stats(self) -> SessionStats:
        """The counters, with the jitter buffer's loss figures folded in."""
        c = self._jb.counters
        s = self._stats
        s.lost, s.late, s.duplicates = c.lost, c.late, c.duplicates
        return s

    def snapshot(self) -> SessionStats:
        return self.stats

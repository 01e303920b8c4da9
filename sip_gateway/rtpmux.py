"""One UDP socket carrying the RTP of many calls ("RTP multiplexing").

With a socket per call, every packet is one system call each way. Here one socket
(one port, advertised in every call's SDP) receives with ``recvmmsg`` up to 64
datagrams per wake-up and sends each pacer group's packets with one ``sendmmsg``
(``sip_gateway.mmsg``). Calls are told apart by where their packets come from.

Demultiplexing, in order:
1. The source address belongs to exactly one call (its SDP address, or the address
   it latched): that call. The usual case: phones and carrier media gateways send
   each call from a port of its own.
2. Several calls expect the same source (a peer that multiplexes too, such as our
   own load tester): the packet's SSRC picks the call, from the peer's ``a=ssrc``
   (RFC 5576) or, when the peer announced none, bound on the first packet of an
   SSRC while exactly one of those calls has no SSRC yet.
3. An unknown source (a caller behind NAT whose packets do not come from its SDP
   address): latched, as per-call sockets do with symmetric RTP, but only when it is
   unambiguous: the SSRC was announced by a call, or exactly one call that may latch
   (no packet yet, or silent for ``relatch_after``) expects that IP address, by its
   SDP or by the SIP signalling's source. Per-call sockets latch on any first packet,
   since the port itself names the call; a shared port cannot, so anything else is
   dropped and counted (``unknown``, ``ambiguous``) rather than guessed.
Packets of a call that ended in the last ``ENDED_GRACE_S`` (sent before its BYE, still
in flight) are dropped and counted apart (``after_end``): they are not a caller the
port cannot tell apart.
A new call that could not be told apart at all (the same offered address as a call
already here, and no ``a=ssrc``: sipp plays every call's pcap from one port with one
SSRC) is refused by ``can_carry``, and the gateway gives it a port of its own.

Sends are queued by the sessions during a pacer group and flushed by the pacer at
the group's end, which also stamps their send lateness at the flush.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import socket
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sip_gateway.mmsg import RecvfromBatch, SendtoBatch, recv_batch, send_batch
from sip_gateway.pacer import QUEUED
from sip_gateway.rtpsocket import bind_rtp

if TYPE_CHECKING:
    from sip_gateway.media import MediaSession
    from sip_gateway.pacer import Pacer
    from sip_gateway.ports import PortAllocator

log = logging.getLogger(__name__)

_SHARED = object()  # marks a source address several sessions expect
# A big receive buffer: one socket now queues what a thousand sockets (208 kB each) did
# while the loop is busy. A 172-byte RTP packet takes ~1 kB of buffer (the kernel counts
# its whole allocation), so 50,000 packets a second fill 16 MB in ~0.3 s. Above
# net.core.rmem_max only a process with CAP_NET_ADMIN gets it (SO_RCVBUFFORCE).
RCVBUF = 16 * 1024 * 1024
SNDBUF = 4 * 1024 * 1024
_FORCE = {socket.SO_RCVBUF: 33, socket.SO_SNDBUF: 32}  # SO_RCVBUFFORCE, SO_SNDBUFFORCE (Linux)
IP_LATCH_LIMIT = 32  # above this many calls from one IP, rule 3 by IP is not tried (cost, ambiguity)
ENDED_GRACE_S = 2.0  # how long a call's source and SSRCs are remembered after it ended


@dataclass(slots=True)
class MuxStats:
    packets_in: int = 0
    batches_in: int = 0  # receive calls that returned datagrams
    packets_out: int = 0
    batches_out: int = 0  # flushes (one sendmmsg each, for up to 1024 packets)
    unknown: int = 0  # from a source no call expects and none could latch: dropped
    ambiguous: int = 0  # from a shared source with an SSRC no call claims: dropped
    after_end: int = 0  # from a call that ended in the last ENDED_GRACE_S (in flight at its BYE): dropped
    latched: int = 0  # sources learned from packets (NAT) rather than from SDP
    send_errors: int = 0
    errors: int = 0  # a session's packet handling raised (the rest of the batch goes on)
    truncated: int = 0  # datagrams larger than a receive slot


@dataclass(slots=True, eq=False)
class _Route:
    session: MediaSession
    source: tuple | None = None  # the address this session's packets come from (SDP, then latched)
    sdp_source: tuple | None = None  # the address its SDP gave
    ssrcs: tuple[int, ...] = ()  # SSRCs the peer announced (a=ssrc)
    bound: int | None = None  # the SSRC learned on a shared source
    ips: tuple[str, ...] = ()  # IPs it may latch from: the SDP's and the SIP signalling's
    hint_ip: str | None = None
    latched: bool = False


@dataclass(slots=True)
class _Tables:
    by_source: dict = field(default_factory=dict)  # address -> session or _SHARED
    users: dict = field(default_factory=dict)  # address -> set of routes expecting it
    unbound: dict = field(default_factory=dict)  # shared address -> routes with no SSRC yet
    by_ssrc: dict = field(default_factory=dict)  # SSRC -> route
    by_ip: dict = field(default_factory=dict)  # IP -> set of routes


class RtpMux:
    """The shared RTP socket of a process. Create with ``RtpMux.open(...)`` on the running loop."""

    def __init__(self, sock: socket.socket, pacer: Pacer, *, recv_capacity: int = 64,
                 max_batches: int = 256, batched: bool = True) -> None:
        self.sock = sock
        self.pacer = pacer
        self.port = sock.getsockname()[1]
        self.stats = MuxStats()
        # Receive calls per wake-up: enough to drain what a thousand calls send while the loop
        # is busy for 300 ms (a smaller cap fell behind for good once the process was starved
        # of CPU, and the one socket's buffer overflowed); bounded so a flood cannot hold it.
        self.max_batches = max_batches
        # batched=False: one system call per datagram, as where libc has no sendmmsg/recvmmsg.
        self._send = send_batch(sock, capacity=2048) if batched else SendtoBatch(sock, capacity=2048)
        self._recv = recv_batch(sock, capacity=recv_capacity) if batched else RecvfromBatch(sock, recv_capacity)
        self._owners: list[MediaSession] = []  # who queued each datagram of the batch
        self._routes: dict[MediaSession, _Route] = {}
        self._t = _Tables()
        # Sources and SSRCs of calls that just ended -> until when, and in order of expiry.
        self._ended: dict = {}
        self._ended_order: collections.deque = collections.deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ports: PortAllocator | None = None
        self._closed = False
        self._logged_error = False

    @classmethod
    def open(cls, pacer: Pacer, host: str = "0.0.0.0", port: int | None = None,
             ports: PortAllocator | None = None, **options) -> RtpMux:
        """Bind ``port``, else the first free even port of ``ports``, else any port."""
        sock = bind_rtp(host, port, ports)
        for option, size in ((socket.SO_RCVBUF, RCVBUF), (socket.SO_SNDBUF, SNDBUF)):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, option, size)
            if sock.getsockopt(socket.SOL_SOCKET, option) < size and sys.platform.startswith("linux"):
                with contextlib.suppress(OSError):  # Linux, privileged: past rmem_max/wmem_max
                    sock.setsockopt(socket.SOL_SOCKET, _FORCE[option], size)
        got = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
        if got < RCVBUF:
            log.warning("RTP mux receive buffer is %d bytes (asked %d): raise net.core.rmem_max, or "
                        "a stall of the loop loses packets at high call counts", got, RCVBUF)
        mux = cls(sock, pacer, **options)
        mux._ports = ports if port is None else None
        mux.start()
        return mux

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self.sock.fileno(), self._readable)
        self.pacer.add_flush(self.flush)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.pacer.remove_flush(self.flush)
        if self._loop is not None:
            self._loop.remove_reader(self.sock.fileno())
        self.sock.close()
        if self._ports is not None:
            self._ports.release(self.port)

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def rcvbuf(self) -> int:
        return self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)

    def __len__(self) -> int:
        return len(self._routes)

    # ---- sessions and their routes ---------------------------------------------

    def can_carry(self, source: tuple[str, int] | None, ssrcs: tuple[int, ...] = ()) -> bool:
        """Whether a new call whose SDP offers ``source`` (and announces ``ssrcs``) can be told
        apart from the calls on this socket. Not when its address is already another call's
        and it announces no SSRC (sipp plays every call's pcap from one port with one SSRC):
        such a call gets a port of its own, which names the call as before."""
        if ssrcs:
            return not any(s in self._t.by_ssrc for s in ssrcs)
        if source is None or source[0] in ("0.0.0.0", "::") or not source[1]:
            return False  # nothing to recognise its packets by
        return source not in self._t.users

    def attach(self, session: MediaSession, hint_ip: str | None = None) -> None:
        """Carry ``session``; ``hint_ip``: where the call's SIP came from (a NAT's public address)."""
        if session not in self._routes:
            route = self._routes[session] = _Route(session, hint_ip=hint_ip)
            self._set_ips(route, (hint_ip,) if hint_ip else ())

    def detach(self, session: MediaSession) -> None:
        route = self._routes.pop(session, None)
        if route is None:
            return
        now = time.monotonic()
        self._forget_ended(now)
        until = now + ENDED_GRACE_S
        for key in (route.source, *route.ssrcs, route.bound):
            if key is not None:
                self._ended[key] = until
                self._ended_order.append((until, key))
        self._set_source(route, None)
        self._set_ssrcs(route, ())
        self._set_ips(route, ())
        if route.bound is not None and self._t.by_ssrc.get(route.bound) is route:
            del self._t.by_ssrc[route.bound]

    def expect(self, session: MediaSession, source: tuple[str, int] | None, ssrcs: tuple[int, ...] = ()) -> None:
        """The peer's SDP says its packets come from ``source`` (None: not known, or on hold)
        with these SSRCs. An unchanged address keeps what was latched."""
        route = self._routes.get(session)
        if route is None:
            return
        if source is not None and (source[0] in ("0.0.0.0", "::") or not source[1]):
            source = None
        self._set_ssrcs(route, tuple(ssrcs))
        ips = tuple(dict.fromkeys(ip for ip in (source[0] if source else None, route.hint_ip) if ip))
        self._set_ips(route, ips)
        if route.latched and source is not None and route.sdp_source == source:
            return  # a re-INVITE with the same address: keep the latched one
        route.latched = False
        route.sdp_source = source
        self._set_source(route, source)

    def _set_source(self, route: _Route, source: tuple | None) -> None:
        t = self._t
        old = route.source
        if old == source:
            return
        if old is not None:
            users = t.users.get(old)
            if users is not None:
                users.discard(route)
                self._unbind(route, old)
                self._refresh(old)
        route.source = source
        if source is not None:
            t.users.setdefault(source, set()).add(route)
            self._refresh(source)

    def _refresh(self, address: tuple) -> None:
        """by_source and the unbound set of ``address`` after its users changed."""
        t = self._t
        users = t.users.get(address)
        if not users:
            t.users.pop(address, None)
            t.by_source.pop(address, None)
            t.unbound.pop(address, None)
        elif len(users) == 1:
            t.by_source[address] = next(iter(users)).session
            t.unbound.pop(address, None)
        else:
            t.by_source[address] = _SHARED
            t.unbound[address] = {r for r in users if not r.ssrcs and r.bound is None}

    def _unbind(self, route: _Route, address: tuple) -> None:
        if route.bound is not None:
            if self._t.by_ssrc.get(route.bound) is route:
                del self._t.by_ssrc[route.bound]
            route.bound = None

    def _set_ssrcs(self, route: _Route, ssrcs: tuple[int, ...]) -> None:
        by_ssrc = self._t.by_ssrc
        for s in route.ssrcs:
            if by_ssrc.get(s) is route:
                del by_ssrc[s]
        route.ssrcs = ssrcs
        for s in ssrcs:
            by_ssrc[s] = route
        if route.source is not None:
            self._refresh(route.source)

    def _set_ips(self, route: _Route, ips: tuple[str, ...]) -> None:
        by_ip = self._t.by_ip
        for ip in route.ips:
            group = by_ip.get(ip)
            if group is not None:
                group.discard(route)
                if not group:
                    del by_ip[ip]
        route.ips = ips
        for ip in ips:
            by_ip.setdefault(ip, set()).add(route)

    # ---- inbound ------------------------------------------------------------------

    def _readable(self) -> None:
        receive, capacity, stats = self._recv.receive, self._recv.capacity, self.stats
        for _ in range(self.max_batches):
            n = receive(self._route)
            if n:
                stats.batches_in += 1
                stats.packets_in += n
            if n < capacity:
                break
        stats.truncated = self._recv.truncated

    def _route(self, data: bytes, address: tuple) -> None:
        session = self._t.by_source.get(address)
        if session is None:
            session = self._unknown(data, address)
        elif session is _SHARED:
            session = self._shared(data, address)
        if session is None:
            return
        try:
            session._datagram_received(data, address)
        except Exception:  # one broken packet or session must not lose the rest of the batch
            self.stats.errors += 1
            if not self._logged_error:
                self._logged_error = True
                log.exception("RTP packet handling failed (logged once; counted in the mux stats)")

    @staticmethod
    def _ssrc(data: bytes) -> int | None:
        # RTP (version 2) only: RTCP's SSRC is elsewhere and means nothing here.
        return int.from_bytes(data[8:12], "big") if len(data) >= 12 and data[0] >> 6 == 2 else None

    def _shared(self, data: bytes, address: tuple) -> MediaSession | None:
        ssrc = self._ssrc(data)
        t = self._t
        route = t.by_ssrc.get(ssrc) if ssrc is not None else None
        if route is not None and route.source == address:
            return route.session
        unbound = t.unbound.get(address)
        if ssrc is not None and route is None and unbound is not None and len(unbound) == 1:
            route = unbound.pop()  # the only call here without an SSRC: this stream is its
            route.bound = ssrc
            t.by_ssrc[ssrc] = route
            return route.session
        if self._just_ended(ssrc):
            self.stats.after_end += 1
        else:
            self.stats.ambiguous += 1
        return None

    def _unknown(self, data: bytes, address: tuple) -> MediaSession | None:
        t = self._t
        ssrc = self._ssrc(data)
        route = t.by_ssrc.get(ssrc) if ssrc is not None else None
        if route is None or not self._may_latch(route):
            route = None
            group = t.by_ip.get(address[0])
            if group is not None and len(group) <= IP_LATCH_LIMIT:
                ready = [r for r in group if self._may_latch(r)]
                if len(ready) == 1:
                    route = ready[0]
        if route is None:
            if self._just_ended(address, ssrc):
                self.stats.after_end += 1
            else:
                self.stats.unknown += 1
            return None
        self._set_source(route, address)
        route.latched = True
        self.stats.latched += 1
        return route.session

    def _just_ended(self, *keys: object) -> bool:
        """Whether any of ``keys`` (source addresses, SSRCs; None skipped) was a call's that
        ended lately."""
        if not self._ended:
            return False
        now = time.monotonic()
        self._forget_ended(now)
        return any(self._ended.get(key, 0.0) > now for key in keys if key is not None)

    def _forget_ended(self, now: float) -> None:
        order, ended = self._ended_order, self._ended
        while order and order[0][0] <= now:
            until, key = order.popleft()
            if ended.get(key) == until:  # not renewed by a later call's end
                del ended[key]

    @staticmethod
    def _may_latch(route: _Route) -> bool:
        s = route.session
        last = s._last_in
        return last == 0.0 or time.monotonic() - last >= s.relatch_after

    # ---- outbound -----------------------------------------------------------------

    def queue(self, session: MediaSession, data: bytes, target: tuple) -> bool | int:
        """Queue a datagram for the next flush (``QUEUED``); a full batch or an oversized
        datagram is sent at once (True); False when that failed."""
        if self._send.add(data, target):
            self._owners.append(session)
            return QUEUED
        try:
            self.sock.sendto(data, target)
        except OSError:
            self.stats.send_errors += 1
            return False
        self.stats.packets_out += 1
        return True

    def flush(self) -> int:
        """Send the queued datagrams; the pacer calls this after each group."""
        if not self._send.pending:
            return 0
        owners, self._owners = self._owners, []
        sent = self._send.flush()
        self.stats.batches_out += 1
        self.stats.packets_out += sent
        for i in self._send.failed:  # the kernel refused these: correct their session's counters
            self.stats.send_errors += 1
            stats = owners[i]._stats
            stats.packets_out -= 1
            stats.send_errors += 1
        return sent


def sdp_ssrcs(attributes: list[str]) -> tuple[int, ...]:
    """The SSRCs of ``a=ssrc:<id> <attribute>`` lines (RFC 5576) among a media's attributes."""
    found: list[int] = []
    for a in attributes:
        if a.startswith("ssrc:"):
            head = a[5:].split(" ", 1)[0]
            if head.isdigit() and int(head) <= 0xFFFFFFFF and int(head) not in found:
                found.append(int(head))
    return tuple(found)


def ssrc_attribute(ssrc: int, cname: str = "hotline") -> str:
    """Our ``a=ssrc`` line, so that a peer that multiplexes too can tell our calls apart."""
    return f"ssrc:{ssrc} cname:{cname}"

"""The SIP user agent: answers inbound calls (UAS) and places calls (UAC).

Telephony only, pure asyncio. Each inbound INVITE becomes a ``Call`` handed to the
application's ``on_invite`` coroutine after 100 Trying / 180 Ringing; the
application builds the SDP answer (it owns the RTP port) and calls
``call.answer``. The handler's lifetime is the call's: when it returns, a call
still up is hung up (BYE) and one never answered is rejected (480).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sip_gateway.call import ALLOW, Call, CallError, CallFailed, CallState, OutboundCall, _DialogCall
from sip_gateway.dialog import Dialog
from sip_gateway.message import (
    SipParseError,
    SipRequest,
    SipResponse,
    parse_message,
    parse_uri,
    request,
    response_to,
)
from sip_gateway.sdp import SUPPORTED, SdpError, SessionDescription, parse_sdp
from sip_gateway.transaction import (
    InviteClientTransaction,
    InviteServerTransaction,
    NonInviteClientTransaction,
    NonInviteServerTransaction,
    Timers,
    TransactionTimeout,
    client_key,
    server_key,
)
from sip_gateway.transport import Address, TcpTransport, Transport, UdpTransport

log = logging.getLogger(__name__)

# Known SIP methods we do not serve get 405; anything else 501 (§8.2.1).
KNOWN_UNSUPPORTED = {"REGISTER", "SUBSCRIBE", "MESSAGE", "PUBLISH", "PRACK", "UPDATE"}


def _token(n: int = 8) -> str:
    return secrets.token_hex(n)


@dataclass(slots=True)
class UaStats:
    received: int = 0
    malformed: int = 0
    calls_offered: int = 0
    calls_rejected_busy: int = 0
    calls_answered: int = 0


class UserAgent:
    """UDP and TCP on ``host:port`` (port 0: any free one, read ``.port`` after ``start``).

    ``advertised_host`` goes into Via/Contact (default: the bind address, or the
    primary interface address when bound to 0.0.0.0). ``timers`` scales RFC 3261
    T1/T2/T4 (tests use a fast scale). Works on any asyncio loop, uvloop included.
    """

    def __init__(
        self,
        on_invite: Callable[[Call], Awaitable[None]],
        *,
        host: str = "0.0.0.0",
        port: int = 5060,
        max_calls: int = 1000,
        user_agent: str = "hotline",
        advertised_host: str | None = None,
        timers: Timers | None = None,
        tcp: bool = True,
    ) -> None:
        self.on_invite = on_invite
        self.host = host
        self.port = port
        self.max_calls = max_calls
        self.user_agent = user_agent
        self.advertised_host = advertised_host or _local_address(host)
        self.timers = timers or Timers()
        self.stats = UaStats()
        self.draining = False
        self._use_tcp = tcp
        self.udp: UdpTransport | None = None
        self.tcp: TcpTransport | None = None
        self.calls: dict[tuple[str, str, str], _DialogCall] = {}
        self._inbound = 0
        self._server_txns: dict[
            tuple[str, str, str], InviteServerTransaction | NonInviteServerTransaction
        ] = {}
        self._client_txns: dict[tuple[str, str], InviteClientTransaction | NonInviteClientTransaction] = {}
        self._ringing: dict[tuple[str, str, str], Call] = {}  # INVITE server key → call, for CANCEL
        self._tasks: set[asyncio.Task] = set()

    # --- lifecycle ---

    async def start(self) -> None:
        self.udp = await UdpTransport.listen(self.host, self.port, self._on_message)
        self.port = self.udp.local_address[1]  # port 0 → the one the OS picked
        if self._use_tcp:
            self.tcp = await TcpTransport.listen(self.host, self.port, self._on_message)

    async def drain(self) -> None:
        """Stop taking calls: INVITE and OPTIONS get 503 so a load balancer moves on (as at max_calls)."""
        self.draining = True

    async def stop(self) -> None:
        self.draining = True
        calls = list(self.calls.values())
        if calls:
            await asyncio.wait(
                [asyncio.ensure_future(c.hangup()) for c in calls], timeout=self.timers.timeout
            )
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=1)
        for txn in list(self._server_txns.values()) + list(self._client_txns.values()):
            txn.terminate()
        if self.udp is not None:
            self.udp.close()
        if self.tcp is not None:
            self.tcp.close()

    @property
    def active_calls(self) -> int:
        return self._inbound

    async def wait_idle(self, timeout: float | None = None) -> bool:
        """After drain(): wait until the inbound calls have ended; False on timeout."""
        try:
            async with asyncio.timeout(timeout):
                while self._inbound:
                    await asyncio.sleep(0.1)
        except TimeoutError:
            return False
        return True

    # --- helpers ---

    def _keep(self, task: asyncio.Task) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _via(self, transport: Transport) -> str:
        return f"SIP/2.0/{transport.name} {_host(self.advertised_host)}:{self.port};branch=z9hG4bK{_token()};rport"

    def _contact(self, transport: Transport) -> str:
        suffix = ";transport=tcp" if transport.reliable else ""
        return f"<sip:{self.user_agent}@{_host(self.advertised_host)}:{self.port}{suffix}>"

    def _pick_transport(self, uri_transport: str) -> Transport:
        if uri_transport == "tcp":
            if self.tcp is None:
                raise CallError("TCP transport is disabled")
            return self.tcp
        assert self.udp is not None
        return self.udp

    def _dialog_route(self, call: _DialogCall) -> tuple[Transport, Address]:
        if call.transport.reliable and not call.dialog.route_set:
            # reuse the connection the dialog was set up on (the peer may not accept new ones)
            return call.transport, call.peer
        hop = call.dialog.next_hop()
        return self._pick_transport(hop.transport), (hop.host, hop.port or 5060)

    async def _resolve(self, addr: Address, transport: Transport) -> Address:
        """A host name in a URI becomes an address of the transport's family (A or AAAA; no RFC 3263
        NAPTR/SRV)."""
        host, port = addr
        try:
            ipaddress.ip_address(host)
            return addr
        except ValueError:
            pass
        try:
            family = socket.AF_INET6 if ":" in transport.local_address[0] else socket.AF_INET
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, family=family, type=socket.SOCK_DGRAM
            )
        except OSError as exc:
            raise CallError(f"cannot resolve {host}: {exc}") from exc
        return infos[0][4][0], port

    def _forget(self, call: _DialogCall) -> None:
        if self.calls.pop(call.dialog.key, None) is not None and isinstance(call, Call):
            self._inbound -= 1

    async def _send_non_invite(self, req: SipRequest, transport: Transport, addr: Address) -> SipResponse:
        txn = NonInviteClientTransaction(
            req,
            lambda data: transport.send(data, addr),
            reliable=transport.reliable,
            timers=self.timers,
            on_terminated=lambda t: self._client_txns.pop(t.key, None),
        )
        self._client_txns[txn.key] = txn
        txn.start()
        return await txn.result

    def _server_txn(self, cls, req: SipRequest, transport: Transport, dest: Address):
        key = server_key(req)
        txn = cls(
            req,
            lambda data: transport.send(data, dest),
            reliable=transport.reliable,
            timers=self.timers,
            on_terminated=lambda t: self._server_txns.pop(key, None),
        )
        self._server_txns[key] = txn
        return txn

    def _reply(
        self,
        req: SipRequest,
        transport: Transport,
        dest: Address,
        status: int,
        reason: str = "",
        extra: list[tuple[str, str]] | None = None,
    ) -> None:
        cls = InviteServerTransaction if req.method == "INVITE" else NonInviteServerTransaction
        txn = self._server_txn(cls, req, transport, dest)
        tag = _token(4) if status > 100 and req.to.tag is None else None
        txn.respond(
            response_to(req, status, reason, to_tag=tag, extra=[("Server", self.user_agent)] + (extra or []))
        )

    # --- inbound messages ---

    def _on_message(self, data: bytes, peer: Address, transport: Transport) -> None:
        self.stats.received += 1
        try:
            msg = parse_message(data)
            if isinstance(msg, SipRequest):
                self._on_request(msg, peer, transport)
            else:
                self._on_response(msg)
        except (SipParseError, SdpError) as exc:
            self.stats.malformed += 1
            log.debug("dropped a bad SIP message from %s:%s: %s", peer[0], peer[1], exc)

    def _on_request(self, req: SipRequest, peer: Address, transport: Transport) -> None:
        dest = _response_address(req, peer, transport)
        key = server_key(req)
        txn = self._server_txns.get(key)
        if txn is not None:
            txn.receive_request(req)  # retransmission, or the ACK of a non-2xx
            return
        method = req.method
        if method == "ACK":
            call = self._find_dialog(req)
            if call is not None:
                call._on_ack(req)
            return
        if method == "CANCEL":
            self._on_cancel(req, transport, dest)
            return
        if req.to.tag is not None:
            self._in_dialog(req, transport, dest)
        elif method == "INVITE":
            self._on_invite(req, peer, transport, dest)
        elif method == "OPTIONS":
            # A health check (a load balancer's): draining or full, send new calls elsewhere.
            if self.draining or self._inbound >= self.max_calls:
                retry = "30" if self.draining else "5"
                self._reply(req, transport, dest, 503, extra=[("Retry-After", retry)])
            else:
                self._reply(
                    req, transport, dest, 200, extra=[("Allow", ALLOW), ("Accept", "application/sdp")]
                )
        elif method in ("BYE", "NOTIFY", "INFO", "REFER"):
            self._reply(req, transport, dest, 481)
        else:
            self._unsupported(req, transport, dest)

    def _unsupported(self, req: SipRequest, transport: Transport, dest: Address) -> None:
        if req.method in KNOWN_UNSUPPORTED or req.method in ALLOW:
            self._reply(req, transport, dest, 405, extra=[("Allow", ALLOW)])
        else:
            self._reply(req, transport, dest, 501, extra=[("Allow", ALLOW)])

    def _find_dialog(self, req: SipRequest) -> _DialogCall | None:
        return self.calls.get((req.call_id, req.to.tag or "", req.from_.tag or ""))

    def _in_dialog(self, req: SipRequest, transport: Transport, dest: Address) -> None:
        call = self._find_dialog(req)
        if call is None:
            self._reply(req, transport, dest, 481)
            return
        if not call.dialog.accept_remote_cseq(req.cseq.number):
            self._reply(req, transport, dest, 500, "Out of Order CSeq")
            return
        method = req.method
        if method == "INVITE":
            call._on_reinvite(req, self._server_txn(InviteServerTransaction, req, transport, dest))
            return
        txn = self._server_txn(NonInviteServerTransaction, req, transport, dest)
        if method == "BYE":
            call._on_bye(req, txn)
        elif method == "NOTIFY":
            call._on_notify(req, txn)
        elif method == "REFER":
            call._on_refer(req, txn)
        elif method in ("OPTIONS", "INFO"):
            txn.respond(response_to(req, 200, extra=[("Allow", ALLOW)]))
        else:
            del self._server_txns[server_key(req)]
            self._unsupported(req, transport, dest)

    def _on_cancel(self, req: SipRequest, transport: Transport, dest: Address) -> None:
        invite_key = server_key(req)[:2] + ("INVITE",)
        call = self._ringing.get(invite_key)
        if call is None:
            self._reply(req, transport, dest, 481)
            return
        self._reply(req, transport, dest, 200)
        if call.state is CallState.RINGING:  # §9.2: after the final response a CANCEL changes nothing
            call._cancelled()

    def _on_invite(self, req: SipRequest, peer: Address, transport: Transport, dest: Address) -> None:
        self.stats.calls_offered += 1
        if self.draining or self._inbound >= self.max_calls:
            self.stats.calls_rejected_busy += 1
            self._reply(req, transport, dest, 503, extra=[("Retry-After", "5")])
            return
        required = [r.strip() for r in req.headers.get_all("Require") if r.strip()]
        if required:
            self._reply(req, transport, dest, 420, extra=[("Unsupported", ", ".join(required))])
            return
        if not req.body or req.content_type != "application/sdp":
            # offerless INVITE (offer in the ACK) is not supported
            self._reply(
                req, transport, dest, 488, extra=[("Warning", '399 hotline "INVITE without SDP offer"')]
            )
            return
        try:
            offer = parse_sdp(req.body)
            if offer.codec.name.upper() not in SUPPORTED or offer.codec.clock_rate != 8000:
                raise SdpError(f"no G.711 codec offered (first: {offer.codec.name})")
            dialog = Dialog.as_uas(req, _token(4))
        except (SdpError, SipParseError) as exc:
            status = 488 if isinstance(exc, SdpError) else 400
            self._reply(req, transport, dest, status, extra=[("Warning", f'399 hotline "{exc}"')])
            return
        txn = self._server_txn(InviteServerTransaction, req, transport, dest)
        txn.respond(response_to(req, 100, extra=[("Server", self.user_agent)]))
        call = Call(self, req, txn, dialog, offer, transport, peer)
        self.calls[dialog.key] = call
        self._inbound += 1
        invite_key = server_key(req)
        self._ringing[invite_key] = call
        txn.acked.add_done_callback(lambda _: self._ringing.pop(invite_key, None))
        call.ring()
        task = asyncio.get_running_loop().create_task(self._run_call(call, invite_key))
        self._keep(task)

    async def _run_call(self, call: Call, invite_key: tuple[str, str, str]) -> None:
        try:
            await self.on_invite(call)
        except CallError as exc:
            log.info("call %s: %s", call.call_id, exc)
        except SdpError as exc:
            log.info("call %s: cannot answer the offer: %s", call.call_id, exc)
            if call.state is CallState.RINGING:
                await call.reject(488)
        except Exception:
            log.exception("call handler failed for %s", call.call_id)
            if call.state is CallState.RINGING:
                await call.reject(500)
        finally:
            self._ringing.pop(invite_key, None)
            if call.state is not CallState.ENDED:
                with contextlib.suppress(CallError):
                    await call.hangup()

    def _on_response(self, resp: SipResponse) -> None:
        txn = self._client_txns.get(client_key(resp))
        if txn is not None:
            txn.receive_response(resp)
            return
        if resp.cseq.method == "INVITE" and 200 <= resp.status < 300:
            # a 2xx retransmitted after our INVITE transaction ended: repeat the ACK
            call = self.calls.get((resp.call_id, resp.from_.tag or "", resp.to.tag or ""))
            if isinstance(call, OutboundCall) and call._ack is not None:
                call.transport.send(call._ack, call._ack_addr)

    # --- outbound calls ---

    async def place_call(
        self,
        target: str,
        sdp_offer: SessionDescription,
        *,
        from_user: str | None = None,
        headers: list[tuple[str, str]] | None = None,
    ) -> OutboundCall:
        """INVITE ``target`` (a sip: URI); returns the established call or raises CallFailed.

        Cancelling the awaiting task sends CANCEL.
        """
        uri = parse_uri(target)
        transport = self._pick_transport(uri.transport)
        addr = await self._resolve((uri.host, uri.port or 5060), transport)
        host = _host(self.advertised_host)
        user = from_user or self.user_agent
        invite = request(
            "INVITE",
            target,
            [
                ("Via", self._via(transport)),
                ("Max-Forwards", "70"),
                ("From", f"<sip:{user}@{host}>;tag={_token(4)}"),
                ("To", f"<{target}>"),
                ("Call-ID", f"{_token(12)}@{host}"),
                ("CSeq", "1 INVITE"),
                ("Contact", self._contact(transport)),
                ("User-Agent", self.user_agent),
                ("Allow", ALLOW),
                *(headers or []),
                ("Content-Type", "application/sdp"),
            ],
            sdp_offer.to_bytes(),
        )
        holder: dict[str, OutboundCall] = {}

        def on_2xx(resp: SipResponse) -> None:
            call = holder.get("call")
            if call is not None and call._ack is not None:
                transport.send(call._ack, call._ack_addr)

        provisional = asyncio.Event()
        txn = InviteClientTransaction(
            invite,
            lambda data: transport.send(data, addr),
            reliable=transport.reliable,
            timers=self.timers,
            on_provisional=lambda _: provisional.set(),
            on_2xx=on_2xx,
            on_terminated=lambda t: self._client_txns.pop(t.key, None),
        )
        self._client_txns[txn.key] = txn
        txn.start()
        try:
            resp = await txn.result
        except TransactionTimeout as exc:
            raise CallFailed(408, "Request Timeout") from exc
        except asyncio.CancelledError:
            if provisional.is_set() and not txn.result.done():
                cancel = txn.cancel_request()
                self._keep(
                    asyncio.get_running_loop().create_task(self._send_non_invite(cancel, transport, addr))
                )
            raise
        if not 200 <= resp.status < 300:
            raise CallFailed(resp.status, resp.reason)
        dialog = Dialog.as_uac(invite, resp)
        call = OutboundCall(self, dialog, transport, addr)
        call.local_sdp = sdp_offer
        try:
            call.remote_sdp = parse_sdp(resp.body)
        except SdpError:
            call.remote_sdp = None
        holder["call"] = call
        self.calls[dialog.key] = call
        ack_transport, ack_addr = self._dialog_route(call)
        ack_addr = await self._resolve(ack_addr, ack_transport)
        ack = dialog.create_request(
            "ACK", self._via(ack_transport), self._contact(ack_transport), cseq=invite.cseq.number
        )
        call._ack, call._ack_addr = ack.to_bytes(), ack_addr
        ack_transport.send(call._ack, ack_addr)
        return call


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _local_address(bind_host: str) -> str:
    """The address to put in Via/Contact/SDP when bound to a wildcard."""
    if bind_host not in ("0.0.0.0", "::", ""):
        return bind_host
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.1", 9))  # TEST-NET address: no packet is sent, only a route lookup
        return s.getsockname()[0]
    return "127.0.0.1"


def _response_address(req: SipRequest, peer: Address, transport: Transport) -> Address:
    """§18.2.2 + RFC 3581: note received/rport in the top Via, answer there (or on the connection)."""
    via = req.top_via
    if via.host != peer[0]:
        via.params["received"] = peer[0]
    if "rport" in via.params:
        via.params["rport"] = str(peer[1])
    req.headers.replace_first("Via", str(via))
    if transport.reliable:
        return peer
    host = via.params.get("received") or via.host
    port = via.params.get("rport")
    return host, int(port) if port and port.isdigit() else (via.port or 5060)

"""RFC 3261 §17 transactions (with the RFC 6026 fix for 2xx to INVITE).

A transaction gets a ``send`` callable already bound to the peer's address and
transport, so it only deals with timing: retransmissions over unreliable
transports, absorbing retransmitted requests, and timeouts. Timers run on
``loop.call_later`` handles (no task per transaction) so thousands of calls
stay cheap. ``Timers.scaled`` shrinks every timer for tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
from collections.abc import Callable
from dataclasses import dataclass

from sip_gateway.message import SipRequest, SipResponse
from sip_gateway.message import request as make_request

Sender = Callable[[bytes], None]


@dataclass(frozen=True, slots=True)
class Timers:
    """RFC 3261 Table 4 base values (seconds)."""

    t1: float = 0.5
    t2: float = 4.0
    t4: float = 5.0

    def scaled(self, factor: float) -> Timers:
        return Timers(self.t1 * factor, self.t2 * factor, self.t4 * factor)

    @property
    def timeout(self) -> float:
        """Timers B, F, H, J and L: 64*T1."""
        return 64 * self.t1


class TransactionTimeout(Exception):
    """No final response before Timer B/F."""


class State(enum.Enum):
    TRYING = "trying"
    PROCEEDING = "proceeding"
    COMPLETED = "completed"
    CONFIRMED = "confirmed"
    ACCEPTED = "accepted"
    TERMINATED = "terminated"


def server_key(req: SipRequest) -> tuple[str, str, str]:
    """§17.2.3 matching: top Via branch + sent-by + method (ACK matches its INVITE)."""
    via = req.top_via
    method = "INVITE" if req.method == "ACK" else req.method
    branch = via.branch or ""
    if not branch.startswith("z9hG4bK"):  # RFC 2543 peer: no usable branch
        branch = f"{req.call_id}|{req.from_.tag}|{req.cseq.number}|{branch}"
    host, port = via.sent_by
    return branch, f"{host}:{port}", method


def client_key(msg: SipRequest | SipResponse) -> tuple[str, str]:
    """§17.1.3 matching: top Via branch + CSeq method."""
    return msg.top_via.branch or "", msg.cseq.method


class _Transaction:
    def __init__(
        self,
        request: SipRequest,
        send: Sender,
        *,
        reliable: bool,
        timers: Timers,
        on_terminated: Callable[[_Transaction], None] | None = None,
    ) -> None:
        self.request = request
        self.send = send
        self.reliable = reliable
        self.timers = timers
        self.state = State.TRYING
        self._on_terminated = on_terminated
        self._loop = asyncio.get_running_loop()
        self._handles: dict[str, asyncio.TimerHandle] = {}

    def _start(self, name: str, delay: float, callback: Callable[[], None]) -> None:
        self._cancel(name)
        self._handles[name] = self._loop.call_later(delay, callback)

    def _cancel(self, name: str) -> None:
        handle = self._handles.pop(name, None)
        if handle is not None:
            handle.cancel()

    def _safe_send(self, data: bytes) -> None:
        # a send error counts as a lost packet; the timers handle it
        with contextlib.suppress(OSError):
            self.send(data)

    def terminate(self) -> None:
        if self.state is State.TERMINATED:
            return
        self.state = State.TERMINATED
        for handle in self._handles.values():
            handle.cancel()
        self._handles.clear()
        if self._on_terminated is not None:
            self._on_terminated(self)


# --- server side --------------------------------------------------------------------------------


class InviteServerTransaction(_Transaction):
    """Sends provisional and final responses; retransmits the final one until ACK (Timers G/H).

    ``acked`` resolves True on ACK, False when Timer H fires first. The ACK to a
    2xx has its own branch, so the dialog layer reports it through ``ack_received``.
    """

    def __init__(self, request: SipRequest, send: Sender, **kwargs) -> None:
        super().__init__(request, send, **kwargs)
        self.state = State.PROCEEDING
        self.last_response: bytes | None = None
        self.final_status: int | None = None
        self.acked: asyncio.Future[bool] = self._loop.create_future()
        self.retransmissions = 0

    def respond(self, response: SipResponse) -> None:
        if self.state is not State.PROCEEDING:
            raise RuntimeError(f"INVITE transaction already {self.state.value}")
        data = response.to_bytes()
        self.last_response = data
        self._safe_send(data)
        if response.status < 200:
            return
        self.final_status = response.status
        self.state = State.ACCEPTED if response.status < 300 else State.COMPLETED
        if not self.reliable:
            self._start("G", self.timers.t1, lambda: self._timer_g(self.timers.t1))
        self._start("H", self.timers.timeout, self._timer_h)

    def _timer_g(self, interval: float) -> None:
        if self.state not in (State.COMPLETED, State.ACCEPTED) or self.last_response is None:
            return
        self.retransmissions += 1
        self._safe_send(self.last_response)
        nxt = min(2 * interval, self.timers.t2)
        self._start("G", nxt, lambda: self._timer_g(nxt))

    def _timer_h(self) -> None:
        if not self.acked.done():
            self.acked.set_result(False)
        self.terminate()

    def receive_request(self, req: SipRequest) -> None:
        """A retransmitted INVITE or the ACK to a non-2xx final response."""
        if req.method == "ACK":
            if self.state is State.COMPLETED:
                self.state = State.CONFIRMED
                self._cancel("G")
                self._cancel("H")
                if not self.acked.done():
                    self.acked.set_result(True)
                self._start("I", 0 if self.reliable else self.timers.t4, self.terminate)
            return
        if self.last_response is not None and self.state in (
            State.PROCEEDING,
            State.COMPLETED,
            State.ACCEPTED,
        ):
            self._safe_send(self.last_response)

    def ack_received(self) -> None:
        """The dialog saw the ACK for our 2xx."""
        if not self.acked.done():
            self.acked.set_result(True)
        if self.state is State.ACCEPTED:
            self.terminate()

    def terminate(self) -> None:
        if not self.acked.done():
            self.acked.set_result(False)
        super().terminate()


class NonInviteServerTransaction(_Transaction):
    """Answers once; Timer J absorbs retransmissions of the request by resending the response."""

    def __init__(self, request: SipRequest, send: Sender, **kwargs) -> None:
        super().__init__(request, send, **kwargs)
        self.last_response: bytes | None = None

    def respond(self, response: SipResponse) -> None:
        if self.state in (State.COMPLETED, State.TERMINATED):
            raise RuntimeError("non-INVITE transaction already answered")
        data = response.to_bytes()
        self.last_response = data
        self._safe_send(data)
        if response.status < 200:
            self.state = State.PROCEEDING
            return
        self.state = State.COMPLETED
        self._start("J", 0 if self.reliable else self.timers.timeout, self.terminate)

    def receive_request(self, req: SipRequest) -> None:
        if self.last_response is not None and self.state in (State.PROCEEDING, State.COMPLETED):
            self._safe_send(self.last_response)


# --- client side --------------------------------------------------------------------------------


class _ClientTransaction(_Transaction):
    def __init__(
        self,
        request: SipRequest,
        send: Sender,
        *,
        on_provisional: Callable[[SipResponse], None] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(request, send, **kwargs)
        self.key = client_key(request)
        self.result: asyncio.Future[SipResponse] = self._loop.create_future()
        self._on_provisional = on_provisional
        self._data = request.to_bytes()

    def _fail(self) -> None:
        if not self.result.done():
            self.result.set_exception(TransactionTimeout(f"no final response to {self.request.method}"))
        self.terminate()

    def _provisional(self, resp: SipResponse) -> None:
        if self._on_provisional is not None:
            self._on_provisional(resp)

    def _finish(self, resp: SipResponse) -> None:
        if not self.result.done():
            self.result.set_result(resp)


class InviteClientTransaction(_ClientTransaction):
    """Timer A retransmits the INVITE over UDP, Timer B gives up; ACKs non-2xx finals itself.

    After a 2xx it stays ACCEPTED for 64*T1 (RFC 6026, Timer M) and hands
    retransmitted 2xx to ``on_2xx`` so the dialog can repeat its ACK.
    """

    def __init__(
        self,
        request: SipRequest,
        send: Sender,
        *,
        on_2xx: Callable[[SipResponse], None] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(request, send, **kwargs)
        self._on_2xx = on_2xx
        self._ack: bytes | None = None

    def start(self) -> None:
        self._safe_send(self._data)
        self.state = State.TRYING
        if not self.reliable:
            self._start("A", self.timers.t1, lambda: self._timer_a(self.timers.t1))
        self._start("B", self.timers.timeout, self._fail)

    def _timer_a(self, interval: float) -> None:
        if self.state is not State.TRYING:
            return
        self._safe_send(self._data)
        self._start("A", 2 * interval, lambda: self._timer_a(2 * interval))

    def receive_response(self, resp: SipResponse) -> None:
        if resp.status < 200:
            if self.state in (State.TRYING, State.PROCEEDING):
                self.state = State.PROCEEDING
                self._cancel("A")
                self._cancel("B")  # ringing may last: the TU decides when to CANCEL
                self._provisional(resp)
            return
        if resp.status < 300:
            if self.state in (State.TRYING, State.PROCEEDING):
                self.state = State.ACCEPTED
                self._cancel("A")
                self._cancel("B")
                self._start("M", self.timers.timeout, self.terminate)
                self._finish(resp)
            elif self.state is State.ACCEPTED and self._on_2xx is not None:
                self._on_2xx(resp)
            return
        if self.state in (State.TRYING, State.PROCEEDING):
            self.state = State.COMPLETED
            self._cancel("A")
            self._cancel("B")
            self._ack = self._build_ack(resp).to_bytes()
            self._safe_send(self._ack)
            # Timer D: "at least 32 s" = 64*T1 at the default T1
            self._start("D", 0 if self.reliable else self.timers.timeout, self.terminate)
            self._finish(resp)
        elif self.state is State.COMPLETED and self._ack is not None:
            self._safe_send(self._ack)

    def _build_ack(self, resp: SipResponse) -> SipRequest:
        """§17.1.1.3: ACK for a non-2xx, same branch, To from the response."""
        req = self.request
        headers = [("Via", req.headers.get("Via") or "")]
        headers += [("Route", r) for r in req.headers.get_all("Route")]
        headers += [
            ("Max-Forwards", "70"),
            ("From", req.headers.get("From") or ""),
            ("To", resp.headers.get("To") or ""),
            ("Call-ID", req.call_id),
            ("CSeq", f"{req.cseq.number} ACK"),
        ]
        return make_request("ACK", req.uri, headers)

    def cancel_request(self) -> SipRequest:
        """§9.1: the CANCEL for this INVITE (same branch, Request-URI, Call-ID, From, To, CSeq number)."""
        req = self.request
        headers = [("Via", req.headers.get("Via") or "")]
        headers += [("Route", r) for r in req.headers.get_all("Route")]
        headers += [
            ("Max-Forwards", "70"),
            ("From", req.headers.get("From") or ""),
            ("To", req.headers.get("To") or ""),
            ("Call-ID", req.call_id),
            ("CSeq", f"{req.cseq.number} CANCEL"),
        ]
        return make_request("CANCEL", req.uri, headers)


class NonInviteClientTransaction(_ClientTransaction):
    """Timer E retransmits (T1 doubling up to T2), Timer F gives up, Timer K absorbs late responses."""

    def start(self) -> None:
        self._safe_send(self._data)
        if not self.reliable:
            self._start("E", self.timers.t1, lambda: self._timer_e(self.timers.t1))
        self._start("F", self.timers.timeout, self._fail)

    def _timer_e(self, interval: float) -> None:
        if self.state not in (State.TRYING, State.PROCEEDING):
            return
        self._safe_send(self._data)
        nxt = self.timers.t2 if self.state is State.PROCEEDING else min(2 * interval, self.timers.t2)
        self._start("E", nxt, lambda: self._timer_e(nxt))

    def receive_response(self, resp: SipResponse) -> None:
        if self.state not in (State.TRYING, State.PROCEEDING):
            return
        if resp.status < 200:
            self.state = State.PROCEEDING
            self._provisional(resp)
            return
        self.state = State.COMPLETED
        self._cancel("E")
        self._cancel("F")
        self._start("K", 0 if self.reliable else self.timers.t4, self.terminate)
        self._finish(resp)

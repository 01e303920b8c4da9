"""Calls: one SIP dialog each, inbound (``Call``) or placed by us (``OutboundCall``).

The application talks to a call (answer, hang up, transfer); the user agent
feeds it the in-dialog requests the peer sends. Telephony only.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from sip_gateway.dialog import Dialog
from sip_gateway.message import SipParseError, SipRequest, SipResponse, parse_uri, response_to
from sip_gateway.sdp import SdpError, SessionDescription, build_answer, parse_sdp
from sip_gateway.transaction import InviteServerTransaction, NonInviteServerTransaction, TransactionTimeout
from sip_gateway.transport import Address, Transport

if TYPE_CHECKING:
    from sip_gateway.useragent import UserAgent

log = logging.getLogger(__name__)

ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, REFER, INFO"


class CallState(enum.Enum):
    RINGING = "ringing"  # inbound, not yet answered
    ANSWERING = "answering"  # 200 sent, waiting for ACK
    ESTABLISHED = "established"
    ENDED = "ended"


class CallError(Exception):
    """The operation cannot be done on this call (ended, not answered, ...)."""


class CallFailed(Exception):
    """An outbound INVITE got a final non-2xx response (or none)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status} {reason}")
        self.status = status
        self.reason = reason


class _DialogCall:
    """What inbound and outbound calls share: the dialog, in-dialog requests, BYE."""

    def __init__(self, ua: UserAgent, dialog: Dialog, transport: Transport, peer: Address) -> None:
        self.ua = ua
        self.dialog = dialog
        self.call_id = dialog.call_id
        self.transport = transport
        self.peer = peer  # where the dialog-creating request came from / went to
        self.state = CallState.RINGING
        self.ended = asyncio.Event()
        self.hangup_cause = ""
        self.local_sdp: SessionDescription | None = None
        self.remote_sdp: SessionDescription | None = None
        self._invite_txn: InviteServerTransaction | None = None  # pending (re-)INVITE awaiting ACK

    def _end(self, cause: str) -> None:
        if self.state is CallState.ENDED:
            return
        self.state = CallState.ENDED
        self.hangup_cause = cause
        self.ended.set()
        self.ua._forget(self)

    async def _request(
        self,
        method: str,
        headers: list[tuple[str, str]] | None = None,
        body: bytes = b"",
        content_type: str = "",
    ) -> SipResponse:
        transport, addr = self.ua._dialog_route(self)
        addr = await self.ua._resolve(addr, transport)
        req = self.dialog.create_request(
            method,
            self.ua._via(transport),
            self.ua._contact(transport),
            headers=[("User-Agent", self.ua.user_agent), *(headers or [])],
            body=body,
            content_type=content_type,
        )
        return await self.ua._send_non_invite(req, transport, addr)

    async def hangup(self) -> None:
        """BYE an established call (waits for the answer or Timer F)."""
        if self.state is CallState.ENDED:
            return
        self._end("local_bye")
        await self._send_bye()

    async def _send_bye(self) -> None:
        with contextlib.suppress(TransactionTimeout, CallError):  # the call is over for us either way
            await self._request("BYE")

    # --- in-dialog requests from the peer ---

    def _on_bye(self, req: SipRequest, txn: NonInviteServerTransaction) -> None:
        txn.respond(response_to(req, 200))
        if self._invite_txn is not None:
            self._invite_txn.terminate()
        self._end("remote_bye")

    def _on_ack(self, req: SipRequest) -> None:
        if self._invite_txn is not None:
            self._invite_txn.ack_received()
            self._invite_txn = None

    def _on_notify(self, req: SipRequest, txn: NonInviteServerTransaction) -> None:
        txn.respond(response_to(req, 481))

    def _on_refer(self, req: SipRequest, txn: NonInviteServerTransaction) -> None:
        txn.respond(response_to(req, 405, extra=[("Allow", ALLOW)]))

    def _on_reinvite(self, req: SipRequest, txn: InviteServerTransaction) -> None:
        txn.respond(response_to(req, 488))


class Call(_DialogCall):
    """One inbound call. ``remote_sdp`` is the caller's offer (updated by re-INVITEs).

    ``ended`` is set when the call is over; ``hangup_cause`` is then one of
    remote_bye, local_bye, cancelled, rejected, no_ack, transferred.
    """

    def __init__(
        self,
        ua: UserAgent,
        invite: SipRequest,
        txn: InviteServerTransaction,
        dialog: Dialog,
        offer: SessionDescription,
        transport: Transport,
        peer: Address,
    ) -> None:
        super().__init__(ua, dialog, transport, peer)
        self.invite = invite
        self._txn = txn
        self.remote_sdp = offer
        from_ = invite.from_
        self.caller = from_.uri.user
        self.caller_display = from_.display
        self.called = parse_uri(invite.uri).user
        self.held = offer.audio_direction in ("sendonly", "inactive")
        # Called after a re-INVITE changed the media (hold/resume, new address); the media layer may
        # also set on_reoffer to build its own answer instead of the default mirror of local_sdp.
        self.on_media_change: Callable[[Call], None] | None = None
        self.on_reoffer: Callable[[SessionDescription], SessionDescription] | None = None
        self._notify_waiter: asyncio.Future[int] | None = None

    def _dialog_response(self, status: int, body: bytes = b"", reason: str = "") -> SipResponse:
        extra = [("Contact", self.ua._contact(self.transport))]
        extra += [("Record-Route", rr) for rr in self.invite.record_route]
        if status >= 200:
            extra += [("Allow", ALLOW), ("Supported", "replaces")]
        if body:
            extra.append(("Content-Type", "application/sdp"))
        return response_to(self.invite, status, reason, to_tag=self.dialog.local_tag, body=body, extra=extra)

    def ring(self) -> None:
        if self.state is CallState.RINGING:
            self._txn.respond(self._dialog_response(180))

    async def answer(self, local_sdp: SessionDescription) -> None:
        """Send 200 OK with our SDP and wait for the ACK (retransmitting the 200 over UDP)."""
        if self.state is CallState.ENDED:
            raise CallError(f"call already ended ({self.hangup_cause})")
        if self.state is not CallState.RINGING:
            raise CallError("call already answered")
        self.local_sdp = local_sdp
        self.state = CallState.ANSWERING
        self._invite_txn = self._txn
        self._txn.respond(self._dialog_response(200, local_sdp.to_bytes()))
        self.ua.stats.calls_answered += 1
        acked = await self._txn.acked
        if self.state is CallState.ENDED:
            raise CallError(f"call ended before ACK ({self.hangup_cause})")
        if not acked:
            # §13.3.1.4: no ACK within Timer H, the UAS ends the dialog with BYE
            self._invite_txn = None
            self._end("no_ack")
            self.ua._keep(asyncio.get_running_loop().create_task(self._send_bye()))
            raise CallError("no ACK for our 200 OK")
        self.state = CallState.ESTABLISHED

    async def reject(self, status: int = 480, reason: str = "") -> None:
        """Refuse a call that has not been answered yet."""
        if self.state is not CallState.RINGING:
            raise CallError("only a ringing call can be rejected")
        self._txn.respond(self._dialog_response(status, reason=reason))
        self._end("rejected")

    async def hangup(self) -> None:
        if self.state is CallState.RINGING:
            await self.reject(480)
            return
        if self.state is CallState.ANSWERING:
            # §15: no BYE before the ACK (or Timer H)
            await asyncio.shield(self._txn.acked)
        await super().hangup()

    def _on_bye(self, req: SipRequest, txn: NonInviteServerTransaction) -> None:
        if self.state is CallState.RINGING:  # BYE on the early dialog: the INVITE gets 487 (§15.1.2)
            self._txn.respond(self._dialog_response(487))
        super()._on_bye(req, txn)

    async def transfer(self, target_uri: str, timeout: float = 32.0) -> bool:
        """Blind transfer (RFC 3515): REFER, wait for 202 and a final NOTIFY sipfrag, then BYE.

        Returns True when the transfer target answered (we have hung up), False when
        the peer refused or the target failed (the call stays up).
        """
        if self.state is not CallState.ESTABLISHED:
            raise CallError("transfer needs an established call")
        loop = asyncio.get_running_loop()
        self._notify_waiter = loop.create_future()
        try:
            resp = await self._request(
                "REFER",
                [
                    ("Refer-To", f"<{target_uri}>"),
                    ("Referred-By", self.dialog.local_uri),
                ],
            )
            if not 200 <= resp.status < 300:
                return False
            try:
                status = await asyncio.wait_for(asyncio.shield(self._notify_waiter), timeout)
            except TimeoutError:
                return False
            if not 200 <= status < 300:
                return False
        except TransactionTimeout:
            return False
        finally:
            self._notify_waiter = None
        if self.state is not CallState.ENDED:
            self._end("transferred")
            await self._send_bye()
        return True

    def _on_notify(self, req: SipRequest, txn: NonInviteServerTransaction) -> None:
        if (req.headers.get("Event") or "").split(";")[0].strip().lower() != "refer":
            txn.respond(response_to(req, 489, "Bad Event"))
            return
        txn.respond(response_to(req, 200))
        status = _sipfrag_status(req.body)
        waiter = self._notify_waiter
        if waiter is None or waiter.done():
            return
        if status is not None and status >= 200:
            waiter.set_result(status)
        elif "terminated" in (req.headers.get("Subscription-State") or "").lower():
            waiter.set_result(status or 487)

    def _on_reinvite(self, req: SipRequest, txn: InviteServerTransaction) -> None:
        if self.state is not CallState.ESTABLISHED or self._invite_txn is not None:
            txn.respond(response_to(req, 491, to_tag=self.dialog.local_tag, extra=[("Retry-After", "1")]))
            return
        assert self.local_sdp is not None
        try:
            contact = req.contact
        except SipParseError:
            txn.respond(response_to(req, 400, "Bad Contact", to_tag=self.dialog.local_tag))
            return
        answer = self.local_sdp
        if req.body:
            try:
                offer = parse_sdp(req.body)
                if self.on_reoffer is not None:
                    answer = self.on_reoffer(offer)
                else:
                    answer = build_answer(
                        offer,
                        self.local_sdp.address,
                        self.local_sdp.audio.port,
                        codecs=(self.local_sdp.codec.name,),
                        session_id=self.local_sdp.session_id,
                    )
                answer.session_version = self.local_sdp.session_version + 1
            except SdpError as exc:
                txn.respond(
                    response_to(
                        req, 488, to_tag=self.dialog.local_tag, extra=[("Warning", f'399 hotline "{exc}"')]
                    )
                )
                return
            except Exception:
                log.exception("on_reoffer failed for %s", self.call_id)
                txn.respond(response_to(req, 500, to_tag=self.dialog.local_tag))
                return
            self.remote_sdp = offer
            self.held = offer.audio_direction in ("sendonly", "inactive")
        if contact is not None:
            self.dialog.remote_target = str(contact.uri)  # §12.2.2 target refresh
        self.local_sdp = answer
        self._invite_txn = txn
        txn.acked.add_done_callback(lambda _: self._invite_done(txn))  # also when Timer H fires
        extra = [
            ("Contact", self.ua._contact(self.transport)),
            ("Allow", ALLOW),
            ("Content-Type", "application/sdp"),
        ]
        txn.respond(response_to(req, 200, to_tag=self.dialog.local_tag, body=answer.to_bytes(), extra=extra))
        if self.on_media_change is not None:
            try:
                self.on_media_change(self)
            except Exception:
                log.exception("on_media_change failed")

    def _invite_done(self, txn: InviteServerTransaction) -> None:
        if self._invite_txn is txn:
            self._invite_txn = None

    def _cancelled(self) -> None:
        self._txn.respond(self._dialog_response(487))
        self._end("cancelled")


class OutboundCall(_DialogCall):
    """A call we placed (test caller, load tester). Accepts a REFER by noting its target."""

    def __init__(self, ua: UserAgent, dialog: Dialog, transport: Transport, peer: Address) -> None:
        super().__init__(ua, dialog, transport, peer)
        self.state = CallState.ESTABLISHED
        self.refer_to: str | None = None
        self.referred = asyncio.Event()
        self._ack: bytes | None = None  # repeated for every retransmitted 2xx
        self._ack_addr: Address = peer

    def _on_refer(self, req: SipRequest, txn: NonInviteServerTransaction) -> None:
        target = req.headers.get("Refer-To")
        if not target:
            txn.respond(response_to(req, 400, "Missing Refer-To"))
            return
        txn.respond(response_to(req, 202))
        self.refer_to = target.strip().strip("<>")
        self.referred.set()
        # we do not dial the target: report success so the transferor completes (RFC 3515 §2.4.5)
        task = asyncio.get_running_loop().create_task(
            self._request(
                "NOTIFY",
                [("Event", "refer"), ("Subscription-State", "terminated;reason=noresource")],
                b"SIP/2.0 200 OK\r\n",
                "message/sipfrag;version=2.0",
            )
        )
        self.ua._keep(task)


def _sipfrag_status(body: bytes) -> int | None:
    first = body.split(b"\n", 1)[0].strip().split(b" ")
    if len(first) >= 2 and first[0] == b"SIP/2.0" and first[1].isdigit():
        return int(first[1])
    return None

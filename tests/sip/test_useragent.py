"""The user agent against itself and against a hand-driven proxy socket (no sipp needed)."""

from __future__ import annotations

import asyncio
import socket

import pytest
import uvloop

from sip_gateway.call import Call, CallError, CallFailed, CallState
from sip_gateway.message import SipRequest, SipResponse, parse_message, response_to
from sip_gateway.sdp import build_answer, build_offer, parse_sdp
from sip_gateway.useragent import UserAgent

from .conftest import FAST, answer_sdp, run

pytestmark = pytest.mark.timeout(60)


async def _pair(handler, *, transport: str = "udp"):
    callee = UserAgent(handler, host="127.0.0.1", port=0, max_calls=5, timers=FAST)
    caller = UserAgent(_refuse, host="127.0.0.1", port=0, max_calls=5, timers=FAST, user_agent="tester")
    await callee.start()
    await caller.start()
    suffix = ";transport=tcp" if transport == "tcp" else ""
    return callee, caller, f"sip:1900@127.0.0.1:{callee.port}{suffix}"


async def _refuse(call: Call) -> None:
    await call.reject(603)


@pytest.mark.parametrize("transport", ["udp", "tcp"])
@pytest.mark.parametrize("who_hangs_up", ["caller", "callee"])
def test_call_between_two_user_agents(transport, who_hangs_up):
    answered: list[Call] = []

    async def handler(call: Call) -> None:
        await call.answer(answer_sdp(call))
        answered.append(call)
        if who_hangs_up == "callee":
            await call.hangup()
        await call.ended.wait()

    async def body():
        callee, caller, target = await _pair(handler, transport=transport)
        try:
            out = await caller.place_call(target, build_offer("127.0.0.1", 41000))
            assert out.state is CallState.ESTABLISHED and out.remote_sdp.rtp_address == ("127.0.0.1", 40000)
            for _ in range(500):  # up to 5 s on a loaded machine
                if answered:
                    break
                await asyncio.sleep(0.01)
            if who_hangs_up == "caller":
                await out.hangup()
            await asyncio.wait_for(answered[0].ended.wait(), 5)
            await asyncio.wait_for(out.ended.wait(), 5)
            assert callee.active_calls == 0 and not caller.calls
            return answered[0], out
        finally:
            await caller.stop()
            await callee.stop()

    inbound, outbound = run(body())
    assert inbound.caller == "tester" and inbound.called == "1900"
    expected = ("remote_bye", "local_bye") if who_hangs_up == "caller" else ("local_bye", "remote_bye")
    assert (inbound.hangup_cause, outbound.hangup_cause) == expected


def test_transfer_to_our_own_uac_and_refusals():
    results: list[bool] = []

    async def handler(call: Call) -> None:
        await call.answer(answer_sdp(call))
        results.append(await call.transfer("sip:operator@10.0.0.9"))

    async def body():
        callee, caller, target = await _pair(handler)
        try:
            out = await caller.place_call(target, build_offer("127.0.0.1", 41000))
            await asyncio.wait_for(out.referred.wait(), 5)
            await asyncio.wait_for(out.ended.wait(), 5)
            # refusals: a rejected call and a full hotline
            with pytest.raises(CallFailed) as info:
                await callee.place_call(f"sip:x@127.0.0.1:{caller.port}", build_offer("127.0.0.1", 41002))
            assert info.value.status == 603
            return out
        finally:
            await caller.stop()
            await callee.stop()

    out = run(body())
    assert results == [True]
    assert out.refer_to == "sip:operator@10.0.0.9" and out.hangup_cause == "remote_bye"


def test_handler_outcomes_reject_or_fail():
    async def returns_without_answering(call: Call) -> None:
        return None

    async def raises(call: Call) -> None:
        raise RuntimeError("application bug")

    async def body(handler):
        callee, caller, target = await _pair(handler)
        try:
            with pytest.raises(CallFailed) as info:
                await caller.place_call(target, build_offer("127.0.0.1", 41000))
            return info.value.status, callee.active_calls
        finally:
            await caller.stop()
            await callee.stop()

    assert run(body(returns_without_answering)) == (480, 0)
    assert run(body(raises)) == (500, 0)


def test_runs_on_uvloop():
    answered: list[Call] = []

    async def handler(call: Call) -> None:
        answered.append(call)
        await call.answer(answer_sdp(call))
        await call.ended.wait()

    async def body():
        assert isinstance(asyncio.get_running_loop(), uvloop.Loop)
        callee, caller, target = await _pair(handler)
        try:
            out = await caller.place_call(target, build_offer("127.0.0.1", 41000))
            await out.hangup()
            await asyncio.wait_for(answered[0].ended.wait(), 5)
        finally:
            await caller.stop()
            await callee.stop()

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(asyncio.wait_for(body(), 20))
    assert answered[0].hangup_cause == "remote_bye"


class Peer:
    """A bare UDP socket playing a proxy in front of the hotline."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]

    async def recv(self, timeout: float = 3.0) -> SipRequest | SipResponse:
        data, _ = await asyncio.wait_for(asyncio.get_running_loop().sock_recvfrom(self.sock, 65535), timeout)
        return parse_message(data)

    async def send(self, msg: SipRequest | SipResponse | bytes, port: int) -> None:
        data = msg if isinstance(msg, bytes) else msg.to_bytes()
        await asyncio.get_running_loop().sock_sendto(self.sock, data, ("127.0.0.1", port))


def test_behind_a_proxy_record_route_and_rport():
    """Responses follow Via received/rport; our BYE follows the Record-Route, not the Contact."""

    async def handler(call: Call) -> None:
        await call.answer(answer_sdp(call))
        await call.hangup()

    async def body():
        ua = UserAgent(handler, host="127.0.0.1", port=0, timers=FAST)
        await ua.start()
        proxy = Peer()
        try:
            invite = (
                f"INVITE sip:1900@127.0.0.1:{ua.port} SIP/2.0\r\n"
                "Via: SIP/2.0/UDP 192.0.2.99:5099;branch=z9hG4bKprx;rport\r\n"
                f"Record-Route: <sip:127.0.0.1:{proxy.port};lr>\r\n"
                "From: <sip:0912@carrier.vn>;tag=c1\r\nTo: <sip:1900@hotline.vn>\r\nCall-ID: proxied\r\n"
                "CSeq: 1 INVITE\r\nContact: <sip:0912@192.0.2.50:5060>\r\nMax-Forwards: 69\r\n"
                "Content-Type: application/sdp\r\n\r\n"
                "v=0\r\no=- 1 1 IN IP4 192.0.2.50\r\ns=-\r\nc=IN IP4 192.0.2.50\r\nt=0 0\r\n"
                "m=audio 7000 RTP/AVP 8 0\r\n"
            )
            await proxy.send(invite.encode(), ua.port)
            statuses = []
            while True:
                resp = await proxy.recv()
                statuses.append(resp.status)
                if resp.status == 200:
                    break
            assert statuses == [100, 180, 200]
            via = resp.top_via
            assert via.params["received"] == "127.0.0.1" and via.params["rport"] == str(proxy.port)
            assert resp.record_route == [f"<sip:127.0.0.1:{proxy.port};lr>"]
            assert b"m=audio 40000 RTP/AVP 8" in resp.body  # PCMA first in the offer, so PCMA
            ack = (
                f"ACK sip:hotline@127.0.0.1:{ua.port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{proxy.port};branch=z9hG4bKack\r\n"
                f"From: <sip:0912@carrier.vn>;tag=c1\r\nTo: {resp.headers.get('To')}\r\nCall-ID: proxied\r\n"
                "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
            )
            await proxy.send(ack.encode(), ua.port)
            bye = await proxy.recv()
            assert isinstance(bye, SipRequest) and bye.method == "BYE"
            assert bye.uri == "sip:0912@192.0.2.50:5060"
            assert bye.headers.get_all("Route") == [f"<sip:127.0.0.1:{proxy.port};lr>"]
            await proxy.send(response_to(bye, 200), ua.port)
            # an in-dialog request for a dialog that is gone: 481
            stale = bye.to_bytes().replace(b"BYE sip", b"INFO sip").replace(b" BYE\r\n", b" INFO\r\n")
            await proxy.send(parse_message(stale).to_bytes().replace(b"CSeq: 1", b"CSeq: 9"), ua.port)
            gone = await proxy.recv()
            assert gone.status == 481
        finally:
            proxy.sock.close()
            await ua.stop()

    run(body())


def test_call_api_misuse_raises_call_error():
    async def handler(call: Call) -> None:
        with pytest.raises(CallError):
            await call.transfer("sip:op@x")  # not answered yet
        await call.answer(answer_sdp(call))
        with pytest.raises(CallError):
            await call.answer(answer_sdp(call))
        await call.hangup()
        await call.hangup()  # idempotent

    async def body():
        callee, caller, target = await _pair(handler)
        try:
            out = await caller.place_call(target, build_offer("127.0.0.1", 41000))
            await asyncio.wait_for(out.ended.wait(), 5)
        finally:
            await caller.stop()
            await callee.stop()

    run(body())


def test_drain_refuses_new_calls_and_waits_for_the_last_one():
    calls: list[Call] = []

    async def handler(call: Call) -> None:
        calls.append(call)
        await call.answer(answer_sdp(call))
        await call.ended.wait()

    async def body():
        callee, caller, target = await _pair(handler)
        try:
            first = await caller.place_call(target, build_offer("127.0.0.1", 41000))
            await callee.drain()
            with pytest.raises(CallFailed) as info:
                await caller.place_call(target, build_offer("127.0.0.1", 41002))
            assert info.value.status == 503
            assert await callee.wait_idle(timeout=0.3) is False  # the first call is still up
            await first.hangup()
            assert await callee.wait_idle(timeout=5) is True
        finally:
            await caller.stop()
            await callee.stop()

    run(body())
    assert len(calls) == 1 and calls[0].hangup_cause == "remote_bye"


def test_options_health_check_says_503_when_full_or_draining():
    async def handler(call: Call) -> None:
        await call.answer(answer_sdp(call))
        await call.ended.wait()

    async def body():
        callee = UserAgent(handler, host="127.0.0.1", port=0, max_calls=1, timers=FAST)
        caller = UserAgent(_refuse, host="127.0.0.1", port=0, timers=FAST, user_agent="tester")
        await callee.start()
        await caller.start()
        probe = Peer()
        n = 0

        async def options() -> int:
            nonlocal n
            n += 1
            await probe.send(
                (
                    f"OPTIONS sip:127.0.0.1:{callee.port} SIP/2.0\r\n"
                    f"Via: SIP/2.0/UDP 127.0.0.1:{probe.port};branch=z9hG4bKping{n}\r\n"
                    f"From: <sip:lb@127.0.0.1>;tag=p{n}\r\nTo: <sip:127.0.0.1:{callee.port}>\r\n"
                    f"Call-ID: ping{n}\r\nCSeq: {n} OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
                ).encode(),
                callee.port,
            )
            return (await probe.recv()).status

        try:
            assert await options() == 200
            call = await caller.place_call(f"sip:1900@127.0.0.1:{callee.port}", build_offer("127.0.0.1", 41000))
            assert await options() == 503  # full: a balancer sends the next call elsewhere
            await call.hangup()
            assert await callee.wait_idle(timeout=5) is True
            assert await options() == 200
            await callee.drain()
            assert await options() == 503
        finally:
            probe.sock.close()
            await caller.stop()
            await callee.stop()

    run(body())


def test_offer_without_g711_gets_488():
    g729_only = parse_sdp(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        "m=audio 41000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n"
    )
    handled: list[Call] = []

    async def handler(call: Call) -> None:
        handled.append(call)

    async def body():
        callee, caller, target = await _pair(handler)
        try:
            with pytest.raises(CallFailed) as info:
                await caller.place_call(target, g729_only)
            return info.value.status
        finally:
            await caller.stop()
            await callee.stop()

    assert run(body()) == 488
    assert handled == []  # refused before the application sees it


def _raw_invite(ua_port: int, peer_port: int, call_id: str, branch: str, cseq: int = 1, to_tag: str = "",
                direction: str = "sendrecv") -> bytes:  # fmt: skip
    sdp = (
        f"v=0\r\no=- 1 {cseq} IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        f"m=audio 7000 RTP/AVP 0\r\na={direction}\r\n"
    )
    to = f"<sip:1900@127.0.0.1>{';tag=' + to_tag if to_tag else ''}"
    return (
        f"INVITE sip:1900@127.0.0.1:{ua_port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:{peer_port};branch={branch};rport\r\n"
        f"From: <sip:0912@127.0.0.1>;tag=p1\r\nTo: {to}\r\nCall-ID: {call_id}\r\nCSeq: {cseq} INVITE\r\n"
        f"Contact: <sip:0912@127.0.0.1:{peer_port}>\r\nContent-Type: application/sdp\r\n"
        f"Content-Length: {len(sdp)}\r\n\r\n{sdp}"
    ).encode()


def _raw(
    method: str, ua_port: int, peer_port: int, call_id: str, branch: str, cseq: int, to_tag: str
) -> bytes:
    return (
        f"{method} sip:hotline@127.0.0.1:{ua_port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:{peer_port};branch={branch}\r\n"
        f"From: <sip:0912@127.0.0.1>;tag=p1\r\nTo: <sip:1900@127.0.0.1>;tag={to_tag}\r\nCall-ID: {call_id}\r\n"
        f"CSeq: {cseq} {method}\r\nContent-Length: 0\r\n\r\n"
    ).encode()


def test_bye_on_early_dialog_and_reinvite_whose_ack_is_lost():
    from sip_gateway.transaction import Timers

    calls: list[Call] = []

    async def handler(call: Call) -> None:
        calls.append(call)
        if call.call_id == "early":
            await call.ended.wait()  # never answers: the caller gives up with BYE
            return
        await call.answer(answer_sdp(call))
        await call.ended.wait()

    async def until(peer: Peer, status: int, cseq: int = 1):
        for _ in range(40):  # skips retransmissions of earlier responses
            msg = await peer.recv()
            if isinstance(msg, SipResponse) and msg.status == status and msg.cseq.number == cseq:
                return msg
        raise AssertionError(f"no {status}")

    async def body():
        ua = UserAgent(handler, host="127.0.0.1", port=0, timers=Timers(t1=0.01, t2=0.08, t4=0.1))
        await ua.start()
        peer = Peer()
        try:
            await peer.send(_raw_invite(ua.port, peer.port, "early", "z9hG4bKe1"), ua.port)
            ringing = await until(peer, 180)
            tag = ringing.to.tag
            await peer.send(_raw("BYE", ua.port, peer.port, "early", "z9hG4bKe2", 2, tag), ua.port)
            got = {(await peer.recv()).status, (await peer.recv()).status}
            assert got == {200, 487}  # 200 to the BYE, 487 to the INVITE
            assert calls[0].hangup_cause == "remote_bye"

            await peer.send(_raw_invite(ua.port, peer.port, "reinv", "z9hG4bKr1"), ua.port)
            ok = await until(peer, 200)
            tag = ok.to.tag
            await peer.send(_raw("ACK", ua.port, peer.port, "reinv", "z9hG4bKr2", 1, tag), ua.port)
            hold = _raw_invite(
                ua.port, peer.port, "reinv", "z9hG4bKr3", cseq=2, to_tag=tag, direction="sendonly"
            )
            await peer.send(hold, ua.port)
            assert b"a=recvonly" in (await until(peer, 200, cseq=2)).body
            await asyncio.sleep(64 * 0.01 + 0.3)  # never ACKed: Timer H ends that transaction
            resume = _raw_invite(ua.port, peer.port, "reinv", "z9hG4bKr4", cseq=3, to_tag=tag)
            await peer.send(resume, ua.port)
            assert (
                b"a=sendrecv" in (await until(peer, 200, cseq=3)).body
            )  # not 491: nothing is pending any more
            assert calls[1].held is False
        finally:
            peer.sock.close()
            await ua.stop()

    run(body())


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="no IPv6 loopback on this machine")
@pytest.mark.parametrize("suffix", ["", ";transport=tcp"])
def test_ipv6_call(suffix):
    async def handler(call: Call) -> None:
        await call.answer(build_answer(call.remote_sdp, "::1", 40000))
        await call.ended.wait()

    async def body():
        callee = UserAgent(handler, host="::1", port=0, timers=FAST)
        caller = UserAgent(_refuse, host="::1", port=0, timers=FAST)
        await callee.start()
        await caller.start()
        try:
            out = await caller.place_call(f"sip:1900@[::1]:{callee.port}{suffix}", build_offer("::1", 41000))
            assert out.remote_sdp.rtp_address == ("::1", 40000)
            assert out.dialog.remote_target.startswith("sip:hotline@[::1]:")
            await out.hangup()
            return out.hangup_cause, callee.active_calls
        finally:
            await caller.stop()
            await callee.stop()

    assert run(body()) == ("local_bye", 0)


def test_host_names_in_uris_are_resolved():
    async def handler(call: Call) -> None:
        await call.answer(answer_sdp(call))
        await call.ended.wait()

    async def body():
        callee, caller, _ = await _pair(handler)
        try:
            out = await caller.place_call(
                f"sip:1900@localhost:{callee.port}", build_offer("127.0.0.1", 41000)
            )
            await out.hangup()
            with pytest.raises(CallError):
                await caller.place_call("sip:1900@no-such-host.invalid", build_offer("127.0.0.1", 41000))
            return out.hangup_cause
        finally:
            await caller.stop()
            await callee.stop()

    assert run(body()) == "local_bye"

"""Transaction timers (RFC 3261 §17) on a fast timer scale; packets go to a list instead of a socket."""

from __future__ import annotations

import asyncio

import pytest

from sip_gateway.message import parse_message, response_to
from sip_gateway.transaction import (
    InviteClientTransaction,
    InviteServerTransaction,
    NonInviteClientTransaction,
    NonInviteServerTransaction,
    State,
    Timers,
    TransactionTimeout,
    client_key,
    server_key,
)

from .conftest import run

T = Timers(t1=0.02, t2=0.16, t4=0.2)  # Timer H/F/B/J = 1.28 s


def _request(method: str = "INVITE", branch: str = "z9hG4bKtest"):
    raw = (
        f"{method} sip:1900@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch={branch}\r\n"
        "From: <sip:a@127.0.0.1>;tag=f\r\nTo: <sip:1900@127.0.0.1>\r\nCall-ID: c1\r\n"
        f"CSeq: 1 {method}\r\nContact: <sip:a@127.0.0.1:5070>\r\nContent-Length: 0\r\n\r\n"
    )
    return parse_message(raw.encode())


def _at_least(gaps: list[float], nominal: list[float]) -> None:
    for gap, expected in zip(gaps, nominal, strict=False):
        assert gap >= expected - 0.005, (gaps, nominal)


class Wire:
    """Collects what a transaction sends, with timestamps."""

    def __init__(self) -> None:
        self.sent: list[tuple[float, bytes]] = []

    def __call__(self, data: bytes) -> None:
        self.sent.append((asyncio.get_running_loop().time(), data))

    def starts(self, prefix: bytes) -> list[float]:
        return [t for t, d in self.sent if d.startswith(prefix)]


def test_keys_match_retransmissions_and_ack():
    invite = _request()
    ack = parse_message(invite.to_bytes().replace(b"INVITE", b"ACK"))
    assert server_key(invite) == server_key(ack) == ("z9hG4bKtest", "127.0.0.1:5070", "INVITE")
    assert client_key(invite) == ("z9hG4bKtest", "INVITE")
    legacy = _request(branch="1")  # RFC 2543 branch: fall back on Call-ID, tag and CSeq
    assert server_key(legacy)[0].startswith("c1|f|1|")


def test_invite_2xx_retransmitted_with_doubling_until_ack():
    async def body():
        wire, ended = Wire(), []
        txn = InviteServerTransaction(_request(), wire, reliable=False, timers=T, on_terminated=ended.append)
        txn.respond(response_to(txn.request, 100))
        start = asyncio.get_running_loop().time()
        txn.respond(response_to(txn.request, 200, to_tag="x"))
        assert txn.state is State.ACCEPTED
        await asyncio.sleep(0.5)
        txn.ack_received()
        count = len(wire.starts(b"SIP/2.0 200"))
        await asyncio.sleep(0.3)
        assert len(wire.starts(b"SIP/2.0 200")) == count  # stopped at the ACK
        assert await txn.acked is True and ended == [txn]
        times = [t - start for t in wire.starts(b"SIP/2.0 200")]
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        return gaps

    gaps = run(body())
    # Timer G: 20, 40, 80, 160 (=T2), 160 ms ... Timers never fire early, a busy machine makes them late.
    assert 2 <= len(gaps) <= 5
    _at_least(gaps, [0.02, 0.04, 0.08, 0.16, 0.16])


def test_timer_h_gives_up_without_ack():
    async def body():
        wire = Wire()
        txn = InviteServerTransaction(_request(), wire, reliable=False, timers=T)
        txn.respond(response_to(txn.request, 200, to_tag="x"))
        t0 = asyncio.get_running_loop().time()
        acked = await txn.acked
        return acked, asyncio.get_running_loop().time() - t0, txn, wire

    acked, elapsed, txn, wire = run(body())
    assert acked is False and txn.state is State.TERMINATED
    assert 64 * T.t1 - 0.01 <= elapsed < 64 * T.t1 + 1.0
    assert 4 <= txn.retransmissions <= 11


def test_non_2xx_final_absorbs_retransmitted_invite_and_ack():
    async def body():
        wire = Wire()
        txn = InviteServerTransaction(_request(), wire, reliable=False, timers=T)
        txn.respond(response_to(txn.request, 486, to_tag="x"))
        txn.receive_request(_request())  # the caller retransmits its INVITE: the 486 goes again
        assert len(wire.starts(b"SIP/2.0 486")) == 2
        ack = parse_message(_request().to_bytes().replace(b"INVITE", b"ACK"))
        txn.receive_request(ack)
        assert txn.state is State.CONFIRMED and await txn.acked is True
        await asyncio.sleep(T.t4 + 0.05)  # Timer I
        return txn

    assert run(body()).state is State.TERMINATED


def test_reliable_transport_does_not_retransmit():
    async def body():
        wire = Wire()
        txn = InviteServerTransaction(_request(), wire, reliable=True, timers=T)
        txn.respond(response_to(txn.request, 200, to_tag="x"))
        await asyncio.sleep(0.3)
        txn.ack_received()
        return wire

    assert len(run(body()).sent) == 1


def test_non_invite_server_timer_j():
    async def body():
        wire, ended = Wire(), []
        bye = _request("BYE")
        txn = NonInviteServerTransaction(bye, wire, reliable=False, timers=T, on_terminated=ended.append)
        txn.receive_request(bye)  # retransmission before any answer: nothing to resend
        txn.respond(response_to(bye, 200))
        txn.receive_request(bye)
        txn.receive_request(bye)
        assert len(wire.sent) == 3 and txn.state is State.COMPLETED
        with pytest.raises(RuntimeError):
            txn.respond(response_to(bye, 500))
        await asyncio.sleep(64 * T.t1 + 0.1)
        return txn, ended

    txn, ended = run(body())
    assert txn.state is State.TERMINATED and ended == [txn]


def test_non_invite_client_timer_e_and_f():
    async def body():
        wire = Wire()
        txn = NonInviteClientTransaction(_request("BYE"), wire, reliable=False, timers=T)
        txn.start()
        with pytest.raises(TransactionTimeout):
            await txn.result
        return wire

    wire = run(body())
    times = wire.starts(b"BYE")
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    # Timer E: 20, 40, 80, 160, 160, ... ms until Timer F at 1.28 s: 11 sends on an idle machine
    assert 5 <= len(times) <= 11
    _at_least(gaps, [0.02, 0.04, 0.08] + [0.16] * 10)


def test_non_invite_client_final_response_and_timer_k():
    async def body():
        wire = Wire()
        bye = _request("BYE")
        txn = NonInviteClientTransaction(bye, wire, reliable=False, timers=T)
        txn.start()
        await asyncio.sleep(0.05)
        txn.receive_response(response_to(bye, 200))
        resp = await txn.result
        sent = len(wire.sent)
        await asyncio.sleep(0.1)
        assert len(wire.sent) == sent  # retransmissions stopped
        await asyncio.sleep(T.t4)
        return resp, txn

    resp, txn = run(body())
    assert resp.status == 200 and txn.state is State.TERMINATED


def test_invite_client_timer_a_b_and_ack_for_error():
    async def timeout():
        wire = Wire()
        txn = InviteClientTransaction(_request(), wire, reliable=False, timers=T)
        txn.start()
        with pytest.raises(TransactionTimeout):
            await txn.result
        return wire

    times = run(timeout()).starts(b"INVITE")
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    # at 0, 20, 60, 140, 300, 620, 1260 ms: Timer A doubles with no T2 cap
    assert 5 <= len(times) <= 7
    _at_least(gaps, [0.02, 0.04, 0.08, 0.16, 0.32, 0.64])

    async def rejected():
        wire, provisional = Wire(), []
        invite = _request()
        txn = InviteClientTransaction(
            invite, wire, reliable=False, timers=T, on_provisional=provisional.append
        )
        txn.start()
        txn.receive_response(response_to(invite, 180, to_tag="r"))
        busy = response_to(invite, 486, to_tag="r")
        txn.receive_response(busy)
        txn.receive_response(busy)  # retransmitted final: the ACK goes again
        return await txn.result, wire, provisional, txn

    resp, wire, provisional, txn = run(rejected())
    assert resp.status == 486 and [p.status for p in provisional] == [180]
    acks = [parse_message(d) for _, d in wire.sent if d.startswith(b"ACK")]
    assert len(acks) == 2
    assert acks[0].top_via.branch == "z9hG4bKtest" and acks[0].to.tag == "r" and acks[0].cseq.method == "ACK"
    assert txn.state is State.COMPLETED
    cancel = txn.cancel_request()
    assert cancel.method == "CANCEL" and cancel.top_via.branch == "z9hG4bKtest" and cancel.cseq.number == 1


def test_invite_client_2xx_retransmissions_go_to_the_dialog():
    async def body():
        wire, again = Wire(), []
        invite = _request()
        txn = InviteClientTransaction(invite, wire, reliable=False, timers=T, on_2xx=again.append)
        txn.start()
        ok = response_to(invite, 200, to_tag="r")
        txn.receive_response(ok)
        txn.receive_response(ok)
        return await txn.result, again, txn

    resp, again, txn = run(body())
    assert resp.status == 200 and len(again) == 1 and txn.state is State.ACCEPTED

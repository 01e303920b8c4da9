"""Our user agent against sipp on loopback: the call flows of a real telephone line."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import socket

import pytest

from sip_gateway.call import Call, CallError, CallFailed
from sip_gateway.sdp import build_offer
from sip_gateway.useragent import UserAgent

from .conftest import FAST, answer_sdp, needs_sipp, run, run_sipp

pytestmark = [needs_sipp, pytest.mark.timeout(60)]


class Recorder:
    """A media-less on_invite handler that records what happened."""

    def __init__(
        self, *, hangup_after: float | None = None, answer_delay: float = 0.0, transfer_to: str = ""
    ):
        self.calls: list[Call] = []
        self.errors: list[str] = []
        self.transfer_result: bool | None = None
        self.hangup_after = hangup_after
        self.answer_delay = answer_delay
        self.transfer_to = transfer_to

    async def __call__(self, call: Call) -> None:
        self.calls.append(call)
        try:
            if self.answer_delay:
                # stands in for a slow application; a CANCEL ends the call meanwhile
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(call.ended.wait(), self.answer_delay)
            await call.answer(answer_sdp(call))
            if self.transfer_to:
                self.transfer_result = await call.transfer(self.transfer_to)
            if self.hangup_after is not None:
                await asyncio.sleep(self.hangup_after)
                await call.hangup()
            await call.ended.wait()
        except CallError as exc:
            self.errors.append(str(exc))


async def _with_ua(handler, body, **kwargs):
    ua = UserAgent(
        handler, host="127.0.0.1", port=0, max_calls=kwargs.pop("max_calls", 10), timers=FAST, **kwargs
    )
    await ua.start()
    try:
        return await body(ua)
    finally:
        await ua.stop()


def _check(result) -> None:
    assert result.returncode == 0, f"sipp failed:\n{result.stdout[-2000:]}\n{result.errors[-3000:]}"


@pytest.mark.parametrize("transport", ["u1", "t1"])
def test_basic_call_sipp_hangs_up(tmp_path, transport):
    rec = Recorder()

    async def body(ua):
        _check(await run_sipp(ua.port, tmp_path, builtin="uac", transport=transport))
        await asyncio.wait_for(rec.calls[0].ended.wait(), 5)
        return ua.stats

    stats = run(_with_ua(rec, body))
    call = rec.calls[0]
    assert call.hangup_cause == "remote_bye"
    assert call.caller == "sipp" and call.remote_sdp.codec.name == "PCMU"
    assert stats.calls_answered == 1 and stats.malformed == 0


@pytest.mark.parametrize("transport", ["u1", "t1"])
def test_we_hang_up(tmp_path, transport):
    rec = Recorder(hangup_after=0.2)

    async def body(ua):
        result = await run_sipp(ua.port, tmp_path, scenario="bye_from_uas", transport=transport)
        _check(result)
        assert "BYE sip:sipp@127.0.0.1" in result.messages
        return ua

    run(_with_ua(rec, body))
    assert rec.calls[0].hangup_cause == "local_bye"
    assert not rec.errors


def test_cancel_before_answer(tmp_path):
    rec = Recorder(answer_delay=10)

    async def body(ua):
        _check(await run_sipp(ua.port, tmp_path, scenario="cancel"))
        await asyncio.sleep(0.1)
        assert ua.active_calls == 0

    run(_with_ua(rec, body))
    assert rec.calls[0].hangup_cause == "cancelled"
    assert rec.errors and "cancelled" in rec.errors[0]  # answer() after the CANCEL refuses


def test_options_ping_and_draining(tmp_path):
    async def body(ua):
        _check(await run_sipp(ua.port, tmp_path, scenario="options"))
        await ua.drain()
        _check(await run_sipp(ua.port, tmp_path, scenario="options_draining"))
        _check(await run_sipp(ua.port, tmp_path, scenario="busy"))  # INVITE refused too

    run(_with_ua(Recorder(), body))


def test_unsupported_methods_and_unknown_dialog(tmp_path):
    async def body(ua):
        _check(await run_sipp(ua.port, tmp_path, scenario="unsupported"))

    run(_with_ua(Recorder(), body))


def test_reinvite_hold_and_resume(tmp_path):
    rec = Recorder()
    changes: list[bool] = []

    async def handler(call: Call) -> None:
        call.on_media_change = lambda c: changes.append(c.held)
        await rec(call)

    async def body(ua):
        _check(await run_sipp(ua.port, tmp_path, scenario="reinvite_hold"))

    run(_with_ua(handler, body))
    assert changes == [True, False]
    assert rec.calls[0].hangup_cause == "remote_bye"
    assert rec.calls[0].local_sdp.session_version == rec.calls[0].local_sdp.session_id + 2


def test_503_at_capacity(tmp_path):
    rec = Recorder()

    async def body(ua):
        first = asyncio.create_task(run_sipp(ua.port, tmp_path, scenario="long_call"))
        for _ in range(100):
            if ua.active_calls == 1:
                break
            await asyncio.sleep(0.02)
        assert ua.active_calls == 1
        _check(await run_sipp(ua.port, tmp_path, scenario="busy"))
        _check(await first)
        return ua.stats

    stats = run(_with_ua(rec, body, max_calls=1))
    assert stats.calls_rejected_busy == 1 and stats.calls_answered == 1


def test_200_retransmitted_until_timer_h(tmp_path):
    rec = Recorder()

    async def body(ua):
        result = await run_sipp(ua.port, tmp_path, scenario="no_ack")
        _check(result)
        return result

    result = run(_with_ua(rec, body))
    call = rec.calls[0]
    assert call.hangup_cause == "no_ack"
    assert rec.errors == ["no ACK for our 200 OK"]
    # sipp saw the first 200 plus Timer G retransmissions (T1=50 ms doubling to T2=400 ms over 3.2 s)
    received_200 = len(re.findall(r"message received \[\d+\] bytes :\s+SIP/2.0 200 OK", result.messages))
    assert received_200 >= 6, result.messages[-3000:]


def test_transfer_with_refer(tmp_path):
    rec = Recorder(transfer_to="sip:operator@127.0.0.1:5999")

    async def body(ua):
        _check(await run_sipp(ua.port, tmp_path, scenario="refer"))

    run(_with_ua(rec, body))
    assert rec.transfer_result is True
    assert rec.calls[0].hangup_cause == "transferred"


def _garbage(rng: random.Random, valid: bytes) -> bytes:
    kind = rng.randrange(8)
    if kind == 0:
        return os.urandom(rng.randrange(1, 1400))
    if kind == 1:
        return valid[: rng.randrange(1, len(valid))]  # truncated
    if kind == 2:
        lines = valid.split(b"\r\n")
        del lines[rng.randrange(1, 7)]  # a mandatory header missing
        return b"\r\n".join(lines)
    if kind == 3:
        return valid.replace(b"Content-Length: 0", b"Content-Length: 99999")
    if kind == 4:
        return valid.replace(b"CSeq: 1 INVITE", b"CSeq: x INVITE")
    if kind == 5:
        return b"INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP [::1\r\n\r\n"
    if kind == 6:
        return bytes(b ^ rng.randrange(256) if rng.random() < 0.02 else b for b in valid)
    return b"\r\n".join([valid.split(b"\r\n")[0], b"Via: \xff\xfe garbage", b"", b""])


def test_malformed_flood_during_a_call(tmp_path):
    rec = Recorder()
    valid = (
        b"INVITE sip:1900@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKflood\r\n"
        b"From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:1900@127.0.0.1>\r\nCall-ID: flood\r\nCSeq: 1 INVITE\r\n"
        b"Contact: <sip:a@127.0.0.1:9>\r\nContent-Length: 0\r\n\r\n"
    )

    async def body(ua):
        call = asyncio.create_task(run_sipp(ua.port, tmp_path, scenario="long_call"))
        rng = random.Random(5)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s, socket.socket() as t:
            for i in range(3000):
                s.sendto(_garbage(rng, valid), ("127.0.0.1", ua.port))
                if i % 50 == 0:  # paced so the kernel's socket buffer does not overflow on a busy CI box
                    await asyncio.sleep(0.005)
            # a broken TCP stream (no Content-Length) is dropped without harm
            t.setblocking(False)
            await asyncio.get_running_loop().sock_connect(t, ("127.0.0.1", ua.port))
            await asyncio.get_running_loop().sock_sendall(t, b"OPTIONS sip:x SIP/2.0\r\nVia: x\r\n\r\n")
        _check(await call)
        # still serving: a health check after the flood
        _check(await run_sipp(ua.port, tmp_path, scenario="options"))
        return ua.stats

    stats = run(_with_ua(rec, body))
    assert rec.calls[0].hangup_cause == "remote_bye"
    assert stats.malformed > 1000, stats


def test_place_call_to_sipp_uas(tmp_path):
    """Our UAC side against sipp's built-in UAS (answers, then waits for our BYE)."""
    import subprocess

    from .conftest import SIPP, free_media_port, free_port

    port = free_port()
    proc = subprocess.Popen(
        [SIPP, "-sn", "uas", "-i", "127.0.0.1", "-p", str(port), "-mp", str(free_media_port()), "-m", "1",
         "-nostdin", "-timeout", "20s", "-timeout_error"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:

        async def body(ua):
            await asyncio.sleep(0.3)  # sipp binds its socket
            call = await ua.place_call(f"sip:service@127.0.0.1:{port}", build_offer("127.0.0.1", 41000))
            assert call.remote_sdp is not None and call.remote_sdp.codec.name == "PCMU"
            await call.hangup()
            return call

        call = run(_with_ua(Recorder(), body))
        assert call.hangup_cause == "local_bye"
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_place_call_failure_is_reported():
    async def body(ua):
        other = UserAgent(Recorder(), host="127.0.0.1", port=0, max_calls=0, timers=FAST)
        await other.start()
        try:
            with pytest.raises(CallFailed) as info:
                await ua.place_call(f"sip:1900@127.0.0.1:{other.port}", build_offer("127.0.0.1", 41000))
            assert info.value.status == 503
        finally:
            await other.stop()

    run(_with_ua(Recorder(), body))

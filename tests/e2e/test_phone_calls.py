"""Real phone calls against `hotline serve` on loopback: our SIP caller and sipp, with
spoken questions (espeak-ng through G.711) and RFC 4733 keys. Nothing is mocked."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from hotline.caller import Step, place_call
from tests.e2e.conftest import start_server, stop_server
from tests.e2e.pcap import write_rtp_pcap

PASSPORT = "1.001456"
QUESTION = "cho tôi hỏi làm hộ chiếu ở đâu"
SCENARIOS = Path(__file__).parent / "scenarios"


def call(server, steps, **kw):
    return asyncio.run(place_call(server.target, steps, **kw))


@pytest.fixture(scope="module")
def question(tmp_path_factory) -> bytes:
    """The spoken question, synthesised once in a fresh process: espeak-ng's output drifts
    between calls inside one process, so this keeps the audio (and the test) repeatable."""
    import sys

    from tts.audio import read_wav

    out = tmp_path_factory.mktemp("audio") / "question.wav"
    subprocess.run([sys.executable, "-m", "hotline.cli", "say", QUESTION, "-o", str(out)], check=True, timeout=60)
    return read_wav(out.read_bytes()).pcm


def test_caller_asks_by_voice_and_hears_the_answer(hotline_server, question):
    result = call(hotline_server, [Step("audio", pcm=question), Step("digits", "1")])
    assert result.connected, result.failure
    assert result.setup_s < 2
    cdr = hotline_server.call_record(result.call_id)
    assert cdr["channel"] == "sip" and cdr["answered_at"]
    assert PASSPORT in cdr["procedures"], cdr["turns"]
    assert cdr["outcome"] == "answered"
    assert cdr["caller_hash"] and "hotline-caller" not in cdr["caller_hash"]
    heard_text = [t["heard_text"] for t in cdr["turns"] if t["heard_text"]]
    assert heard_text, "the recogniser produced no text"
    # The caller really heard audio: greeting, the question's reply and the answer.
    assert len(result.prompts) >= 3
    assert len(result.received_audio) / 16000 > 15
    assert result.lost == 0
    assert result.reply_latency_s and max(result.reply_latency_s) < 10
    events = hotline_server.events(result.call_id)
    kinds = [e["type"] for e in events]
    assert kinds[0] == "incoming" and kinds[-1] == "ended"
    assert "recognized" in kinds and "turn" in kinds
    assert any(e["type"] == "turn" and e.get("latency_ms") for e in events)


def test_keypad_goodbye_and_bye_from_the_hotline(hotline_server):
    # 0 asks for an operator; none is configured, so 2 ends the call and the hotline hangs up.
    result = call(hotline_server, [Step("digits", "0"), Step("digits", "2")], final_listen_s=25)
    assert result.connected
    assert result.hangup_by == "hotline"
    cdr = hotline_server.call_record(result.call_id)
    assert cdr["hangup_cause"] == "goodbye"
    assert [t["digits"] for t in cdr["turns"] if t["digits"]] == ["0", "2"]


def test_barge_in_stops_the_prompt(hotline_server, question):
    result = call(hotline_server, [Step("audio", pcm=question, wait=False)], final_listen_s=20)
    assert result.connected
    kinds = [e["type"] for e in hotline_server.events(result.call_id)]
    assert "barge_in" in kinds
    assert kinds.index("barge_in") < kinds.index("recognized")


def test_malformed_datagrams_do_not_disturb_a_call(hotline_server, question):
    junk = [b"", b"\x00" * 3, b"INVITE", b"SIP/2.0 200\r\n\r\n", b"INVITE sip:x SIP/2.0\r\nVia: broken\r\n\r\n",
            bytes(range(256)) * 4, b"OPTIONS sip:a SIP/2.0\r\nContent-Length: 99999\r\n\r\nabc"]

    async def flood(stop: asyncio.Event) -> int:
        sent = 0
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for _ in range(400):  # bounded
                if stop.is_set():
                    break
                for j in junk:
                    s.sendto(j, ("127.0.0.1", hotline_server.sip_port))
                    sent += 1
                await asyncio.sleep(0.01)
        return sent

    async def main():
        stop = asyncio.Event()
        flooder = asyncio.create_task(flood(stop))
        result = await place_call(hotline_server.target, [Step("audio", pcm=question), Step("digits", "1")])
        stop.set()
        return result, await flooder

    result, sent = asyncio.run(main())
    assert sent > 1000
    assert result.connected
    assert PASSPORT in hotline_server.call_record(result.call_id)["procedures"]
    assert httpx.get(hotline_server.http + "/healthz").status_code == 200


@pytest.mark.skipif(shutil.which("sipp") is None, reason="sipp (Debian sip-tester) not installed")
def test_sipp_caller_with_recorded_question_and_dtmf(hotline_server, question, tmp_path):
    pcap = tmp_path / "question.pcap"
    seconds = write_rtp_pcap(pcap, question)
    dtmf = Path("/usr/share/sip-tester/dtmf_2833_1.pcap")
    if not dtmf.exists():
        pytest.skip("sipp's DTMF pcap files are missing")
    scenario = (SCENARIOS / "ask_with_audio.xml").read_text()
    scenario = (scenario.replace("QUESTION_PCAP", str(pcap)).replace("DTMF_PCAP", str(dtmf))
                .replace("GREETING_MS", "7000").replace("QUESTION_MS", str(int(seconds * 1000) + 200)))
    (tmp_path / "s.xml").write_text(scenario)
    before = {c["id"] for c in hotline_server.api("/api/v1/calls?channel=sip&limit=500").json()["items"]}
    proc = subprocess.run(
        ["sipp", "-sf", str(tmp_path / "s.xml"), "-m", "1", "-l", "1", "-i", "127.0.0.1", "-p", "0",
         "-mp", "0", "-timeout", "90s", "-timeout_error", "-nostdin", "-trace_err", f"127.0.0.1:{hotline_server.sip_port}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    deadline = time.monotonic() + 15
    while True:
        items = hotline_server.api("/api/v1/calls?channel=sip&limit=500").json()["items"]
        new = [c for c in items if c["id"] not in before and c["ended_at"]]
        if new or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert len(new) == 1
    cdr = hotline_server.call_record(new[0]["id"])
    assert PASSPORT in cdr["procedures"], cdr["turns"]
    assert any(t["digits"] == "1" for t in cdr["turns"])
    assert cdr["hangup_cause"] == "remote_bye"


def test_transfer_to_operator_with_refer(tmp_path):
    server = start_server(tmp_path, HOTLINE_OPERATOR_URI="sip:operator@127.0.0.1:5999")
    try:
        result = call(server, [Step("digits", "0")], final_listen_s=15)
        assert result.connected
        assert result.referred_to == "sip:operator@127.0.0.1:5999"
        cdr = server.call_record(result.call_id)
        assert cdr["outcome"] == "transferred"
        assert cdr["transfer_target"] == "sip:operator@127.0.0.1:5999"
    finally:
        assert stop_server(server) == 0


def test_sigterm_refuses_new_calls_and_lets_active_ones_finish(tmp_path, question):
    server = start_server(tmp_path, HOTLINE_SHUTDOWN_GRACE_S=120)

    async def main():
        active = asyncio.create_task(place_call(server.target, [Step("audio", pcm=question), Step("digits", "1")]))
        await asyncio.sleep(4)  # in the greeting
        server.proc.send_signal(15)
        await asyncio.sleep(1)
        refused = await place_call(server.target, [])
        return await active, refused

    try:
        first, refused = asyncio.run(main())
        assert first.connected and first.hangup_by == "caller"
        assert len(first.prompts) >= 3
        assert not refused.connected and "503" in refused.failure
    finally:
        code = stop_server(server)
    assert code == 0

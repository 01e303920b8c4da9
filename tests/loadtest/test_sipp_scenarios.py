"""The shipped sipp load scenarios, filled by `hotline.loadtest.sipp`, run by real sipp
against a real `hotline serve`: keypad callers (RFC 4733) reach their procedure and a
voice caller's question (G.711 from a pcap) is answered."""

from __future__ import annotations

import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET

import pytest

from hotline.loadtest.pcap import dtmf_pcap, line_pcap, rtp_pcap
from hotline.loadtest.sipp import command, prepare
from sip_gateway.dtmf import Rfc4733Receiver
from sip_gateway.rtp import parse_rtp
from tests.e2e.conftest import start_server, stop_server, wait_for_ended_calls

needs_sipp = pytest.mark.skipif(shutil.which("sipp") is None, reason="sipp (Debian sip-tester) is not installed")


def test_rtp_pcap_has_one_packet_per_20_ms():
    data, seconds = rtp_pcap(b"\x00\x00" * 8000)
    assert seconds == 1.0
    assert data[:4] == b"\xd4\xc3\xb2\xa1"
    per_packet = 16 + 14 + 20 + 8 + 12 + 160
    assert len(data) == 24 + 50 * per_packet


def packets(data: bytes) -> list[tuple[float, object]]:
    """(capture time, RTP packet) of each record of one of our pcaps (Ethernet/IPv4/UDP)."""
    out, off = [], 24
    while off < len(data):
        sec, usec, length = struct.unpack_from("<III", data, off)
        out.append((sec + usec / 1e6, parse_rtp(data[off + 16 + 14 + 20 + 8: off + 16 + length])))
        off += 16 + length
    return out


def test_line_pcap_is_numbered_silence():
    always = packets(line_pcap(1.0, seq=65535, timestamp=100))
    assert len(always) == 50 and [p.sequence for _, p in always[:2]] == [65535, 0]
    assert [p.timestamp for _, p in always[:2]] == [100, 260]
    assert abs(always[-1][0] - 0.98) < 1e-6
    assert all(p.payload == b"\xff" * 160 and p.payload_type == 0 for _, p in always)
    assert len(packets(line_pcap(0.02))) == 1  # the one-packet play of a sparse line


def test_dtmf_pcaps_are_distinct_presses():
    receiver = Rfc4733Receiver()
    digits = []
    for ts, digit in ((1000, "9"), (9000, "2"), (17000, "1")):
        for _, rtp in packets(dtmf_pcap(digit, timestamp=ts)):
            digits += [e.digit for e in receiver.feed(rtp)]
    assert digits == ["9", "2", "1"]


@needs_sipp
def test_sipp_keypad_and_voice_callers(tmp_path):
    scenarios = prepare(tmp_path / "sipp", hold_s=4)
    assert len(scenarios) == 8
    for s in scenarios:
        ET.parse(s)  # well-formed after filling
        assert "_PCAP" not in s.read_text() and "_MS\"" not in s.read_text()
    (tmp_path / "server").mkdir()
    server = start_server(tmp_path / "server")
    try:
        keypad = next(s for s in scenarios if s.name.startswith("menu_921_"))
        voice = next(s for s in scenarios if s.name == "ask_1.001456.xml")
        target = f"127.0.0.1:{server.sip_port}"
        runs = [subprocess.Popen(command(keypad, target, calls=3, rate=3, limit=10), cwd=tmp_path,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True),
                subprocess.Popen(command(voice, target, calls=1, rate=1, limit=1), cwd=tmp_path,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)]
        for p in runs:
            out, _ = p.communicate(timeout=120)
            assert p.returncode == 0, out[-2000:]
        expected = keypad.stem.split("_")[2]
        items = wait_for_ended_calls(server, 4)
        assert len(items) == 4
        records = [server.call_record(c["id"]) for c in items]
        keyed = [r for r in records if any(t["digits"] == "9" for t in r["turns"])]
        assert len(keyed) == 3 and all(expected in r["procedures"] for r in keyed), [
            [(t["digits"], t["decision"], t["procedure_code"]) for t in r["turns"]] for r in keyed]
        spoken = [r for r in records if r not in keyed]
        assert "1.001456" in spoken[0]["procedures"], spoken[0]["turns"]
        assert all(r["hangup_cause"] == "remote_bye" for r in records)
    finally:
        stop_server(server)

"""A call from baresip, a real softphone, speaking a recorded question from a WAV file."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import wave

import pytest

from tests.e2e.conftest import free_port

PASSPORT = "1.001456"

pytestmark = pytest.mark.skipif(shutil.which("baresip") is None and not __import__("os").environ.get("CI"),
                                reason="baresip (Debian package) not installed")


def test_baresip_softphone_gets_the_passport_procedure(hotline_server, tmp_path):
    if shutil.which("baresip") is None:
        pytest.fail("baresip is not installed (scripts/install-system-deps.sh test installs it)")
    question = tmp_path / "q.wav"
    subprocess.run([sys.executable, "-m", "hotline.cli", "say", "cho tôi hỏi làm hộ chiếu ở đâu", "-o", str(question)],
                   check=True, timeout=60)
    # baresip's file source starts with the call: silence while the greeting plays, then the question.
    with wave.open(str(question)) as w:
        rate, frames = w.getframerate(), w.readframes(w.getnframes())
    source = tmp_path / "source.wav"
    with wave.open(str(source), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\0\0" * int(rate * 8) + frames + b"\0\0" * int(rate * 20))
    cfg = tmp_path / "baresip"
    cfg.mkdir()
    port, rtp = free_port(), free_port() // 2 * 2
    (cfg / "config").write_text(
        f"poll_method epoll\nsip_listen 127.0.0.1:{port}\nsip_transports udp\n"
        f"audio_player aufile,{tmp_path}/heard.wav\naudio_source aufile,{source}\naudio_alert aufile,/dev/null\n"
        "ausrc_srate 8000\nauplay_srate 8000\nausrc_channels 1\nauplay_channels 1\n"
        "module_path /usr/lib/baresip/modules\nmodule g711.so\nmodule aufile.so\nmodule account.so\n"
        f"module menu.so\nmodule contact.so\nrtp_ports {rtp}-{rtp + 20}\n"
    )
    (cfg / "accounts").write_text("<sip:caller@127.0.0.1>;regint=0\n")
    (cfg / "contacts").write_text("")
    before = {c["id"] for c in hotline_server.api("/api/v1/calls?channel=sip&limit=500").json()["items"]}
    proc = subprocess.run(["baresip", "-f", str(cfg), "-e", f"/dial {hotline_server.target}", "-t", "32"],
                          capture_output=True, text=True, timeout=90, stdin=subprocess.DEVNULL)
    out = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", proc.stdout + proc.stderr)
    # baresip's status line: G.711 flowing both ways (transmit/receive bit rates).
    assert re.search(r"audio=64000/64000", out), out[-3000:]
    items = hotline_server.api("/api/v1/calls?channel=sip&limit=500").json()["items"]
    new = [c for c in items if c["id"] not in before]
    assert len(new) == 1
    cdr = hotline_server.call_record(new[0]["id"], timeout=20)
    spoken = [t for t in cdr["turns"] if t["heard_text"]]
    assert spoken, cdr["turns"]
    assert spoken[0]["procedure_code"] == PASSPORT
    assert spoken[0]["decision"] in ("answer", "confirm", "disambiguate")
    assert spoken[0]["latency_ms"] and spoken[0]["latency_ms"] > 0

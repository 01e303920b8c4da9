"""`hotline serve --workers N`: port plan, Kamailio config rendering, and the launcher's
refusal to start without Kamailio."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hotline.kamailio.render import (
    KamailioOptions,
    dispatcher_list,
    kamailio_log_level,
    listen_address,
    render_config,
    template,
    template_settings,
)
from hotline.workerplan import plan_workers
from hotline.workers import worker_destination
from sip_gateway.ports import PortAllocator


# ---- port plan -------------------------------------------------------------
def test_workers_get_their_own_sip_http_ports_and_rtp_slices():
    specs = plan_workers(3, sip_port=5060, http_port=8000, rtp_port_min=20000, rtp_port_max=30000)
    assert [w.index for w in specs] == [1, 2, 3]
    assert [w.sip_port for w in specs] == [5061, 5062, 5063]  # 5060 is Kamailio's
    assert [w.http_port for w in specs] == [8000, 8001, 8002]  # worker 1 serves the usual API port
    assert all(w.rtp_port_min % 2 == 0 for w in specs)
    assert specs[0].rtp_port_min == 20000
    assert all(w.rtp_port_max <= 30000 for w in specs)
    # Every port a worker can hand out (RTP even, RTCP the odd one above) stays in its slice.
    used = []
    for w in specs:
        alloc = PortAllocator(w.rtp_port_min, w.rtp_port_max)
        assert alloc.capacity == w.rtp_ports == 5000 // 3  # 20000-30000: 5000 RTP/RTCP pairs
        ports = {alloc.allocate() for _ in range(alloc.capacity)}
        assert all(w.rtp_port_min <= p and p + 1 <= w.rtp_port_max for p in ports)
        used.append({p for q in ports for p in (q, q + 1)})
    assert not used[0] & used[1] and not used[1] & used[2] and not used[0] & used[2]
    assert sum(len(u) for u in used) == 2 * 3 * 1666


def test_worker_environment_makes_a_plain_serve_process():
    (w,) = plan_workers(1, sip_port=6000, http_port=9000, rtp_port_min=40001, rtp_port_max=40100)
    assert w.env() == {"HOTLINE_SIP_PORT": "6001", "HOTLINE_HTTP_PORT": "9000", "HOTLINE_RTP_PORT_MIN": "40002",
                       "HOTLINE_RTP_PORT_MAX": "40099", "HOTLINE_WORKERS": "1"}
    assert w.rtp_ports == 49


@pytest.mark.parametrize("kwargs, message", [
    ({"n": 0}, "at least 1"),
    ({"n": 4, "rtp_port_min": 20000, "rtp_port_max": 20004}, "too small for 4 workers"),
    ({"n": 2, "sip_port": 65534}, "do not fit"),
    ({"n": 2, "http_port": 5061}, "overlap"),
    ({"n": 2, "sip_port": 20010}, "inside the RTP range"),
])
def test_impossible_plans_say_why(kwargs, message):
    args = {"sip_port": 5060, "http_port": 8000, "rtp_port_min": 20000, "rtp_port_max": 30000} | kwargs
    n = args.pop("n")
    with pytest.raises(ValueError, match=message):
        plan_workers(n, **args)


def test_local_workers_are_reached_on_loopback_when_bound_to_every_interface():
    (w,) = plan_workers(1, sip_port=5060, http_port=8000, rtp_port_min=20000, rtp_port_max=20100)
    assert worker_destination("0.0.0.0", w) == "sip:127.0.0.1:5061"
    assert worker_destination("10.0.0.7", w) == "sip:10.0.0.7:5061"
    assert worker_destination("::", w) == "sip:[::1]:5061"
    assert worker_destination("fd00::7", w) == "sip:[fd00::7]:5061"


# ---- Kamailio configuration ------------------------------------------------
def test_rendering_fills_in_the_settings_block_only(tmp_path):
    text = template()
    defaults = template_settings(text)
    assert defaults["HOTLINE_LISTEN"] == "udp:0.0.0.0:5060"  # usable by hand as shipped
    options = KamailioOptions(listen=listen_address("127.0.0.1", 25060), dispatcher_list=tmp_path / "d.list",
                              ping_interval_s=3, fr_timer_ms=800, log_level=kamailio_log_level("warning"))
    out = render_config(text, options)
    assert template_settings(out) == {
        "HOTLINE_LISTEN": "udp:127.0.0.1:25060", "HOTLINE_DISPATCHER_LIST": str(tmp_path / "d.list"),
        "HOTLINE_DS_SET": "1", "HOTLINE_PING_INTERVAL": "3", "HOTLINE_FR_TIMER_MS": "800",
        "HOTLINE_FR_INV_TIMER_MS": "30000", "HOTLINE_CHILDREN": "2", "HOTLINE_LOG_LEVEL": "0",
    }
    # Everything outside the settings lines is the shipped routing logic, unchanged.
    strip = lambda t: [ln for ln in t.splitlines() if not ln.startswith("#!substdef")]  # noqa: E731
    assert strip(out) == strip(text)
    assert 'ds_select_dst("HOTLINE_DS_SET", "4")' in out  # round robin
    assert "failure_route[FAILOVER]" in out and "ds_next_dst()" in out
    assert render_config(out, options) == out  # idempotent


def test_rendering_rejects_values_that_would_break_the_config(tmp_path):
    with pytest.raises(ValueError, match="HOTLINE_DISPATCHER_LIST"):
        render_config(template(), KamailioOptions(listen="udp:127.0.0.1:5060", dispatcher_list=Path("/a!b")))
    with pytest.raises(ValueError, match="lacks the settings"):
        render_config("#!KAMAILIO\n", KamailioOptions(listen="udp:127.0.0.1:5060", dispatcher_list=tmp_path))


def test_listen_address_and_log_levels():
    assert listen_address("127.0.0.1", 5060) == "udp:127.0.0.1:5060"
    assert listen_address("::1", 5070) == "udp:[::1]:5070"
    assert listen_address("sip.example.org", 5060) == "udp:sip.example.org:5060"
    assert [kamailio_log_level(x) for x in ("DEBUG", "INFO", "WARNING", "ERROR")] == [3, 2, 0, -1]


def test_dispatcher_list_names_each_worker():
    text = dispatcher_list(["sip:127.0.0.1:5061", "sip:10.0.0.2:5061"])
    rows = [ln.split() for ln in text.splitlines() if not ln.startswith("#")]
    assert rows == [["1", "sip:127.0.0.1:5061", "9", "0"], ["1", "sip:10.0.0.2:5061", "9", "0"]]
    assert dispatcher_list(["sip:a:1"], ds_set=3, probing=False).splitlines()[1] == "3 sip:a:1 0 0"
    with pytest.raises(ValueError, match="not a SIP URI"):
        dispatcher_list(["127.0.0.1:5061"])
    with pytest.raises(ValueError, match="at least one"):
        dispatcher_list([])


@pytest.mark.skipif(shutil.which("kamailio") is None, reason="kamailio (Debian package) not installed")
def test_kamailio_accepts_the_shipped_and_the_rendered_config(tmp_path):
    listing = tmp_path / "dispatcher.list"
    listing.write_text(dispatcher_list(["sip:127.0.0.1:5061", "sip:127.0.0.1:5062"]))
    rendered = tmp_path / "kamailio.cfg"
    rendered.write_text(render_config(template(), KamailioOptions(listen="udp:127.0.0.1:5060",
                                                                  dispatcher_list=listing)))
    check = subprocess.run(["kamailio", "-c", "-f", str(rendered)], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr[-2000:]
    assert "udp: 127.0.0.1 [127.0.0.1]:5060" in check.stdout + check.stderr
    # As shipped (an operator's starting point), only the dispatcher list path differs.
    shipped = tmp_path / "shipped.cfg"
    shipped.write_text(template().replace("/etc/kamailio/dispatcher.list", str(listing)))
    check = subprocess.run(["kamailio", "-c", "-f", str(shipped)], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr[-2000:]


# ---- launcher ----------------------------------------------------------------
def test_missing_kamailio_is_a_clear_error_not_a_traceback(tmp_path):
    env = os.environ | {"HOTLINE_DATA_DIR": str(tmp_path), "HOTLINE_KAMAILIO_BIN": "/nonexistent/kamailio"}
    proc = subprocess.run([sys.executable, "-m", "hotline.cli", "serve", "--workers", "2"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "Kamailio not found" in proc.stderr and "HOTLINE_KAMAILIO_BIN" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_ports_that_do_not_fit_are_a_clear_error(tmp_path):
    env = os.environ | {"HOTLINE_DATA_DIR": str(tmp_path), "HOTLINE_KAMAILIO_BIN": sys.executable,
                        "HOTLINE_RTP_PORT_MIN": "20000", "HOTLINE_RTP_PORT_MAX": "20002"}
    proc = subprocess.run([sys.executable, "-m", "hotline.cli", "serve", "--workers", "3"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "too small for 3 workers" in proc.stderr and "Traceback" not in proc.stderr

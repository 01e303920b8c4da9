"""The `hotline kb` commands as a staff member runs them (a real subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def run(args, env, check=True):
    proc = subprocess.run([sys.executable, "-m", "hotline.cli", *args], env=env, capture_output=True, text=True,
                          timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}: {proc.stderr}")
    return proc


@pytest.fixture
def env(tmp_path):
    return os.environ | {"HOTLINE_DATA_DIR": str(tmp_path / "data"), "HOTLINE_SEED": "0"}


def test_import_stats_show(catalogue_dir, env):
    report = json.loads(run(["kb", "import", str(catalogue_dir / "bo-tu-phap"), "--json"], env).stdout)
    assert report["imported"] == report["files"] > 200
    assert set(report) >= {"imported", "updated", "unchanged", "flagged", "skipped"}
    stats = json.loads(run(["kb", "stats", "--json"], env).stdout)
    assert stats["procedures"] == report["imported"]
    assert stats["by_status"] == {"published": report["imported"]}
    assert "xã" in stats["by_level"] and "Hộ tịch" in stats["by_field"]
    shown = json.loads(run(["kb", "show", "1.001193", "--json"], env).stdout)
    assert shown["code"] == "1.001193" and shown["name"] == "Thủ tục đăng ký khai sinh"
    assert len(shown["channels"]) == 3
    for ch in shown["channels"]:
        assert set(ch) >= {"channel", "time_text", "days", "day_kind", "fee_text", "fee_vnd"}
        assert ch["fee_vnd"] == 0
    missing = run(["kb", "show", "9.999999"], env, check=False)
    assert missing.returncode == 1 and "9.999999" in missing.stderr
    human = run(["kb", "import", str(catalogue_dir / "bo-tu-phap")], env).stdout
    assert f"{report['imported']} unchanged" in human


def test_bad_input_is_a_clear_error(env, tmp_path):
    gone = run(["kb", "import", str(tmp_path / "nope")], env, check=False)
    assert gone.returncode == 1 and "no such file" in gone.stderr
    bad_env = env | {"HOTLINE_HTTP_PORT": "eighty"}
    bad = run(["kb", "stats"], bad_env, check=False)
    assert bad.returncode == 2 and "HOTLINE_HTTP_PORT" in bad.stderr

"""Shared fixtures. ``shared_dir`` points at ../shared beside the checkout (or
$HOTLINE_SHARED_DIR) and skips the test with a clear message when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _shared_path() -> Path:
    return Path(os.environ.get("HOTLINE_SHARED_DIR", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    path = _shared_path()
    if not (path / "data").is_dir():
        pytest.skip(f"shared data not found at {path} (set HOTLINE_SHARED_DIR); this test needs it")
    return path


@pytest.fixture(scope="session")
def catalogue_dir(shared_dir: Path) -> Path:
    path = shared_dir / "data" / "dichvucong"
    if not path.is_dir():
        pytest.skip(f"national catalogue not found at {path}")
    return path


# ---- databases -----------------------------------------------------------
# A real PostgreSQL server is started on loopback for the session when it is
# installed (scripts/install-system-deps.sh installs it; CI must have it).

import glob  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bindir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for c in candidates:
        if Path(c, "initdb").exists():
            return Path(c)
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def _missing(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run these tests: scripts/install-system-deps.sh installs it)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory):
    bindir = _pg_bindir()
    if bindir is None:
        _missing("PostgreSQL server binaries not found")
    import tempfile

    # Not under pytest's tmp dir: that is private to root, and the server runs as 'postgres'.
    top = Path(tempfile.mkdtemp(prefix="hotline-pg-"))
    os.chmod(top, 0o755)
    datadir = top / "data"
    datadir.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root: run it as the 'postgres' system user.
        if subprocess.run(["id", "postgres"], capture_output=True).returncode != 0:
            _missing("running as root but no 'postgres' user exists to run the server")
        shutil.chown(datadir, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(datadir), "-U", "hotline", "--auth=trust",
                    "-E", "UTF8", "--no-locale"], check=True, capture_output=True, timeout=120)
    port = free_port()
    proc = subprocess.Popen(
        [*as_user, str(bindir / "postgres"), "-D", str(datadir), "-p", str(port), "-k", str(datadir),
         "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=200"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    import psycopg

    deadline = time.monotonic() + 60
    while True:
        try:
            with psycopg.connect(f"host=127.0.0.1 port={port} user=hotline dbname=postgres", connect_timeout=2):
                break
        except psycopg.OperationalError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("PostgreSQL did not start")
            time.sleep(0.2)
    yield port
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    shutil.rmtree(top, ignore_errors=True)


def _new_postgres_db(port: int) -> str:
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(f"host=127.0.0.1 port={port} user=hotline dbname=postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://hotline@127.0.0.1:{port}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hotline.db'}"
    port = request.getfixturevalue("postgres_server")
    return _new_postgres_db(port)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'hotline.db'}"

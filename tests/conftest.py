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

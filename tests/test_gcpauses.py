"""The garbage-collector pause timer: real collections, timed and reported by generation."""

from __future__ import annotations

import gc

from hotline.gcpauses import GcPauses


def test_collections_are_timed_by_generation():
    seen: list[tuple[int, float]] = []
    pauses = GcPauses(lambda gen, s: seen.append((gen, s)))
    pauses.install()
    try:
        pauses.install()  # twice is once
        gc.collect(0)
        assert len(seen) == 1
        gc.collect(2)
    finally:
        pauses.uninstall()
    gens = [g for g, _ in seen]
    assert 0 in gens and 2 in gens
    assert all(0.0 <= s < 5.0 for _, s in seen)
    n = len(seen)
    gc.collect()
    assert len(seen) == n  # uninstalled: no more reports

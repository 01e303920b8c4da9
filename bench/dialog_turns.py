"""Benchmark: whole dialog turns (matcher + manager + answer composition) over the
full catalogue (seed + national import when ../shared is present).

    python bench/dialog_turns.py [--catalogue DIR] [--turns N]"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

from dialog.evaluation import DEFAULT_CASES, build_catalogue, load_cases
from dialog.manager import default_menu
from dialog.matcher import Matcher

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dichvucong"


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--catalogue", type=Path, default=SHARED if SHARED.is_dir() else None)
    ap.add_argument("--turns", type=int, default=2000)
    args = ap.parse_args()

    records = build_catalogue(args.catalogue)
    catalogue = {r.code: r for r in records}
    t = time.perf_counter()
    matcher = Matcher(records)
    build_s = time.perf_counter() - t
    t = time.perf_counter()
    menu = default_menu(catalogue)
    menu_s = time.perf_counter() - t

    from dialog.manager import DialogManager

    texts = [c.text for c in load_cases(DEFAULT_CASES)]
    rng = random.Random(7)
    first, follow, create = [], [], []
    for _ in range(args.turns // 2):
        t0 = time.perf_counter()
        manager = DialogManager(catalogue, matcher, menu=menu)
        manager.start()
        t1 = time.perf_counter()
        manager.handle(rng.choice(texts))
        t2 = time.perf_counter()
        manager.handle(None, digits=rng.choice("123"))
        t3 = time.perf_counter()
        create.append((t1 - t0) * 1000)
        first.append((t2 - t1) * 1000)
        follow.append((t3 - t2) * 1000)
    print(f"catalogue: {len(records)} records; matcher build {build_s:.2f} s; keypad menu {menu_s * 1000:.0f} ms")
    print(f"new conversation + greeting: p50 {statistics.median(create):.2f} ms  p99 {pct(create, .99):.2f} ms")
    print(f"question turn (match + answer): p50 {statistics.median(first):.2f} ms  p99 {pct(first, .99):.2f} ms")
    print(f"keypad turn:                    p50 {statistics.median(follow):.2f} ms  p99 {pct(follow, .99):.2f} ms")


if __name__ == "__main__":
    main()

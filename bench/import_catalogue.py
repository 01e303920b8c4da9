"""Benchmark: import the whole national catalogue into a fresh database.

    python bench/import_catalogue.py [PATH] [--database-url URL]

Prints parse time, database time, and what the import found."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from hotline.database import open_database
from knowledge.importer import import_path, iter_files, read_file
from knowledge.store import ProcedureStore

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dichvucong"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("path", nargs="?", default=str(DEFAULT))
    ap.add_argument("--database-url")
    args = ap.parse_args()
    path = Path(args.path)
    if not path.exists():
        raise SystemExit(f"catalogue not found at {path}")

    t = time.perf_counter()
    n = sum(len(read_file(f)) for f in iter_files(path))
    parse_s = time.perf_counter() - t

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        db = open_database(url)
        store = ProcedureStore(db.sessions)
        first = import_path(store, path)
        second = import_path(store, path)
        db.dispose()
    print(f"records: {n}  (parse only: {parse_s:.2f} s, {1000 * parse_s / max(n, 1):.2f} ms/record)")
    print(f"first import (parse + insert): {first.seconds:.2f} s  -> {first.imported} imported, "
          f"{first.flagged} flagged, {len(first.skipped)} skipped")
    print(f"re-import (parse + compare):   {second.seconds:.2f} s  -> {second.unchanged} unchanged, "
          f"{second.updated} updated")
    print(f"channel rows: {first.channels_parsed}, with days: {first.times_parsed}, with fee amount: "
          f"{first.fees_parsed}")
    print("flags:", ", ".join(f"{k} {v}" for k, v in first.by_flag.items()))


if __name__ == "__main__":
    main()

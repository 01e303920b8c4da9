"""Parse the whole national catalogue (and the structured export) and print
what was read: speed, flags per reason, channel rows, times and fees read to
numbers vs left as text.

    .venv/bin/python bench/parse_catalogue.py [--shared ../shared] [--show FLAG]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.formats import RecordFormatError, parse_record  # noqa: E402
from knowledge.parsing.durations import is_no_limit  # noqa: E402
from knowledge.records import ProcedureRecord  # noqa: E402


def load(paths: list[Path]) -> list[tuple[Path, object]]:
    return [(p, json.loads(p.read_text(encoding="utf-8"))) for p in paths]


def measure(label: str, objects: list[tuple[Path, object]], show: str | None) -> None:
    records: list[ProcedureRecord] = []
    errors: Counter[str] = Counter()
    start = time.perf_counter()
    for _path, obj in objects:
        try:
            records.append(parse_record(obj))
        except RecordFormatError as exc:
            errors[exc.reason] += 1
    elapsed = time.perf_counter() - start
    n = len(objects)
    print(f"\n== {label}: {n} records")
    print(f"parse time        {elapsed:.2f} s total, {1000 * elapsed / max(n, 1):.2f} ms/record")
    print(f"format errors     {sum(errors.values())} {dict(errors) if errors else ''}")

    flags = Counter(f for r in records for f in r.flags)
    flagged = sum(1 for r in records if r.flags)
    print(f"flagged records   {flagged} ({100 * flagged / max(n, 1):.1f} %)")
    for flag, count in flags.most_common():
        print(f"  {flag:<26}{count}")

    rows = [c for r in records for c in r.channels]
    kinds = Counter(c.channel for c in rows)
    print(f"channel rows      {len(rows)} {dict(kinds)}; records without channels: "
          f"{sum(1 for r in records if not r.channels)}")
    t = Counter()
    for c in rows:
        if c.days is not None and c.day_kind:
            t[f"number ({c.day_kind})"] += 1
        elif c.days is not None:
            t["number, unit missing"] += 1
        elif not c.time_text and c.fee_text[:1].isdigit() and c.fee_vnd is None:
            t["glued to the fee, ambiguous"] += 1
        elif not c.time_text:
            t["empty (source has none)"] += 1
        elif c.time_text == "0":
            t["zero (kept as text)"] += 1
        elif is_no_limit(c.time_text):
            t["'không quy định' (no limit)"] += 1
        elif c.time_text.split()[-1] in ("tháng", "năm"):
            t["months/years (no day count)"] += 1
        else:
            t["left as text"] += 1
    print("times")
    for k, v in t.most_common():
        print(f"  {k:<30}{v:>6} ({100 * v / max(len(rows), 1):.1f} %)")
    f = Counter()
    for c in rows:
        if c.fee_vnd == 0:
            f["free (0 đ)"] += 1
        elif c.fee_vnd is not None:
            f["amount in đồng"] += 1
        elif not c.fee_text:
            f["empty (source has none)"] += 1
        elif not c.time_text and c.fee_text[:1].isdigit():
            f["glued to the time, ambiguous"] += 1
        elif "USD" in c.fee_text or "EUR" in c.fee_text:
            f["foreign currency (kept as text)"] += 1
        else:
            f["left as text"] += 1
    print("fees")
    for k, v in f.most_common():
        print(f"  {k:<30}{v:>6} ({100 * v / max(len(rows), 1):.1f} %)")
    docs = [d for r in records for d in r.documents]
    print(f"documents         {len(docs)} rows, {sum(1 for d in docs if d.form)} with a form, "
          f"{sum(1 for d in docs if d.copies)} with copies, {sum(1 for d in docs if d.group)} in a named group")
    print(f"steps             {sum(len(r.steps) for r in records)} "
          f"(records without: {sum(1 for r in records if not r.steps)})")
    print(f"legal basis       {sum(len(r.legal_basis) for r in records)} entries")
    if show:
        for r in records:
            if show in r.flags:
                key = next(iter(r.raw), "")
                print(f"  {show}: {r.code} {r.raw.get(key, '')[:160]!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--show", help="print the records carrying this flag")
    args = parser.parse_args(argv)
    data = args.shared / "data"
    portal = sorted((data / "dichvucong").glob("*/*.json"))
    if not portal:
        print(f"no catalogue under {data / 'dichvucong'}", file=sys.stderr)
        return 1
    measure("national portal crawl (dichvucong)", load(portal), args.show)
    for sub in ("extracted_fixed", "extracted"):
        files = sorted((data / "dichvucong-extra" / "bqp_structured" / "data" / sub).glob("*.json"))
        if files:
            measure(f"structured export (bqp_structured/{sub})", load(files), args.show)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

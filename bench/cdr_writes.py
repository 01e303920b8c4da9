"""Call-record write throughput and lag of the background writer (hotline/callrecords.py).

N calls x T turns: each call queues start, answered, T turns and end (T + 3 operations),
interleaved like concurrent calls. Two loads, each against a fresh database:

- burst: everything queued at once; operations/s until the last one is committed;
- paced: the same operations spread evenly over --seconds (like N calls in progress);
  the lag is how long an operation waited from queued to committed (max and at the end).

The writer's CPU per operation matters beyond throughput: it is a thread of the serving
process, and while it runs Python it holds the GIL the event loop needs for RTP.

Each load runs with the batched writer (default: up to 500 operations per transaction,
every 100 ms) and, for comparison, with one transaction per operation (what the writer
did before).

    .venv/bin/python bench/cdr_writes.py [--calls 1000] [--turns 6] [--seconds 10] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hotline.callrecords import BackgroundCallRecords, CallRecords, TurnRecord  # noqa: E402
from hotline.database import open_database  # noqa: E402


def operations(calls: int, turns: int) -> list[tuple]:
    """(method, call id, argument) in an interleaved order: call k's steps spread across the run."""
    ids = [f"bench-{k:05d}" for k in range(calls)]
    steps: list[tuple] = [("start", i, None) for i in ids] + [("answered", i, None) for i in ids]
    for t in range(turns):
        code = "1.001456" if t == 2 else ""
        event = {"index": t, "decision": "match" if code else "menu", "procedure_code": code,
                 "state_after": "offer" if code else "menu", "reply": "Dạ, thủ tục cấp hộ chiếu phổ thông " * 3,
                 "candidates": [{"code": "1.001456", "name": "Cấp hộ chiếu", "score": 91.5}]}
        steps += [("turn", i, TurnRecord.from_event(event, latency_ms=120.0)) for i in ids]
    steps += [("end", i, None) for i in ids]
    return steps


def queue(w: BackgroundCallRecords, step: tuple) -> None:
    kind, call_id, arg = step
    if kind == "start":
        w.start(call_id, channel="sip", caller_hash="x" * 64)
    elif kind == "answered":
        w.answered(call_id)
    elif kind == "turn":
        w.add_turn(call_id, arg)
    else:
        w.end(call_id, cause="remote_bye", outcome="answered")


def one(url: str, steps: list[tuple], *, batched: bool, seconds: float) -> dict:
    db = open_database(url)
    records = CallRecords(db.sessions)
    w = BackgroundCallRecords(records) if batched else BackgroundCallRecords(records, interval=0.0, max_batch=1)
    t0 = time.monotonic()
    if seconds <= 0:
        for s in steps:
            queue(w, s)
    else:
        for n, s in enumerate(steps):
            due = t0 + seconds * n / len(steps)
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            queue(w, s)
    queued_s = time.monotonic() - t0
    backlog_at_end = w.pending
    w.flush(timeout=900)
    elapsed = time.monotonic() - t0
    done = w.stats.operations
    result = {
        "ops": len(steps), "written": w.stats.written, "elapsed_s": elapsed,
        "ops_per_s": done / elapsed, "lag_max_s": w.stats.lag_max_s, "backlog_at_end": backlog_at_end,
        "drain_after_last_s": elapsed - queued_s, "cpu_us_per_op": w.stats.cpu_s / max(1, done) * 1e6, "batches": w.stats.batches, "largest_batch": w.stats.largest_batch,
    }
    w.close()
    db.dispose()
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--turns", type=int, default=6)
    ap.add_argument("--seconds", type=float, default=10.0, help="spread of the paced load")
    ap.add_argument("--database-url", default="", help="default: a fresh SQLite file per run")
    args = ap.parse_args()
    steps = operations(args.calls, args.turns)
    print(f"{args.calls} calls x {args.turns} turns = {len(steps)} operations; load average {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="hotline-cdr-") as tmp:
        for load, seconds in (("burst", 0.0), ("paced", args.seconds)):
            for batched in (True, False):
                if args.database_url:
                    url = args.database_url  # reused: ids must be fresh
                    steps = [(k, f"{i}-{load}-{batched}", a) for k, i, a in operations(args.calls, args.turns)]
                else:
                    url = f"sqlite:///{tmp}/{load}-{batched}.db"
                r = one(url, steps, batched=batched, seconds=seconds)
                name = "batched  " if batched else "per-op   "
                spread = f"queued over {seconds:.0f} s" if seconds else "queued at once"
                print(f"{load:5s} {name} ({spread}): {r['written']}/{r['ops']} written in {r['elapsed_s']:.1f} s"
                      f" = {r['ops_per_s']:,.0f} ops/s; lag max "
                      f"{r['lag_max_s']:.2f} s, backlog at the last queued {r['backlog_at_end']}, drained "
                      f"{r['drain_after_last_s']:.2f} s later; {r['batches']} transactions "
                      f"(largest {r['largest_batch']}); writer CPU {r['cpu_us_per_op']:.0f} us/op", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Call records: the batched background writer against real databases (SQLite and
PostgreSQL), order per call, flush/close, and a failing batch that loses nothing good."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from datetime import datetime

import pytest
from sqlalchemy import create_engine, event

from hotline.callrecords import BackgroundCallRecords, CallRecords, TurnRecord
from hotline.database import open_database
from hotline.metrics import Metrics
from knowledge.db import make_session_factory


@pytest.fixture
def records(database_url):
    db = open_database(database_url)
    yield CallRecords(db.sessions)
    db.dispose()


def turn(index: int, code: str = "", state: str = "") -> TurnRecord:
    event = {"index": index, "decision": "match" if code else "none", "procedure_code": code,
             "state_after": state, "reply": f"reply {index}"}
    return TurnRecord.from_event(event, latency_ms=12.5)


def play_call(w: BackgroundCallRecords, call_id: str, turns: int = 3) -> None:
    w.start(call_id, channel="sip", caller_hash="h-" + call_id)
    w.answered(call_id)
    for i in range(turns):
        w.add_turn(call_id, turn(i, code="1.001456" if i == 1 else "", state="offer" if i == 1 else "menu"))
    w.end(call_id, cause="remote_bye", outcome="answered")


def test_batches_keep_each_calls_order(records):
    metrics = Metrics()
    w = BackgroundCallRecords(records, interval=0.05, metrics=metrics)
    ids = [f"call-{i:03d}" for i in range(120)]
    # Interleaved like concurrent calls: every call's operations spread over the whole queue.
    for i in ids:
        w.start(i, channel="sip", caller_hash="h")
    for i in ids:
        w.answered(i)
    for k in range(4):
        for i in ids:
            w.add_turn(i, turn(k, code="1.001456" if k == 2 else "", state="offer" if k == 2 else "menu"))
    for i in ids:
        w.end(i, cause="goodbye", outcome="answered")
    w.flush(timeout=60)
    assert w.pending == 0
    ops = 120 * 7
    assert w.stats.operations == w.stats.written == ops and w.stats.dropped == 0
    assert w.stats.batches < ops / 10, w.stats  # batched, not one transaction each
    total, rows = records.list(limit=500, channel="sip")
    assert total == 120
    for i in ids[::17]:
        cdr = records.get(i)
        assert [t["index"] for t in cdr["turns"]] == [0, 1, 2, 3]
        assert cdr["procedures"] == ["1.001456"]
        assert cdr["outcome"] == "answered" and cdr["hangup_cause"] == "goodbye"
        started, answered_at, ended = (datetime.fromisoformat(cdr[k]) for k in ("started_at", "answered_at", "ended_at"))
        assert started <= answered_at <= ended
        assert cdr["duration_s"] == pytest.approx((ended - started).total_seconds(), abs=0.002)
    assert 'hotline_cdr_lag_seconds_count' in metrics.render().decode()
    w.close()


def test_times_are_when_it_happened_not_when_written(records):
    w = BackgroundCallRecords(records, interval=0.3)
    w.start("slow", channel="sip")
    time.sleep(0.05)
    w.answered("slow")
    time.sleep(0.2)
    w.end("slow", cause="remote_bye", outcome="abandoned")
    w.close()  # close writes what is queued
    cdr = records.get("slow")
    started, answered_at, ended = (datetime.fromisoformat(cdr[k]) for k in ("started_at", "answered_at", "ended_at"))
    assert (answered_at - started).total_seconds() == pytest.approx(0.05, abs=0.04)
    assert cdr["duration_s"] == pytest.approx(0.25, abs=0.05)


def test_a_bad_operation_is_logged_and_dropped_the_rest_of_its_batch_is_kept(records, caplog):
    w = BackgroundCallRecords(records, interval=0.2)
    w.start("a", channel="sip")
    w.start("b", channel="sip")
    w.start("a", channel="sip")  # duplicate key: the whole batch's transaction fails
    w.add_turn("b", turn(0))
    w.end("a", cause="goodbye", outcome="unresolved")
    with caplog.at_level(logging.WARNING, logger="hotline.callrecords"):
        w.flush(timeout=30)
    assert w.stats.operations == 5 and w.stats.written == 4 and w.stats.dropped == 1
    assert records.get("a")["hangup_cause"] == "goodbye"
    assert [t["index"] for t in records.get("b")["turns"]] == [0]
    dropped = [r for r in caplog.records if "dropped" in r.getMessage()]
    assert len(dropped) == 1 and "start of call a" in dropped[0].getMessage()
    w.close()


def test_closed_writer_refuses_new_operations(records):
    w = BackgroundCallRecords(records)
    play_call(w, "x")
    w.close()
    assert records.get("x")["ended_at"]
    with pytest.raises(RuntimeError):
        w.start("y", channel="sip")
    w.close()  # twice is fine


def test_flush_waits_for_operations_queued_before_it_only(records):
    w = BackgroundCallRecords(records, interval=5.0)  # a long batching pause flush must cut short
    play_call(w, "first")
    t0 = time.monotonic()
    w.flush(timeout=30)
    assert time.monotonic() - t0 < 4.0
    assert records.get("first")["ended_at"]
    w.close()


def test_a_locked_database_is_waited_for_not_dropped(tmp_path):
    """SQLite held under an exclusive lock by another connection: the batch fails with
    'database is locked', is retried after a pause, and lands once the lock is gone."""
    url = f"sqlite:///{tmp_path / 'cdr.db'}"
    open_database(url).dispose()  # create the schema
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 0.05})
    event.listen(engine, "connect", lambda c, _r: c.execute("PRAGMA foreign_keys=ON"))
    records = CallRecords(make_session_factory(engine))
    w = BackgroundCallRecords(records, interval=0.01, outage_s=20, retry_pause=0.1)
    blocker = sqlite3.connect(tmp_path / "cdr.db", isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN EXCLUSIVE")
    play_call(w, "locked")
    threading.Timer(0.5, blocker.execute, ["COMMIT"]).start()
    w.flush(timeout=30)
    blocker.close()
    assert w.stats.dropped == 0
    cdr = records.get("locked")
    assert cdr["ended_at"] and len(cdr["turns"]) == 3
    w.close()
    engine.dispose()

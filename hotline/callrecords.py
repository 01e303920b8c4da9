"""Call detail records (CDRs): one row per call, one per dialog turn."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload, sessionmaker

from knowledge.db import Base
from knowledge.models import utcnow

if TYPE_CHECKING:
    from .metrics import Metrics

log = logging.getLogger(__name__)


class CallRow(Base):
    __tablename__ = "calls"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), default="sip")  # sip | text
    caller_hash: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    duration_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    hangup_cause: Mapped[str] = mapped_column(String(64), default="")
    outcome: Mapped[str] = mapped_column(String(32), default="", index=True)
    transfer_target: Mapped[str] = mapped_column(Text, default="")
    procedures: Mapped[list] = mapped_column(JSON, default=list)

    turns: Mapped[list[TurnRow]] = relationship(back_populates="call", cascade="all, delete-orphan",
                                                order_by="TurnRow.index")


class TurnRow(Base):
    __tablename__ = "call_turns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    index: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    heard_text: Mapped[str] = mapped_column(Text, default="")
    digits: Mapped[str] = mapped_column(String(32), default="")
    decision: Mapped[str] = mapped_column(String(32), default="", index=True)
    candidates: Mapped[list] = mapped_column(JSON, default=list)
    procedure_code: Mapped[str] = mapped_column(String(32), default="")
    topic: Mapped[str] = mapped_column(String(32), default="")
    reply: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(String(16), default="continue")
    asr_confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    latency_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    event: Mapped[dict] = mapped_column(JSON, default=dict)

    call: Mapped[CallRow] = relationship(back_populates="turns")


# Dialog states in which the caller is hearing about a procedure: it has been answered.
ANSWERED_STATES = frozenset({"offer", "reading"})


def answered(event: dict) -> str | None:
    """The procedure a turn answered (its summary, a topic, steps or documents), if any."""
    return _answered(event.get("procedure_code"), event.get("state_after"))


def _answered(code: str | None, state_after: str | None) -> str | None:
    return code if code and state_after in ANSWERED_STATES else None


def call_outcome(events, cause: str) -> str:
    """answered (a procedure was answered, no operator), transferred, abandoned (the caller
    left during the greeting), or unresolved. `events` are the dialog's TurnEvents."""
    if cause == "transferred" or any(e.action == "transfer" for e in events) and cause != "no_operator":
        return "transferred"
    if any(_answered(e.procedure_code, e.state_after) for e in events):
        return "answered"
    if cause in ("remote_bye", "rtp_timeout", "cancelled") and len(events) <= 1:
        return "abandoned"
    return "unresolved"


def hash_caller(number: str, key: bytes) -> str:
    """Keyed hash: the same caller is recognisable across calls, the number is not recoverable."""
    return hmac.new(key, number.encode("utf-8"), hashlib.sha256).hexdigest() if number else ""


@dataclass(slots=True)
class TurnRecord:
    index: int
    heard_text: str = ""
    digits: str = ""
    decision: str = ""
    candidates: list = field(default_factory=list)
    procedure_code: str = ""
    topic: str = ""
    reply: str = ""
    action: str = "continue"
    asr_confidence: float | None = None
    latency_ms: float | None = None
    event: dict = field(default_factory=dict)

    @classmethod
    def from_event(cls, event: dict, **extra) -> TurnRecord:
        return cls(
            index=int(event.get("index", 0)),
            heard_text=event.get("heard_text") or "",
            digits=event.get("digits") or "",
            decision=event.get("decision") or "",
            candidates=list(event.get("candidates") or []),
            procedure_code=event.get("procedure_code") or "",
            topic=event.get("topic") or "",
            reply=event.get("reply") or "",
            action=event.get("action") or "continue",
            event=event,
            **extra,
        )


@dataclass(frozen=True, slots=True)
class RecordOp:
    """One call-record write, stamped when it happened (not when it reaches the database)."""

    kind: Literal["start", "answered", "turn", "end"]
    call_id: str
    at: datetime
    channel: str = ""
    caller_hash: str = ""
    turn: TurnRecord | None = None
    cause: str = ""
    outcome: str = ""
    transfer_target: str = ""


class CallRecords:
    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory

    def start(self, call_id: str, *, channel: str, caller_hash: str = "") -> None:
        self.write([RecordOp("start", call_id, utcnow(), channel=channel, caller_hash=caller_hash)])

    def answered(self, call_id: str) -> None:
        self.write([RecordOp("answered", call_id, utcnow())])

    def add_turn(self, call_id: str, turn: TurnRecord) -> None:
        self.write([RecordOp("turn", call_id, utcnow(), turn=turn)])

    def end(self, call_id: str, *, cause: str, outcome: str, transfer_target: str = "") -> None:
        self.write([RecordOp("end", call_id, utcnow(), cause=cause, outcome=outcome,
                             transfer_target=transfer_target)])

    def write(self, ops: Sequence[RecordOp]) -> None:
        """Apply `ops` in order in one transaction: all of them or (on an error) none.

        Core statements, not ORM objects: one SELECT of the calls the batch touches, then
        one executemany each for new calls, turns and changed calls. The writer is a thread
        of the serving process, and ORM bookkeeping for hundreds of rows held the GIL long
        enough to make the event loop's RTP sends late."""
        if not ops:
            return
        calls, turns_table = CallRow.__table__, TurnRow.__table__
        with self._sessions.begin() as s:
            conn = s.connection()
            ids = list({op.call_id for op in ops if op.kind != "start"})
            known: dict[str, dict] = {}
            for i in range(0, len(ids), 500):
                result = conn.execute(select(*(calls.c[k] for k in _CALL_STATE)).where(calls.c.id.in_(ids[i:i + 500])))
                known.update((r["id"], dict(r)) for r in result.mappings())
            inserts: list[dict] = []
            turns: list[dict] = []
            changed: set[str] = set()
            new: dict[str, dict] = {}
            for op in ops:
                if op.kind == "start":
                    row = {"id": op.call_id, "channel": op.channel, "caller_hash": op.caller_hash,
                           "started_at": op.at, "answered_at": None, "ended_at": None, "duration_s": None,
                           "hangup_cause": "", "outcome": "", "transfer_target": "", "procedures": []}
                    inserts.append(row)  # a second start of one id fails the insert, as it should
                    new.setdefault(op.call_id, row)
                    continue
                row = new.get(op.call_id) or known.get(op.call_id)
                if row is None:  # its start was refused (logged then); nothing to attach this to
                    continue
                if _apply(row, op, turns) and op.call_id not in new:
                    changed.add(op.call_id)
            if inserts:
                conn.execute(insert(calls), inserts)
            if turns:
                conn.execute(insert(turns_table), turns)
            if changed:
                stmt = (update(calls).where(calls.c.id == bindparam("_id"))
                        .values({k: bindparam(k) for k in _CALL_STATE if k not in ("id", "started_at")}))
                conn.execute(stmt, [{"_id": i, **{k: v for k, v in known[i].items() if k not in ("id", "started_at")}}
                                    for i in changed])

    def get(self, call_id: str) -> dict | None:
        with self._sessions() as s:
            row = s.scalar(select(CallRow).where(CallRow.id == call_id).options(selectinload(CallRow.turns)))
            return None if row is None else _call_dict(row, turns=True)

    def list(self, *, limit: int = 50, offset: int = 0, outcome: str | None = None,
             channel: str | None = None) -> tuple[int, list[dict]]:
        stmt = select(CallRow)
        if outcome:
            stmt = stmt.where(CallRow.outcome == outcome)
        if channel:
            stmt = stmt.where(CallRow.channel == channel)
        with self._sessions() as s:
            total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
            rows = s.scalars(stmt.order_by(CallRow.started_at.desc()).limit(limit).offset(offset))
            return total, [_call_dict(r, turns=False) for r in rows]


# What a batch reads and rewrites of a call's row.
_CALL_STATE = ("id", "started_at", "answered_at", "ended_at", "duration_s", "hangup_cause", "outcome",
               "transfer_target", "procedures")
_TURN_FIELDS = TurnRecord.__slots__


def _apply(row: dict, op: RecordOp, turns: list[dict]) -> bool:
    """Apply one operation to a call's row (as a dict); a turn also goes to `turns`.
    Returns whether the row changed."""
    if op.kind == "answered":
        row["answered_at"] = op.at
        return True
    if op.kind == "turn":
        turn = op.turn
        assert turn is not None
        turns.append({"call_id": op.call_id, "at": op.at, **{k: getattr(turn, k) for k in _TURN_FIELDS}})
        code = answered(turn.event)
        procedures = row["procedures"] or []
        if code and code not in procedures:
            row["procedures"] = [*procedures, code]
            return True
        return False
    if op.kind == "end":
        if row["ended_at"] is not None:
            return False
        started = row["started_at"]
        started = started if started.tzinfo else started.replace(tzinfo=op.at.tzinfo)
        row.update(ended_at=op.at, duration_s=round((op.at - started).total_seconds(), 3), hangup_cause=op.cause,
                   outcome=op.outcome, transfer_target=op.transfer_target)
        return True
    raise ValueError(f"unknown call record operation {op.kind!r}")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _call_dict(row: CallRow, *, turns: bool) -> dict:
    d = {
        "id": row.id, "channel": row.channel, "caller_hash": row.caller_hash,
        "started_at": _iso(row.started_at), "answered_at": _iso(row.answered_at), "ended_at": _iso(row.ended_at),
        "duration_s": row.duration_s, "hangup_cause": row.hangup_cause, "outcome": row.outcome,
        "transfer_target": row.transfer_target, "procedures": list(row.procedures or []),
    }
    if turns:
        d["turns"] = [
            {k: getattr(t, k) for k in TurnRecord.__slots__} | {"at": _iso(t.at)} for t in row.turns
        ]
    return d


class BackgroundCallRecords:
    """CallRecords writes off the event loop: a call never waits for the database, and a
    database hiccup is logged instead of ending the call.

    Operations go on a queue (a deque append: cheap on the event loop) and one writer
    thread commits them in batches, in order (so in order per call): everything queued,
    up to `max_batch` operations, in one transaction, at most every `interval` seconds.
    One transaction per operation capped the writer at a few hundred operations a second
    on SQLite and let records lag minutes behind a thousand calls. A batch that fails
    because the database is unreachable or locked is retried with back-off for up to
    `outage_s`; one that fails otherwise (or still fails then) is written one operation
    at a time, so one bad row is logged and dropped, not the batch around it."""

    def __init__(self, records: CallRecords, *, interval: float = 0.1, max_batch: int = 500,
                 outage_s: float = 300.0, retry_pause: float = 0.25, metrics: Metrics | None = None) -> None:
        self.records = records
        self.interval = interval
        self.max_batch = max_batch
        self.outage_s = outage_s  # how long an unreachable or locked database is waited for
        self.retry_pause = retry_pause
        self.metrics = metrics
        self.stats = WriterStats()
        self._queue: deque[tuple[RecordOp, float]] = deque()
        self._wake = threading.Event()  # something was queued
        self._urgent = threading.Event()  # flush() or close(): no batching pause
        self._seq = itertools.count(1)
        self._done = threading.Condition()
        self._queued = 0  # operations accepted (sequence number of the last one)
        self._settled = 0  # operations written or given up on, in queue order
        self._flushing = 0  # flush() callers waiting: write without the batching pause
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="cdr-writer", daemon=True)
        self._thread.start()

    # ---- the interface of CallRecords, queued ----------------------------------
    def start(self, call_id: str, *, channel: str, caller_hash: str = "") -> None:
        self._put(RecordOp("start", call_id, utcnow(), channel=channel, caller_hash=caller_hash))

    def answered(self, call_id: str) -> None:
        self._put(RecordOp("answered", call_id, utcnow()))

    def add_turn(self, call_id: str, turn: TurnRecord) -> None:
        self._put(RecordOp("turn", call_id, utcnow(), turn=turn))

    def end(self, call_id: str, *, cause: str, outcome: str, transfer_target: str = "") -> None:
        self._put(RecordOp("end", call_id, utcnow(), cause=cause, outcome=outcome, transfer_target=transfer_target))

    def _put(self, op: RecordOp) -> None:
        if self._closed:
            raise RuntimeError("call records are closed")
        self._queue.append((op, time.monotonic()))
        self._queued = next(self._seq)  # atomic, whichever thread queues
        if self.metrics is not None:
            self.metrics.cdr_queue.set(len(self._queue))
        self._wake.set()

    @property
    def pending(self) -> int:
        """Operations not yet written."""
        return self._queued - self._settled

    def flush(self, timeout: float = 30.0) -> None:
        """Wait until every operation queued so far is written (or given up on and logged).
        Raises TimeoutError after `timeout` seconds."""
        target = self._queued
        deadline = time.monotonic() + timeout
        with self._done:
            self._flushing += 1
            self._urgent.set()
            try:
                while self._settled < target:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or not self._thread.is_alive():
                        raise TimeoutError(f"{target - self._settled} call-record operations not written")
                    self._done.wait(min(remaining, 0.5))
            finally:
                self._flushing -= 1

    def close(self, timeout: float = 60.0) -> None:
        """Write what is queued and stop the writer; later operations raise RuntimeError."""
        if self._closed:
            return
        self._closed = True
        self._urgent.set()
        self._wake.set()
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.error("call-record writer still busy after %.0f s; %d operations unwritten", timeout, self.pending)

    # ---- the writer thread ----------------------------------------------------
    def _run(self) -> None:
        last = 0.0
        while True:
            if not self._queue:
                if self._closed:
                    return
                self._wake.wait()
                self._wake.clear()  # cleared after waking: an append after the check sets it again
                continue
            # Let a batch gather, unless it is full already or someone waits for it.
            pause = last + self.interval - time.monotonic()
            if pause > 0 and len(self._queue) < self.max_batch and not self._flushing and not self._closed:
                self._urgent.wait(pause)
            self._urgent.clear()
            batch: list[tuple[RecordOp, float]] = []
            while self._queue and len(batch) < self.max_batch:
                batch.append(self._queue.popleft())
            last = time.monotonic()
            self._write(batch)

    def _write(self, batch: list[tuple[RecordOp, float]]) -> None:
        ops = [op for op, _ in batch]
        started, cpu = time.monotonic(), time.thread_time()
        written = self._write_batch(ops)
        now = time.monotonic()
        self.stats.note(len(ops), written, now - started, now - batch[0][1], time.thread_time() - cpu)
        if self.metrics is not None:
            self.metrics.cdr_lag.observe(now - batch[0][1])
            self.metrics.cdr_queue.set(len(self._queue))
        with self._done:
            self._settled += len(ops)
            self._done.notify_all()

    def _write_batch(self, ops: list[RecordOp]) -> int:
        """Returns the number of operations written."""
        give_up = time.monotonic() + self.outage_s
        pause = self.retry_pause
        while True:
            try:
                self.records.write(ops)
                return len(ops)
            except OperationalError as exc:  # the database is away or locked: worth waiting for
                if time.monotonic() + pause > give_up:
                    log.error("call-record batch of %d still failing after %.0f s (%s); writing one by one",
                              len(ops), self.outage_s, exc)
                    break
                log.warning("call-record batch of %d failed (%s); retrying in %.1f s", len(ops), exc, pause)
                time.sleep(pause)
                pause = min(pause * 2, 5.0)
            except Exception as exc:
                log.warning("call-record batch of %d failed (%s); writing one by one", len(ops), exc)
                break
        written = 0
        for op in ops:
            try:
                self.records.write([op])
                written += 1
            except Exception as exc:
                log.error("call record %s of call %s dropped: %s", op.kind, op.call_id, exc)
        return written


@dataclass(slots=True)
class WriterStats:
    """What the background writer did, for benchmarks and the metrics."""

    operations: int = 0
    written: int = 0
    batches: int = 0
    largest_batch: int = 0
    write_s: float = 0.0  # time spent in transactions
    cpu_s: float = 0.0  # CPU time of the writer thread in them (mostly holding the GIL)
    lag_max_s: float = 0.0  # longest wait of an operation from queued to committed

    def note(self, ops: int, written: int, write_s: float, lag_s: float, cpu_s: float = 0.0) -> None:
        self.operations += ops
        self.written += written
        self.batches += 1
        self.largest_batch = max(self.largest_batch, ops)
        self.write_s += write_s
        self.cpu_s += cpu_s
        self.lag_max_s = max(self.lag_max_s, lag_s)

    @property
    def dropped(self) -> int:
        return self.operations - self.written

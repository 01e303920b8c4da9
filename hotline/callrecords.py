"""Call detail records (CDRs): one row per call, one per dialog turn."""

from __future__ import annotations

import hashlib
import hmac
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload, sessionmaker

from knowledge.db import Base
from knowledge.models import utcnow

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


class CallRecords:
    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory

    def start(self, call_id: str, *, channel: str, caller_hash: str = "") -> None:
        with self._sessions.begin() as s:
            s.add(CallRow(id=call_id, channel=channel, caller_hash=caller_hash))

    def answered(self, call_id: str) -> None:
        with self._sessions.begin() as s:
            row = s.get(CallRow, call_id)
            if row is not None:
                row.answered_at = utcnow()

    def add_turn(self, call_id: str, turn: TurnRecord) -> None:
        with self._sessions.begin() as s:
            row = s.get(CallRow, call_id)
            if row is None:
                return
            s.add(TurnRow(call_id=call_id, **{k: getattr(turn, k) for k in TurnRecord.__slots__}))
            code = answered(turn.event)
            if code and code not in (row.procedures or []):
                row.procedures = [*(row.procedures or []), code]

    def end(self, call_id: str, *, cause: str, outcome: str, transfer_target: str = "") -> None:
        with self._sessions.begin() as s:
            row = s.get(CallRow, call_id)
            if row is None or row.ended_at is not None:
                return
            now = utcnow()
            row.ended_at = now
            started = row.started_at if row.started_at.tzinfo else row.started_at.replace(tzinfo=now.tzinfo)
            row.duration_s = round((now - started).total_seconds(), 3)
            row.hangup_cause = cause
            row.outcome = outcome
            row.transfer_target = transfer_target

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
    """CallRecords writes off the event loop, in order, on one thread: a call never waits
    for the database, and a database hiccup is logged instead of ending the call."""

    def __init__(self, records: CallRecords) -> None:
        self.records = records
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="cdr")

    def _submit(self, fn, *args, **kwargs):
        future = self._pool.submit(fn, *args, **kwargs)
        future.add_done_callback(self._report)
        return future

    def _report(self, future) -> None:
        exc = future.exception()
        if exc is not None:
            log.error("call record write failed: %s", exc)

    def start(self, call_id: str, *, channel: str, caller_hash: str = ""):
        return self._submit(self.records.start, call_id, channel=channel, caller_hash=caller_hash)

    def answered(self, call_id: str):
        return self._submit(self.records.answered, call_id)

    def add_turn(self, call_id: str, turn: TurnRecord):
        return self._submit(self.records.add_turn, call_id, turn)

    def end(self, call_id: str, *, cause: str, outcome: str, transfer_target: str = ""):
        return self._submit(self.records.end, call_id, cause=cause, outcome=outcome, transfer_target=transfer_target)

    def flush(self, timeout: float = 30.0) -> None:
        """Wait for every write submitted so far."""
        self._pool.submit(lambda: None).result(timeout)

    def close(self) -> None:
        self._pool.shutdown(wait=True)

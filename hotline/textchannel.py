"""The text channel: one-shot questions and turn-by-turn sessions over the same
dialog manager a phone call uses."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

from dialog.manager import DialogManager, Turn

from .brain import Brain, Snapshot
from .callrecords import CallRecords, TurnRecord, call_outcome


def ask(snapshot: Snapshot, text: str, *, operator_available: bool = False) -> dict:
    """One turn against the current catalogue, as `hotline ask --json` and POST /api/v1/ask print it."""
    result = snapshot.matcher.match(text)
    manager = snapshot.conversation(operator_available=operator_available)
    manager.start()
    turn = manager.handle(text)
    top = result.procedure
    return {
        "action": result.action,
        "procedure": None if top is None else {"code": top.code, "name": top.name},
        "candidates": [{"code": c.code, "name": c.name, "score": round(c.score, 4)} for c in result.candidates],
        "topic": result.topic,
        "reply": turn.reply,
    }


def turn_to_dict(turn: Turn) -> dict:
    return {
        "reply": turn.reply,
        "action": turn.action,
        "expects": turn.expects,
        "segments": [{"key": s.key, "text": s.text} for s in turn.segments],
        "event": turn.event.to_dict(),
    }


@dataclass(slots=True)
class _Session:
    manager: DialogManager
    lock: threading.Lock = field(default_factory=threading.Lock)
    touched: float = field(default_factory=time.monotonic)


class SessionLimit(Exception):
    pass


class SessionRegistry:
    """In-memory text sessions of this process, expiring after `idle_s` without a turn."""

    def __init__(self, brain: Brain, *, records: CallRecords | None = None, idle_s: float = 900.0,
                 max_sessions: int = 10_000, operator_available: bool = False) -> None:
        self._brain = brain
        self._records = records
        self._idle_s = idle_s
        self._max = max_sessions
        self._operator = operator_available
        self._sessions: dict[str, _Session] = {}
        self._lock = threading.Lock()

    def create(self) -> tuple[str, Turn]:
        snap = self._brain.snapshot()
        manager = snap.conversation(operator_available=self._operator)
        turn = manager.start()
        with self._lock:
            self._expire()
            if len(self._sessions) >= self._max:
                raise SessionLimit(f"too many open sessions ({self._max})")
            sid = "text-" + secrets.token_urlsafe(12)
            self._sessions[sid] = _Session(manager)
        if self._records:
            self._records.start(sid, channel="text")
            self._records.add_turn(sid, TurnRecord.from_event(turn.event.to_dict()))
        return sid, turn

    def turn(self, sid: str, text: str | None, digits: str | None) -> Turn | None:
        with self._lock:
            self._expire()
            session = self._sessions.get(sid)
        if session is None:
            return None
        with session.lock:
            session.touched = time.monotonic()
            turn = session.manager.handle(text, digits=digits)
            if self._records:
                self._records.add_turn(sid, TurnRecord.from_event(turn.event.to_dict()))
            if session.manager.finished or turn.action != "continue":
                with self._lock:
                    self._sessions.pop(sid, None)
                self._end(sid, session, "transfer" if turn.action == "transfer" else "goodbye")
            return turn

    def close(self, sid: str) -> bool:
        with self._lock:
            session = self._sessions.pop(sid, None)
        if session is not None:
            self._end(sid, session, "closed_by_client")
        return session is not None

    def _end(self, sid: str, session: _Session, cause: str) -> None:
        if self._records:
            self._records.end(sid, cause=cause, outcome=call_outcome(session.manager.events, cause))

    def __len__(self) -> int:
        return len(self._sessions)

    def _expire(self) -> None:
        cutoff = time.monotonic() - self._idle_s
        for sid in [k for k, s in self._sessions.items() if s.touched < cutoff]:
            self._end(sid, self._sessions.pop(sid), "idle_timeout")

"""The review queue: what callers said that the hotline did not understand.

Utterances come from recorded call turns that ended in ``no_match``, a
confirmation the caller rejected, repeated reprompts, or a request for the
operator. They are normalised, grouped by similarity (rapidfuzz) and counted,
so staff see "23 callers said something like X" once. Staff attach a group as
an alias of the right procedure or dismiss it; the decision is stored per
normalised text, so the same phrasing never comes back.

Pure grouping (:func:`collect`, :func:`group_utterances`) is separate from the
database (:class:`ReviewQueue`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rapidfuzz import fuzz
from sqlalchemy import DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, selectinload, sessionmaker

from dialog.normalize import normalize
from knowledge.db import Base
from knowledge.models import utcnow

from .callrecords import CallRow, TurnRow

REASONS_VI = {
    "no_match": "không hiểu",
    "rejected_confirm": "từ chối xác nhận",
    "reprompt": "hỏi lại nhiều lần",
    "operator": "xin gặp tổng đài viên",
}
SIMILARITY = 80.0  # rapidfuzz token_sort_ratio: same words in any order, small ASR slips
REPROMPTS = 2  # a turn reached after this many reprompts is a struggle worth reviewing
MAX_TEXT = 200
# Decisions after which the caller's words were understood; not review material.
_UNDERSTOOD = frozenset({"answer", "topic", "yes", "choose", "repeat", "slower", "goodbye", "another", "menu",
                         "menu_group", "menu_page"})


class ReviewDecision(Base):
    """A staff decision on one normalised phrasing."""

    __tablename__ = "review_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text_norm: Mapped[str] = mapped_column(String(MAX_TEXT), unique=True, index=True)
    status: Mapped[str] = mapped_column(String(16))  # accepted | dismissed
    procedure_code: Mapped[str] = mapped_column(String(32), default="")
    alias: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(100), default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@dataclass(frozen=True, slots=True)
class TurnView:
    """The fields of a recorded turn the review queue reads."""

    index: int
    heard_text: str
    decision: str
    action: str = "continue"
    reprompt_count: int = 0
    top_code: str = ""
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Utterance:
    text: str  # as heard
    norm: str
    call_id: str
    reason: str  # a key of REASONS_VI
    top_code: str = ""  # the matcher's best guess at the time, if any
    at: datetime | None = None


@dataclass(slots=True)
class Group:
    key: str  # the normalised text of the most frequent member: the group's identity in forms
    count: int = 0  # utterances
    calls: set[str] = field(default_factory=set)
    texts: Counter[str] = field(default_factory=Counter)  # normalised text -> count
    reasons: Counter[str] = field(default_factory=Counter)
    guesses: Counter[str] = field(default_factory=Counter)  # matcher's top code -> count
    last_at: datetime | None = None

    @property
    def members(self) -> list[str]:
        return [t for t, _ in self.texts.most_common()]

    @property
    def suggested_code(self) -> str:
        return self.guesses.most_common(1)[0][0] if self.guesses else ""


def collect(call_id: str, turns: Sequence[TurnView]) -> list[Utterance]:
    """The review-worthy utterances of one call, each text at most once per call."""
    out: dict[str, Utterance] = {}

    def add(turn: TurnView, reason: str) -> None:
        norm = normalize(turn.heard_text)[:MAX_TEXT]
        if norm and norm not in out:
            out[norm] = Utterance(turn.heard_text.strip(), norm, call_id, reason, turn.top_code, turn.at)

    ordered = sorted(turns, key=lambda t: t.index)
    for i, turn in enumerate(ordered):
        prev = ordered[i - 1] if i else None
        if turn.decision == "no_match" and turn.heard_text.strip():
            add(turn, "reprompt" if turn.reprompt_count >= REPROMPTS else "no_match")
        elif turn.decision == "no" and prev is not None and prev.decision == "confirm" and prev.heard_text.strip():
            add(prev, "rejected_confirm")
        elif turn.decision == "operator" or turn.action == "transfer":
            # The operator request itself ("cho gặp nhân viên") teaches nothing; the question
            # the hotline failed on just before it does.
            for earlier in reversed(ordered[:i]):
                if earlier.heard_text.strip() and earlier.decision not in _UNDERSTOOD and earlier.decision != "operator":
                    add(earlier, "operator")
                    break
        elif turn.reprompt_count >= REPROMPTS and turn.heard_text.strip() and turn.decision not in _UNDERSTOOD:
            add(turn, "reprompt")
    return list(out.values())


def group_utterances(utterances: Iterable[Utterance], *, threshold: float = SIMILARITY) -> list[Group]:
    """Greedy leader clustering: the most frequent phrasings found groups, the rest join
    the first group whose leader they resemble. Largest groups first."""
    by_norm: dict[str, list[Utterance]] = {}
    for u in utterances:
        by_norm.setdefault(u.norm, []).append(u)
    groups: list[Group] = []
    leaders: list[str] = []
    for norm, items in sorted(by_norm.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        target = None
        for g, leader in zip(groups, leaders, strict=True):
            if fuzz.token_sort_ratio(norm, leader) >= threshold:
                target = g
                break
        if target is None:
            target = Group(key=norm)
            groups.append(target)
            leaders.append(norm)
        for u in items:
            target.count += 1
            target.calls.add(u.call_id)
            target.texts[norm] += 1
            target.reasons[u.reason] += 1
            if u.top_code:
                target.guesses[u.top_code] += 1
            if u.at is not None and (target.last_at is None or u.at > target.last_at):
                target.last_at = u.at
    groups.sort(key=lambda g: (-g.count, g.key))
    return groups


class ReviewError(Exception):
    pass


class ReviewQueue:
    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory

    def utterances(self, *, days: int = 30, max_calls: int = 5000) -> list[Utterance]:
        """Review-worthy utterances of the latest calls, without phrasings already decided."""
        since = utcnow() - timedelta(days=days)
        with self._sessions() as s:
            decided = set(s.scalars(select(ReviewDecision.text_norm)))
            calls = s.scalars(
                select(CallRow).where(CallRow.started_at >= since).order_by(CallRow.started_at.desc())
                .limit(max_calls).options(selectinload(CallRow.turns))
            )
            found: list[Utterance] = []
            for call in calls:
                found.extend(collect(call.id, [_view(t) for t in call.turns]))
        return [u for u in found if u.norm not in decided]

    def groups(self, *, days: int = 30, threshold: float = SIMILARITY) -> list[Group]:
        return group_utterances(self.utterances(days=days), threshold=threshold)

    def find(self, key: str, *, days: int = 30) -> Group | None:
        """The group holding the phrasing ``key`` (its leader may have changed since the page was shown)."""
        norm = normalize(key)[:MAX_TEXT]
        return next((g for g in self.groups(days=days) if norm in g.texts), None)

    def decide(self, texts: Iterable[str], *, status: str, actor: str, code: str = "", alias: str = "") -> int:
        """Record a decision for every normalised text of a group; returns texts recorded."""
        if status not in ("accepted", "dismissed"):
            raise ReviewError("status must be accepted or dismissed")
        norms = list(dict.fromkeys(normalize(t)[:MAX_TEXT] for t in texts if normalize(t)))
        with self._sessions.begin() as s:
            existing = {d.text_norm: d for d in s.scalars(select(ReviewDecision).where(ReviewDecision.text_norm.in_(norms)))}
            for norm in norms:
                row = existing.get(norm) or ReviewDecision(text_norm=norm)
                row.status, row.procedure_code, row.alias, row.actor, row.at = status, code, alias, actor, utcnow()
                s.add(row)
        return len(norms)

    def decisions(self, *, limit: int = 50) -> list[dict]:
        with self._sessions() as s:
            rows = s.scalars(select(ReviewDecision).order_by(ReviewDecision.at.desc(), ReviewDecision.id.desc()).limit(limit))
            return [{"text": r.text_norm, "status": r.status, "code": r.procedure_code, "alias": r.alias,
                     "actor": r.actor, "at": r.at} for r in rows]

    def undo(self, text_norm: str) -> bool:
        """Put a dismissed phrasing back in the queue."""
        with self._sessions.begin() as s:
            row = s.scalar(select(ReviewDecision).where(ReviewDecision.text_norm == text_norm))
            if row is None:
                return False
            s.delete(row)
            return True


def _view(t: TurnRow) -> TurnView:
    event = t.event or {}
    cands = t.candidates or []
    top = cands[0].get("code", "") if cands and isinstance(cands[0], dict) else ""
    return TurnView(index=t.index, heard_text=t.heard_text or "", decision=t.decision or "", action=t.action or "",
                    reprompt_count=int(event.get("reprompt_count") or 0), top_code=top, at=t.at)

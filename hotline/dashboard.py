"""Dashboard figures from the call records: volume, concurrency, containment,
transfers, top procedures, unmatched rate and voice-to-voice latency.

:func:`compute` is pure (rows in, figures out); :func:`load` reads the rows of a
time window from the database. Hour buckets are computed in Python so that the
same code runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from .callrecords import CallRow, TurnRow

PERCENTILES = (50, 90, 95, 99)


@dataclass(frozen=True, slots=True)
class CallView:
    id: str
    channel: str
    started_at: datetime
    ended_at: datetime | None
    outcome: str
    procedures: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TurnView:
    call_id: str
    heard_text: str
    decision: str
    latency_ms: float | None = None


@dataclass(slots=True)
class Dashboard:
    since: datetime
    until: datetime
    calls: int = 0
    per_hour: list[tuple[datetime, int]] = field(default_factory=list)
    concurrency: list[tuple[datetime, int]] = field(default_factory=list)  # (time, calls in progress) steps
    peak_concurrency: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    top_procedures: list[tuple[str, int]] = field(default_factory=list)
    utterances: int = 0  # turns with caller speech
    unmatched: int = 0
    latency_count: int = 0
    latency_ms: dict[int, float] = field(default_factory=dict)  # percentile -> ms

    @property
    def ended(self) -> int:
        return sum(self.outcomes.values())

    @property
    def answered(self) -> int:
        return self.outcomes.get("answered", 0)

    @property
    def transferred(self) -> int:
        return self.outcomes.get("transferred", 0)

    @property
    def engaged(self) -> int:
        """Ended calls that asked something (not hung up during the greeting)."""
        return self.ended - self.outcomes.get("abandoned", 0)

    @property
    def containment_rate(self) -> float | None:
        """Share of engaged calls answered without an operator."""
        return self.answered / self.engaged if self.engaged else None

    @property
    def transfer_rate(self) -> float | None:
        return self.transferred / self.engaged if self.engaged else None

    @property
    def unmatched_rate(self) -> float | None:
        return self.unmatched / self.utterances if self.utterances else None


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _hour(value: datetime) -> datetime:
    return value.replace(minute=0, second=0, microsecond=0)


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an ascending sequence (non-empty)."""
    rank = max(1, min(len(sorted_values), math.ceil(p / 100 * len(sorted_values))))
    return sorted_values[rank - 1]


def compute(calls: Iterable[CallView], turns: Iterable[TurnView], *, since: datetime, until: datetime,
            top: int = 10, max_points: int = 400) -> Dashboard:
    since, until = _utc(since), _utc(until)
    d = Dashboard(since=since, until=until)
    calls = [c for c in calls if since <= _utc(c.started_at) < until]
    d.calls = len(calls)
    hours = Counter(_hour(_utc(c.started_at)) for c in calls)
    start = _hour(since)
    d.per_hour = []
    t = start
    while t < until:
        d.per_hour.append((t, hours.get(t, 0)))
        t += timedelta(hours=1)
    # Concurrency: +1 at each start, -1 at each end; a call still open runs past `until`.
    edges: list[tuple[datetime, int]] = []
    for c in calls:
        edges.append((_utc(c.started_at), 1))
        if c.ended_at is not None and _utc(c.ended_at) < until:
            edges.append((_utc(c.ended_at), -1))
    edges.sort(key=lambda e: (e[0], e[1]))  # ends before starts at the same instant
    level = 0
    steps: list[tuple[datetime, int]] = [(since, 0)]
    for at, delta in edges:
        level += delta
        d.peak_concurrency = max(d.peak_concurrency, level)
        if steps and steps[-1][0] == at:
            steps[-1] = (at, level)
        else:
            steps.append((at, level))
    if steps[-1][0] != until:
        steps.append((until, level))
    d.concurrency = _thin(steps, max_points)
    d.outcomes = dict(Counter(c.outcome for c in calls if c.ended_at is not None and c.outcome).most_common())
    d.by_channel = dict(Counter(c.channel for c in calls).most_common())
    d.top_procedures = Counter(code for c in calls for code in c.procedures).most_common(top)
    ids = {c.id for c in calls}
    latencies: list[float] = []
    for turn in turns:
        if turn.call_id not in ids:
            continue
        if turn.heard_text.strip():
            d.utterances += 1
            if turn.decision == "no_match":
                d.unmatched += 1
        if turn.latency_ms is not None:
            latencies.append(float(turn.latency_ms))
    latencies.sort()
    d.latency_count = len(latencies)
    if latencies:
        d.latency_ms = {p: round(percentile(latencies, p), 1) for p in PERCENTILES}
    return d


def _thin(steps: list[tuple[datetime, int]], max_points: int) -> list[tuple[datetime, int]]:
    """Keep at most ``max_points`` steps for a chart, keeping each bucket's peak."""
    if len(steps) <= max_points:
        return steps
    span = (steps[-1][0] - steps[0][0]) / max_points
    out: list[tuple[datetime, int]] = []
    bucket_end = steps[0][0] + span
    peak: tuple[datetime, int] | None = None
    for s in steps:
        if s[0] >= bucket_end and peak is not None:
            out.append(peak)
            peak = None
            while s[0] >= bucket_end:
                bucket_end += span
        if peak is None or s[1] > peak[1]:
            peak = (s[0], s[1])
    if peak is not None:
        out.append(peak)
    out.append(steps[-1])
    return out


def load(session_factory: sessionmaker, *, since: datetime, until: datetime, channel: str | None = None,
         top: int = 10) -> Dashboard:
    """Figures for calls started in [since, until)."""
    stmt = select(CallRow.id, CallRow.channel, CallRow.started_at, CallRow.ended_at, CallRow.outcome,
                  CallRow.procedures).where(CallRow.started_at >= since, CallRow.started_at < until)
    if channel:
        stmt = stmt.where(CallRow.channel == channel)
    with session_factory() as s:
        calls = [CallView(i, ch, st, en, out or "", tuple(procs or ())) for i, ch, st, en, out, procs in s.execute(stmt)]
        turn_stmt = (select(TurnRow.call_id, TurnRow.heard_text, TurnRow.decision, TurnRow.latency_ms)
                     .join(CallRow, CallRow.id == TurnRow.call_id)
                     .where(CallRow.started_at >= since, CallRow.started_at < until))
        if channel:
            turn_stmt = turn_stmt.where(CallRow.channel == channel)
        turns = [TurnView(c, h or "", dec or "", lat) for c, h, dec, lat in s.execute(turn_stmt)]
    return compute(calls, turns, since=since, until=until, top=top)

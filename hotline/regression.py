"""The alias regression set: no fix may silently break another procedure.

Every alias staff accept is kept as a case ``{text, code}``. Before a change to
the answerable catalogue is saved, a matcher is built on the proposed catalogue
and run over the whole set, plus the bundled evaluation set's cases whose codes
are in the catalogue; the change is refused, with the broken cases listed, when
a case that passed before now fails and the changed procedure is involved (the
case's answer, or among its first candidates before or after). Cases that already
failed before, and borderline cases elsewhere that flip only because one more
alias shifts every word's weight a little, are reported but do not block (they
are not this change's fault, and staff could not fix them here).
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from dialog.evaluation import DEFAULT_CASES, load_cases
from dialog.matcher import Matcher
from dialog.normalize import normalize
from knowledge.db import Base
from knowledge.models import utcnow
from knowledge.records import ProcedureRecord
from knowledge.store import ProcedureStore, StoreError

# Fields whose change can move the matcher; other edits need no check.
MATCHER_FIELDS = frozenset({"name", "aliases", "keywords", "status", "levels", "field"})


class RegressionRow(Base):
    __tablename__ = "regression_cases"
    __table_args__ = (UniqueConstraint("text", "procedure_code", name="uq_regression_case"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(200))
    procedure_code: Mapped[str] = mapped_column(String(32), index=True)
    source: Mapped[str] = mapped_column(String(32), default="alias")  # alias | review
    actor: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@dataclass(frozen=True, slots=True)
class Case:
    text: str
    codes: tuple[str, ...]  # any of them counts as right; empty: must be no_match
    source: str = "alias"  # alias | review | evalset


@dataclass(frozen=True, slots=True)
class Outcome:
    action: str
    top: str  # top candidate's code, "" when none
    near: tuple[str, ...] = ()  # the first three candidates' codes

    def passes(self, case: Case) -> bool:
        """Out of scope: rejected. In scope: answered or confirmed with a right code; a case
        that turns into a "which one did you mean" question counts as broken."""
        if not case.codes:
            return self.action == "no_match"
        return self.action in ("answer", "confirm") and self.top in case.codes

    def describe(self) -> str:
        return "không khớp" if self.action == "no_match" or not self.top else f"{self.top} ({self.action})"


@dataclass(frozen=True, slots=True)
class Broken:
    case: Case
    before: Outcome
    after: Outcome


@dataclass(slots=True)
class RegressionReport:
    checked: int = 0
    skipped: int = 0  # cases whose codes are not in the proposed catalogue
    broken: list[Broken] = field(default_factory=list)  # passed before, fail now, the change involved
    shifted: list[Broken] = field(default_factory=list)  # passed before, fail now, elsewhere: not blocking
    still_failing: int = 0  # failed before and after: not blocking
    fixed: int = 0  # failed before, pass now
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.broken


class RegressionFailed(StoreError):
    """The change would break cases that pass today; ``report.broken`` lists them."""

    def __init__(self, report: RegressionReport) -> None:
        self.report = report
        listed = "; ".join(f"{b.case.text!r} → {b.after.describe()}" for b in report.broken[:5])
        super().__init__(f"thay đổi làm hỏng {len(report.broken)} câu kiểm thử: {listed}")


def _outcome(matcher: Matcher, text: str) -> Outcome:
    result = matcher.match(text)
    return Outcome(result.action, result.candidates[0].code if result.candidates else "",
                   tuple(c.code for c in result.candidates[:3]))


def compare(before: Matcher, after: Matcher, cases: Iterable[Case], *,
            known: Iterable[str] | None = None, before_cache: dict[str, Outcome] | None = None,
            changed: str | None = None) -> RegressionReport:
    """Run ``cases`` through both matchers. ``known``: codes in the proposed catalogue
    (default: the ``after`` matcher's); cases naming none of them are skipped.
    ``before_cache`` keeps the ``before`` matcher's outcomes by text between calls.
    ``changed``: the procedure being edited; a case that fails now counts as broken
    only where it is involved (None: every such case)."""
    started = time.perf_counter()
    codes = set(known) if known is not None else None
    report = RegressionReport()
    for case in cases:
        in_catalogue = (lambda c: c in codes) if codes is not None else (lambda c: after.record(c) is not None)
        if case.codes and not any(in_catalogue(c) for c in case.codes):
            report.skipped += 1
            continue
        report.checked += 1
        old = before_cache.get(case.text) if before_cache is not None else None
        if old is None:
            old = _outcome(before, case.text)
            if before_cache is not None:
                before_cache[case.text] = old
        new = _outcome(after, case.text)
        was, now = old.passes(case), new.passes(case)
        if was and not now:
            involved = changed is None or changed in case.codes or changed in (*old.near, *new.near)
            (report.broken if involved else report.shifted).append(Broken(case, old, new))
        elif not was and now:
            report.fixed += 1
        elif not was:
            report.still_failing += 1
    report.elapsed_s = time.perf_counter() - started
    return report


def proposed_catalogue(records: Sequence[ProcedureRecord], code: str, changes: dict[str, Any],
                       current: ProcedureRecord) -> list[ProcedureRecord]:
    """The published catalogue as it would be after ``changes`` to ``code``."""
    new = ProcedureRecord.from_dict(current.to_dict() | changes)
    out = [r for r in records if r.code != code]
    if new.status == "published":
        out.append(new)
    return out


class RegressionSet:
    def __init__(self, session_factory: sessionmaker, *, evalset: Path | None = DEFAULT_CASES) -> None:
        self._sessions = session_factory
        self._evalset = evalset
        self._eval_cases: list[Case] | None = None
        # The published matcher is immutable: its outcomes are reused until it is replaced.
        self._before: weakref.WeakKeyDictionary[Matcher, dict[str, Outcome]] = weakref.WeakKeyDictionary()

    # ---- the set -----------------------------------------------------------
    def add(self, text: str, code: str, *, actor: str, source: str = "alias") -> bool:
        """Add a case; False when it is already there."""
        text = " ".join(text.split()).lower()[:200]
        if not text or not code:
            raise StoreError("a regression case needs a text and a procedure code")
        with self._sessions.begin() as s:
            if s.scalar(select(RegressionRow.id).where(RegressionRow.text == text,
                                                       RegressionRow.procedure_code == code)) is not None:
                return False
            s.add(RegressionRow(text=text, procedure_code=code, source=source, actor=actor))
            return True

    def remove(self, case_id: int) -> bool:
        with self._sessions.begin() as s:
            row = s.get(RegressionRow, case_id)
            if row is None:
                return False
            s.delete(row)
            return True

    def rows(self, *, code: str | None = None) -> list[dict]:
        stmt = select(RegressionRow).order_by(RegressionRow.id)
        if code:
            stmt = stmt.where(RegressionRow.procedure_code == code)
        with self._sessions() as s:
            return [{"id": r.id, "text": r.text, "code": r.procedure_code, "source": r.source, "actor": r.actor,
                     "at": r.at} for r in s.scalars(stmt)]

    def cases(self, *, with_evalset: bool = True) -> list[Case]:
        own = [Case(r["text"], (r["code"],), r["source"]) for r in self.rows()]
        return own + (self.eval_cases() if with_evalset else [])

    def eval_cases(self) -> list[Case]:
        if self._eval_cases is None:
            found: list[Case] = []
            if self._evalset is not None and Path(self._evalset).is_file():
                found = [Case(c.text, c.codes, "evalset") for c in load_cases(self._evalset)]
            self._eval_cases = found
        return self._eval_cases

    # ---- checks ------------------------------------------------------------
    def check(self, before: Matcher, proposed: Sequence[ProcedureRecord], *,
              extra: Iterable[Case] = (), changed: str | None = None) -> RegressionReport:
        after = Matcher(proposed)
        cache = self._before.setdefault(before, {})
        return compare(before, after, [*self.cases(), *extra], known=[r.code for r in proposed], before_cache=cache,
                       changed=changed)

    def checked_update(self, store: ProcedureStore, before: Matcher, code: str, changes: dict[str, Any], *,
                       actor: str, extra: Iterable[Case] = ()) -> tuple[ProcedureRecord, RegressionReport | None]:
        """Apply ``changes`` to ``code`` only if no regression case breaks.

        ``before`` is the matcher of the catalogue as published now. Raises
        :class:`RegressionFailed` (never for an unpublish, whose report lists what it
        broke); returns the saved record and the report (None when the change cannot
        move the matcher)."""
        current = store.get(code)
        touches = any(k in MATCHER_FIELDS and current.to_dict().get(k) != v for k, v in changes.items())
        matters = touches and (current.status == "published" or changes.get("status") == "published")
        report = None
        if matters:
            published = store.all_records(status="published")
            proposed = proposed_catalogue(published, code, changes, current)
            if current.status != "published":
                # Publishing again: compare with the catalogue as it was when this procedure was
                # last answerable, so failures that were there then are not blamed on this change.
                last = next((v["snapshot"] for v in reversed(store.versions(code))
                             if v["snapshot"].get("status") == "published"), None)
                if last is not None:
                    before = Matcher([*(r for r in published if r.code != code), ProcedureRecord.from_dict(last)])
            report = self.check(before, proposed, extra=extra, changed=code)
            # Taking a procedure off the air is a safety action (wrong information): it is never
            # refused; what it changes elsewhere is reported for the staff member to see.
            if not report.ok and changes.get("status") != "draft":
                raise RegressionFailed(report)
        return store.update(code, changes, actor=actor), report


def alias_case(alias: str, code: str) -> Case:
    return Case(normalize(alias), (code,), "alias")

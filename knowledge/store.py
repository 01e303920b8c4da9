"""The procedure store: reads and audited writes of procedures over SQLAlchemy."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from .models import AliasRow, AuditEntry, ChannelRow, DocumentRow, Procedure, ProcedureVersion, utcnow
from .records import Channel, Document, ProcedureRecord, source_hash_of
from .text import fold

# Fields a staff edit may change; "code" is the identity and never changes.
EDITABLE_FIELDS = frozenset(ProcedureRecord.SOURCE_FIELDS) | frozenset(ProcedureRecord.STAFF_FIELDS)
STATUSES = ("published", "draft")
SYSTEM_ACTOR = "system"


class StoreError(Exception):
    """A request the store refuses; the message says why."""


class ProcedureNotFound(StoreError):
    pass


class DuplicateProcedure(StoreError):
    pass


@dataclass(slots=True)
class UpsertCounts:
    imported: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _load_options():
    return (
        selectinload(Procedure.channels),
        selectinload(Procedure.documents),
        selectinload(Procedure.aliases),
    )


def to_record(row: Procedure) -> ProcedureRecord:
    return ProcedureRecord(
        code=row.code,
        name=row.name,
        levels=list(row.levels or []),
        field=row.field or "",
        audience=row.audience or "",
        agency=row.agency or "",
        submit_place=row.submit_place or "",
        channels=[
            Channel(
                channel=c.channel, time_text=c.time_text, days=c.days, day_kind=c.day_kind,
                fee_text=c.fee_text, fee_vnd=c.fee_vnd, note=c.note,
            )
            for c in row.channels
        ],
        documents=[Document(name=d.name, form=d.form, copies=d.copies, group=d.group) for d in row.documents],
        steps=list(row.steps or []),
        conditions=row.conditions or "",
        result=row.result or "",
        legal_basis=list(row.legal_basis or []),
        source_url=row.source_url or "",
        decision=row.decision or "",
        flags=list(row.flags or []),
        raw=dict(row.raw or {}),
        spoken_summary=row.spoken_summary or "",
        aliases=[a.text for a in row.aliases],
        keywords=list(row.keywords or []),
        status=row.status,  # type: ignore[arg-type]
        version=row.version,
    )


def _search_text(rec: ProcedureRecord) -> str:
    return fold(" | ".join([rec.code, rec.name or "", *rec.aliases, *rec.keywords]))


def _apply_source(row: Procedure, rec: ProcedureRecord) -> None:
    row.name = rec.name
    row.levels = list(rec.levels)
    row.field = rec.field
    row.audience = rec.audience
    row.agency = rec.agency
    row.submit_place = rec.submit_place
    row.steps = list(rec.steps)
    row.conditions = rec.conditions
    row.result = rec.result
    row.legal_basis = list(rec.legal_basis)
    row.source_url = rec.source_url
    row.decision = rec.decision
    row.flags = list(rec.flags)
    row.raw = dict(rec.raw)
    row.source_hash = rec.source_hash()
    row.channels = [
        ChannelRow(
            position=i, channel=c.channel, time_text=c.time_text, days=c.days, day_kind=c.day_kind,
            fee_text=c.fee_text, fee_vnd=c.fee_vnd, note=c.note,
        )
        for i, c in enumerate(rec.channels)
    ]
    row.documents = [
        DocumentRow(position=i, name=d.name, form=d.form, copies=d.copies, group=d.group)
        for i, d in enumerate(rec.documents)
    ]


def _apply_staff(row: Procedure, rec: ProcedureRecord) -> None:
    row.spoken_summary = rec.spoken_summary
    row.keywords = list(rec.keywords)
    row.status = rec.status
    wanted = _clean_aliases(rec.aliases)
    existing = {a.text: a for a in row.aliases}
    row.aliases = [existing.get(t) or AliasRow(text=t) for t in wanted]


def _clean_aliases(aliases: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for a in aliases:
        t = " ".join(str(a).split()).lower()
        if t and len(t) <= 200:
            seen.setdefault(t, None)
    return list(seen)


def _diff(old: dict, new: dict) -> dict[str, tuple[Any, Any]]:
    return {k: (old.get(k), new.get(k)) for k in new if k != "version" and old.get(k) != new.get(k)}


class ProcedureStore:
    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory

    # ---- reads -----------------------------------------------------------
    def get(self, code: str) -> ProcedureRecord:
        with self._sessions() as s:
            row = s.scalar(select(Procedure).where(Procedure.code == code).options(*_load_options()))
            if row is None:
                raise ProcedureNotFound(f"no procedure with code {code!r}")
            return to_record(row)

    def count(self) -> int:
        with self._sessions() as s:
            return s.scalar(select(func.count(Procedure.id))) or 0

    def search(
        self,
        query: str | None = None,
        *,
        level: str | None = None,
        field_: str | None = None,
        status: str | None = None,
        flagged: bool | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[int, list[ProcedureRecord]]:
        """Diacritic-insensitive search over code, name, aliases and keywords."""
        stmt = select(Procedure)
        if query:
            for word in fold(query).split():
                stmt = stmt.where(Procedure.search_text.like(f"%{_escape_like(word)}%", escape="\\"))
        if field_:
            stmt = stmt.where(Procedure.field == field_)
        if status:
            stmt = stmt.where(Procedure.status == status)
        if level:
            # levels is a JSON list; matching its serialised text works on SQLite and PostgreSQL alike.
            stmt = stmt.where(func.lower(_json_text(Procedure.levels)).like(f'%"{_escape_like(level.lower())}"%', escape="\\"))
        if flagged is not None:
            empty = or_(_json_text(Procedure.flags) == "[]", Procedure.flags.is_(None))
            stmt = stmt.where(~empty if flagged else empty)
        with self._sessions() as s:
            total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
            rows = s.scalars(stmt.order_by(Procedure.code).limit(limit).offset(offset).options(*_load_options()))
            return total, [to_record(r) for r in rows]

    def all_records(self, *, status: str | None = "published") -> list[ProcedureRecord]:
        stmt = select(Procedure).options(*_load_options()).order_by(Procedure.code)
        if status:
            stmt = stmt.where(Procedure.status == status)
        with self._sessions() as s:
            return [to_record(r) for r in s.scalars(stmt)]

    def fingerprint(self) -> tuple:
        """Changes whenever the answerable catalogue changes (insert, delete, any edit bumps a version).

        Cheap enough to poll, and shared by every process on the same database."""
        with self._sessions() as s:
            row = s.execute(
                select(func.count(Procedure.id), func.coalesce(func.sum(Procedure.version), 0),
                       func.max(Procedure.updated_at)).where(Procedure.status == "published")
            ).one()
            return tuple(row)

    def stats(self) -> dict:
        with self._sessions() as s:
            rows = s.execute(select(Procedure.levels, Procedure.field, Procedure.status, Procedure.flags)).all()
        by_level: Counter[str] = Counter()
        by_field: Counter[str] = Counter()
        by_status: Counter[str] = Counter()
        by_flag: Counter[str] = Counter()
        flagged = 0
        for levels, fld, status, flags in rows:
            for lv in levels or ["(không rõ)"]:
                by_level[lv] += 1
            by_field[fld or "(không rõ)"] += 1
            by_status[status] += 1
            if flags:
                flagged += 1
                for f in flags:
                    by_flag[f] += 1
        return {
            "procedures": len(rows),
            "by_level": dict(by_level.most_common()),
            "by_field": dict(by_field.most_common()),
            "by_status": dict(by_status.most_common()),
            "flagged": flagged,
            "by_flag": dict(by_flag.most_common()),
        }

    def history(self, code: str) -> list[dict]:
        with self._sessions() as s:
            if s.scalar(select(Procedure.id).where(Procedure.code == code)) is None and not s.scalar(
                select(func.count(AuditEntry.id)).where(AuditEntry.procedure_code == code)
            ):
                raise ProcedureNotFound(f"no procedure with code {code!r}")
            rows = s.scalars(
                select(AuditEntry).where(AuditEntry.procedure_code == code).order_by(AuditEntry.id)
            )
            return [
                {
                    "at": r.at.isoformat(), "actor": r.actor, "action": r.action, "field": r.field,
                    "old": r.old_value, "new": r.new_value, "version": r.version,
                }
                for r in rows
            ]

    def versions(self, code: str) -> list[dict]:
        with self._sessions() as s:
            rows = s.scalars(
                select(ProcedureVersion).where(ProcedureVersion.procedure_code == code).order_by(ProcedureVersion.version)
            )
            return [{"version": r.version, "at": r.at.isoformat(), "actor": r.actor, "snapshot": r.snapshot} for r in rows]

    # ---- writes ----------------------------------------------------------
    def create(self, rec: ProcedureRecord, *, actor: str) -> ProcedureRecord:
        with self._sessions.begin() as s:
            if s.scalar(select(Procedure.id).where(Procedure.code == rec.code)) is not None:
                raise DuplicateProcedure(f"procedure {rec.code} already exists")
            row = self._insert(s, rec, actor=actor, action="create")
            return to_record(row)

    def update(self, code: str, changes: dict[str, Any], *, actor: str) -> ProcedureRecord:
        unknown = set(changes) - EDITABLE_FIELDS
        if unknown:
            raise StoreError(f"fields cannot be edited: {', '.join(sorted(unknown))}")
        if "status" in changes and changes["status"] not in STATUSES:
            raise StoreError(f"status must be one of {', '.join(STATUSES)}")
        with self._sessions.begin() as s:
            row = self._row_for_update(s, code)
            old = to_record(row)
            merged = old.to_dict() | changes
            new = ProcedureRecord.from_dict(merged)
            new.aliases = _clean_aliases(new.aliases)
            diff = _diff(old.to_dict(), new.to_dict())
            if not diff:
                return old
            _apply_source(row, new)
            _apply_staff(row, new)
            self._bump(s, row, new, actor=actor, action="update", diff=diff)
            return to_record(row)

    def set_status(self, code: str, status: str, *, actor: str) -> ProcedureRecord:
        if status not in STATUSES:
            raise StoreError(f"status must be one of {', '.join(STATUSES)}")
        return self.update(code, {"status": status}, actor=actor)

    def add_alias(self, code: str, alias: str, *, actor: str) -> ProcedureRecord:
        alias = " ".join(alias.split()).lower()
        if not alias or len(alias) > 200:
            raise StoreError("alias must be 1-200 characters")
        rec = self.get(code)
        if alias in rec.aliases:
            return rec
        return self.update(code, {"aliases": [*rec.aliases, alias]}, actor=actor)

    def remove_alias(self, code: str, alias: str, *, actor: str) -> ProcedureRecord:
        alias = " ".join(alias.split()).lower()
        rec = self.get(code)
        if alias not in rec.aliases:
            raise StoreError(f"procedure {code} has no alias {alias!r}")
        return self.update(code, {"aliases": [a for a in rec.aliases if a != alias]}, actor=actor)

    def delete(self, code: str, *, actor: str) -> None:
        with self._sessions.begin() as s:
            row = self._row_for_update(s, code)
            s.add(AuditEntry(actor=actor, procedure_code=code, action="delete", old_value=to_record(row).to_dict(),
                             version=row.version))
            s.delete(row)

    def upsert_imported(self, records: Iterable[ProcedureRecord], *, status: str, actor: str) -> UpsertCounts:
        """Insert or update imported records in ONE transaction (all or nothing).

        Staff-owned fields of existing records are kept; the version is bumped only
        when the imported source content changed."""
        counts = UpsertCounts()
        with self._sessions.begin() as s:
            existing = {
                code: (pid, h)
                for code, pid, h in s.execute(select(Procedure.code, Procedure.id, Procedure.source_hash))
            }
            fresh: list[ProcedureRecord] = []
            for rec in records:
                found = existing.get(rec.code)
                if found is None:
                    rec.status = status  # type: ignore[assignment]
                    fresh.append(rec)
                    existing[rec.code] = (-1, "")
                    counts.imported.append(rec.code)
                    continue
                if found[1] == rec.source_hash():
                    counts.unchanged.append(rec.code)
                    continue
                row = s.scalar(select(Procedure).where(Procedure.code == rec.code).options(*_load_options()))
                old = to_record(row)
                merged = ProcedureRecord.from_dict(
                    rec.source_dict() | {k: getattr(old, k) for k in ProcedureRecord.STAFF_FIELDS} | {"code": rec.code}
                )
                diff = {k: v for k, v in _diff(old.to_dict(), merged.to_dict()).items() if k in ProcedureRecord.SOURCE_FIELDS}
                _apply_source(row, merged)
                self._bump(s, row, merged, actor=actor, action="import", diff=diff)
                existing[rec.code] = (row.id, row.source_hash)
                counts.updated.append(rec.code)
            self._insert_many(s, fresh, actor=actor, action="import")
        return counts

    # ---- internals -------------------------------------------------------
    def _row_for_update(self, s: Session, code: str) -> Procedure:
        row = s.scalar(select(Procedure).where(Procedure.code == code).options(*_load_options()))
        if row is None:
            raise ProcedureNotFound(f"no procedure with code {code!r}")
        return row

    def _insert_many(self, s: Session, recs: list[ProcedureRecord], *, actor: str, action: str) -> None:
        """Bulk insert of new records with Core statements: an ORM flush of thousands of
        records with their child rows is several times slower."""
        if not recs:
            return
        now = utcnow()
        dicts = [r.to_dict() | {"version": 1} for r in recs]
        rows = []
        for rec, d in zip(recs, dicts, strict=True):
            rows.append({
                **{k: d[k] for k in _PROCEDURE_COLUMNS},
                "keywords": d["keywords"], "spoken_summary": d["spoken_summary"], "status": d["status"],
                "version": 1, "source_hash": source_hash_of(d), "search_text": _search_text(rec),
                "created_at": now, "updated_at": now,
            })
        ids = s.execute(
            insert(Procedure).returning(Procedure.id, sort_by_parameter_order=True), rows
        ).scalars().all()
        channels, documents, aliases, audit, versions = [], [], [], [], []
        for pid, rec, d in zip(ids, recs, dicts, strict=True):
            channels += [{"procedure_id": pid, "position": i, **c} for i, c in enumerate(d["channels"])]
            documents += [{"procedure_id": pid, "position": i, **x} for i, x in enumerate(d["documents"])]
            aliases += [{"procedure_id": pid, "text": t} for t in _clean_aliases(rec.aliases)]
            audit.append({"actor": actor, "procedure_code": rec.code, "action": action, "field": "",
                          "version": 1, "at": now})
            versions.append({"procedure_code": rec.code, "version": 1, "actor": actor, "snapshot": d, "at": now})
        for table, values in ((ChannelRow, channels), (DocumentRow, documents), (AliasRow, aliases),
                              (AuditEntry, audit), (ProcedureVersion, versions)):
            if values:
                s.execute(insert(table), values)

    def _insert(self, s: Session, rec: ProcedureRecord, *, actor: str, action: str) -> Procedure:
        row = Procedure(code=rec.code, version=1)
        _apply_source(row, rec)
        _apply_staff(row, rec)
        row.search_text = _search_text(rec)
        s.add(row)
        rec = ProcedureRecord.from_dict(rec.to_dict() | {"version": 1})
        s.add(AuditEntry(actor=actor, procedure_code=rec.code, action=action, version=1))
        s.add(ProcedureVersion(procedure_code=rec.code, version=1, actor=actor, snapshot=rec.to_dict()))
        return row

    def _bump(self, s: Session, row: Procedure, new: ProcedureRecord, *, actor: str, action: str,
              diff: dict[str, tuple[Any, Any]]) -> None:
        row.version = (row.version or 0) + 1
        row.updated_at = utcnow()
        new.version = row.version
        row.search_text = _search_text(new)
        if "status" in diff and len(diff) == 1:
            action = "publish" if new.status == "published" else "unpublish"
        for name, (old_v, new_v) in diff.items():
            s.add(AuditEntry(actor=actor, procedure_code=row.code, action=action, field=name,
                             old_value=old_v, new_value=new_v, version=row.version))
        s.add(ProcedureVersion(procedure_code=row.code, version=row.version, actor=actor, snapshot=new.to_dict()))


_PROCEDURE_COLUMNS = (
    "code", "name", "levels", "field", "audience", "agency", "submit_place", "steps", "conditions",
    "result", "legal_basis", "source_url", "decision", "flags", "raw",
)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _json_text(column):
    from sqlalchemy import String, cast

    return cast(column, String)

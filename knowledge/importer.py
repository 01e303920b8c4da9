"""Import procedure records from files of the national portal's export formats.

Parsing is done first, file by file (a broken file is reported and skipped);
the good records are then written in one transaction, so a failure leaves
nothing half-written."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .formats import RecordFormatError, parse_record
from .records import ProcedureRecord
from .store import ProcedureStore

MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass(slots=True)
class Skipped:
    file: str
    reason: str


@dataclass(slots=True)
class ImportReport:
    files: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    flagged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    by_flag: dict[str, int] = field(default_factory=dict)
    channels_parsed: int = 0
    times_parsed: int = 0
    fees_parsed: int = 0
    seconds: float = 0.0
    status: str = "published"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["skipped_count"] = len(self.skipped)
        return d


def iter_files(path: Path) -> Iterator[Path]:
    if path.is_dir():
        yield from sorted(p for p in path.rglob("*.json") if p.is_file())
    else:
        yield path


def read_file(path: Path) -> list[ProcedureRecord]:
    """Records in one file (an object or a list of objects). Raises RecordFormatError."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise RecordFormatError(f"cannot read file: {exc.strerror or exc}") from exc
    if size > MAX_FILE_BYTES:
        raise RecordFormatError(f"file too large ({size} bytes > {MAX_FILE_BYTES})")
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise RecordFormatError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise RecordFormatError(f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except OSError as exc:
        raise RecordFormatError(f"cannot read file: {exc.strerror or exc}") from exc
    objects = data if isinstance(data, list) else [data]
    if not objects:
        raise RecordFormatError("empty list: no records")
    records = []
    for i, obj in enumerate(objects):
        try:
            records.append(parse_record(obj))
        except RecordFormatError as exc:
            where = f"record {i}: " if isinstance(data, list) else ""
            raise RecordFormatError(f"{where}{exc}") from exc
    return records


def import_path(store: ProcedureStore, path: Path, *, draft: bool = False, actor: str = "import") -> ImportReport:
    started = time.perf_counter()
    report = ImportReport(status="draft" if draft else "published")
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or directory")
    good: dict[str, ProcedureRecord] = {}
    origin: dict[str, Path] = {}
    for file in iter_files(path):
        report.files += 1
        try:
            records = read_file(file)
        except RecordFormatError as exc:
            report.skipped.append(Skipped(str(file), str(exc)))
            continue
        for rec in records:
            if rec.code in good:
                report.skipped.append(Skipped(str(file), f"duplicate code {rec.code} (already read from {origin[rec.code]})"))
                continue
            good[rec.code] = rec
            origin[rec.code] = file
    flags: Counter[str] = Counter()
    for rec in good.values():
        if rec.flags:
            report.flagged += 1
            flags.update(rec.flags)
        report.channels_parsed += len(rec.channels)
        report.times_parsed += sum(1 for c in rec.channels if c.days is not None)
        report.fees_parsed += sum(1 for c in rec.channels if c.fee_vnd is not None)
    report.by_flag = dict(flags.most_common())
    counts = store.upsert_imported(good.values(), status=report.status, actor=actor)
    report.imported, report.updated, report.unchanged = len(counts.imported), len(counts.updated), len(counts.unchanged)
    report.seconds = round(time.perf_counter() - started, 3)
    return report

"""Which source format an object is in, and the dispatch to its parser."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from knowledge.formats import bqp, portal
from knowledge.formats.errors import RecordFormatError
from knowledge.records import ProcedureRecord

FORMATS: dict[str, Callable[[Mapping], ProcedureRecord]] = {
    "portal": portal.parse_portal,
    "bqp": bqp.parse_bqp,
}


def detect_format(obj: object) -> str:
    """ "portal" (dichvucong.gov.vn crawl) or "bqp" (structured "ChiTietTTHC" export)."""
    if not isinstance(obj, Mapping):
        raise RecordFormatError(f"a procedure record is a JSON object, not {type(obj).__name__}")
    if portal.looks_like(obj):
        return "portal"
    if bqp.looks_like(obj):
        return "bqp"
    keys = ", ".join(sorted(map(str, obj))[:8]) or "none"
    raise RecordFormatError(f"unknown record format (keys: {keys})")


def parse_record(obj: object) -> ProcedureRecord:
    """A clean ProcedureRecord from one decoded JSON object of a known format."""
    return FORMATS[detect_format(obj)](obj)  # type: ignore[arg-type]

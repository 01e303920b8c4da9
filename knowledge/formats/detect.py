"""Which source format an object is in, and the dispatch to its parser."""

from __future__ import annotations

import json
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


def parse_json(text: str | bytes) -> ProcedureRecord:
    """A ProcedureRecord from the contents of one JSON file; undecodable text,
    invalid JSON and foreign objects all raise RecordFormatError."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RecordFormatError(f"not UTF-8 text (byte {exc.start})") from exc
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordFormatError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    return parse_record(obj)

"""Source formats of procedure records and their conversion to ProcedureRecord.

``parse_record(obj)`` takes one decoded JSON object of any known format and
returns a clean ``ProcedureRecord``; foreign or broken objects raise
``RecordFormatError`` with a reason; ``parse_json(text_or_bytes)`` does the
same from a file's contents. No I/O here."""

from knowledge.formats.detect import FORMATS, detect_format, parse_json, parse_record
from knowledge.formats.errors import RecordFormatError

__all__ = ["FORMATS", "RecordFormatError", "detect_format", "parse_json", "parse_record"]

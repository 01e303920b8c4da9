"""The error raised for objects that are not a procedure record we can read."""

from __future__ import annotations

import re
from collections.abc import Mapping

# National procedure codes look like "1.001193".
CODE_PATTERN = re.compile(r"\d{1,2}\.\d{6}")


class RecordFormatError(ValueError):
    """``reason`` is a short human-readable explanation (also the message)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def text_field(obj: Mapping, key: str, *, where: str = "") -> str:
    """A string field; missing is "", another type is a format error."""
    value = obj.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordFormatError(f"field {where}{key!r} should be text, not {type(value).__name__}")
    return value


def checked_code(code: str) -> str:
    code = code.strip()
    if not code:
        raise RecordFormatError("missing procedure code")
    if not CODE_PATTERN.fullmatch(code):
        raise RecordFormatError(f"procedure code {code!r} is not of the form 1.001193")
    return code

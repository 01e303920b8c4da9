"""Field-by-field differences between two version snapshots of a procedure."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Line:
    kind: str  # " " same, "-" removed, "+" added
    text: str


@dataclass(frozen=True, slots=True)
class FieldDiff:
    field: str
    lines: list[Line]


def _as_lines(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return value.splitlines() or [""]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True).splitlines()


def snapshot_diff(old: dict, new: dict, *, ignore: tuple[str, ...] = ("version",)) -> list[FieldDiff]:
    """The fields that differ, each as a line diff (lists one item per line)."""
    out = []
    for key in sorted(set(old) | set(new), key=lambda k: (list(new).index(k) if k in new else 999, k)):
        if key in ignore or old.get(key) == new.get(key):
            continue
        lines = []
        for row in difflib.ndiff(_as_lines(old.get(key)), _as_lines(new.get(key))):
            if row[:1] in (" ", "-", "+"):
                lines.append(Line(row[0], row[2:]))
        out.append(FieldDiff(key, lines))
    return out

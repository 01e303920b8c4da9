"""The result of parsing one field: a value plus review flags."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(slots=True)
class Parsed(Generic[T]):
    """``value`` is what could be read; ``flags`` are short machine-readable
    reasons ("fee_unparsed", ...) a staff member should look at."""

    value: T
    flags: list[str] = field(default_factory=list)

    def flag(self, reason: str) -> None:
        if reason not in self.flags:
            self.flags.append(reason)

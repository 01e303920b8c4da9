"""Catalogue writes from the console: every change that can move the matcher is
checked against the regression set first, and the brain sees it at once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi.concurrency import run_in_threadpool

from knowledge.records import ProcedureRecord

from ..regression import Case, RegressionReport
from .deps import Console


async def apply_change(parts: Console, code: str, changes: dict[str, Any], *, actor: str,
                       extra: Iterable[Case] = ()) -> tuple[ProcedureRecord, RegressionReport | None]:
    """Raises RegressionFailed (with the broken cases) or StoreError."""
    brain = parts.services.extras["brain"]

    def run():
        before = brain.snapshot().matcher
        return parts.regression.checked_update(parts.services.store, before, code, changes, actor=actor,
                                               extra=list(extra))

    result = await run_in_threadpool(run)
    brain.invalidate()
    return result

"""The answerable catalogue and its matcher, rebuilt when the catalogue changes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from dialog.manager import DialogManager, MenuGroup, default_menu
from dialog.matcher import Matcher
from knowledge.records import ProcedureRecord
from knowledge.store import ProcedureStore


@dataclass(frozen=True, slots=True)
class Snapshot:
    catalogue: dict[str, ProcedureRecord]
    matcher: Matcher
    menu: list[MenuGroup]  # computed once per catalogue version: ~35 ms on the full catalogue
    vocabulary: tuple[str, ...]  # short phrases callers use, to bias the recogniser (see load_phrases)
    fingerprint: tuple
    built_s: float

    def conversation(self, *, operator_available: bool = False) -> DialogManager:
        """A new per-call dialog manager over this snapshot (about 1 ms)."""
        return DialogManager(self.catalogue, self.matcher, operator_available=operator_available, menu=self.menu)


class Brain:
    """Hands out an immutable snapshot; a new one is built when the store's fingerprint moves.

    The fingerprint is polled at most every `check_every` seconds so the hot path stays cheap."""

    def __init__(self, store: ProcedureStore, *, check_every: float = 2.0,
                 on_snapshot: Callable[[Snapshot], None] | None = None,
                 phrases: tuple[str, ...] | None = None) -> None:
        self._store = store
        self._phrases = load_phrases() if phrases is None else phrases
        self._on_snapshot = on_snapshot
        self._check_every = check_every
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._checked_at = 0.0

    def snapshot(self) -> Snapshot:
        now = time.monotonic()
        snap = self._snapshot
        if snap is not None and now - self._checked_at < self._check_every:
            return snap
        with self._lock:
            self._checked_at = time.monotonic()
            fp = self._store.fingerprint()
            if self._snapshot is None or self._snapshot.fingerprint != fp:
                self._snapshot = self._build(fp)
                if self._on_snapshot is not None:
                    self._on_snapshot(self._snapshot)
            return self._snapshot

    def invalidate(self) -> None:
        """Force a fingerprint check on the next call (after a write in this process)."""
        self._checked_at = 0.0

    def _build(self, fp: tuple) -> Snapshot:
        started = time.perf_counter()
        records = self._store.all_records(status="published")
        catalogue = {r.code: r for r in records}
        matcher = Matcher(records)
        return Snapshot(catalogue, matcher, default_menu(catalogue), self._phrases, fp,
                        time.perf_counter() - started)


def load_phrases(path: str | Path | None = None) -> tuple[str, ...]:
    """The recogniser's bias phrases: ``path`` or the bundled ``asr_phrases.txt``, one per
    line, ``#`` comments and blank lines skipped, duplicates dropped, order kept."""
    if path:
        text = Path(path).read_text(encoding="utf-8")
    else:
        text = resources.files(__package__).joinpath("asr_phrases.txt").read_text(encoding="utf-8")
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return tuple(dict.fromkeys(line for line in lines if line))

"""Pre-render answer audio when the catalogue changes, so calls play cached audio.

The cache is keyed by content hash, so an edited text simply gets a new file; files no
longer referenced are pruned after a full pass."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator

from dialog import answers, prompts
from dialog.events import Segment
from knowledge.records import ProcedureRecord
from tts.cache import AnswerAudioCache, PrerenderReport

log = logging.getLogger(__name__)

SCOPES = ("none", "fixed", "summaries", "all")


def fixed_segments() -> list[Segment]:
    return [prompts.fixed(name) for name in prompts.FIXED]


def procedure_segments(record: ProcedureRecord, *, scope: str = "all") -> Iterator[Segment]:
    """What a call may say about this procedure: summary, fee, time, place (and in scope
    "all" the steps and document chunks)."""
    yield answers.summary(record)
    for topic in ("fee", "time", "place"):
        seg = answers.topic_answer(record, topic)
        if seg is not None:
            yield seg
    if scope == "all":
        yield from answers.steps_chunks(record)
        yield from answers.documents_chunks(record)


class Prerenderer:
    """Renders in one background thread; `update()` is cheap and may be called on every
    catalogue snapshot (only procedures whose version changed are rendered)."""

    def __init__(self, cache: AnswerAudioCache, *, scope: str = "summaries") -> None:
        if scope not in SCOPES:
            raise ValueError(f"prerender scope must be one of {', '.join(SCOPES)}")
        self.cache = cache
        self.scope = scope
        self._done: dict[str, int] = {}  # code -> version rendered
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.last_report: PrerenderReport | None = None

    def update(self, catalogue: dict[str, ProcedureRecord]) -> None:
        if self.scope == "none":
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return  # the next snapshot picks up what this pass misses
            changed = [r for code, r in catalogue.items() if self._done.get(code) != r.version]
            first = not self._done
            self._thread = threading.Thread(target=self._run, args=(changed, first), name="prerender",
                                            daemon=True)
            self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def _items(self, records: Iterable[ProcedureRecord], first: bool) -> list[tuple[str, str]]:
        items = [(s.key, s.spoken) for s in fixed_segments()] if first else []
        if self.scope in ("summaries", "all"):
            for r in records:
                items += [(s.key, s.spoken) for s in procedure_segments(r, scope=self.scope)]
        return items

    def _run(self, records: list[ProcedureRecord], first: bool) -> None:
        try:
            report = self.cache.prerender(self._items(records, first), workers=1)
        except Exception:  # a background pass must never take the server down
            log.exception("answer-audio prerender failed")
            return
        self.last_report = report
        for r in records:
            self._done[r.code] = r.version
        log.info("prerendered %d prompts (%d new, %d cached) in %.1f s", report.requested, report.rendered,
                 report.cached, report.seconds)

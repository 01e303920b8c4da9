"""How long the garbage collector stops the process, per generation, for /metrics.

A collection runs on the event loop's thread and holds every call's RTP while it
walks the heap; a full (generation 2) pass over a thousand calls' objects is the
likeliest multi-millisecond stall, so it is measured rather than guessed."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable


class GcPauses:
    """Times each collection through ``gc.callbacks`` and hands (generation, seconds) to
    ``observe``. ``install``/``uninstall`` bracket the process's serving life."""

    def __init__(self, observe: Callable[[int, float], None]) -> None:
        self._observe = observe
        self._started = 0.0

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        elif self._started:
            self._observe(info.get("generation", 0), time.perf_counter() - self._started)
            self._started = 0.0

    def install(self) -> None:
        if self._callback not in gc.callbacks:
            gc.callbacks.append(self._callback)

    def uninstall(self) -> None:
        if self._callback in gc.callbacks:
            gc.callbacks.remove(self._callback)

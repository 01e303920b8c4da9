"""When the garbage collector walks the whole heap: on a fixed period, not CPython's rule.

CPython runs a full (generation 2) pass whenever the objects promoted since the last one
exceed a quarter of the long-lived ones. Each new call promotes its few hundred objects
(session, dialog state, tasks, buffers), so under call churn at a thousand calls a full
pass came every 10-20 s, each stopping the event loop (and every call's RTP) for
90-150 ms: about 1 % of all packets late, right at the send-timing p99. A full pass
every `interval_s` instead (60 s: 0.2 % of the time) keeps the p99 clear of it, while
young collections, which free almost all of a call's garbage, run as before. The cost is
the cyclic garbage of ended calls waiting up to `interval_s` to be freed."""

from __future__ import annotations

import asyncio
import gc

# Generation 2 runs once this many generation 1 passes have happened, and only then: in
# practice never, so that the scheduled pass is the only full one.
_NEVER = 2**31 - 1
_CPYTHON_FULL = 10  # CPython's default third threshold


class FullCollections:
    """``start`` takes the full passes over from CPython's heuristic and runs one every
    ``interval_s`` on the event loop; ``stop`` restores the thresholds it found.
    ``interval_s <= 0`` leaves CPython's own rule in place."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self.passes = 0
        self._task: asyncio.Task | None = None
        self._saved: tuple[int, int, int] | None = None

    def start(self) -> None:
        if self.interval_s <= 0 or self._task is not None:
            return
        young, middle, full = gc.get_threshold()
        # Another schedule already runs (two gateways in one process, as in tests): what it
        # found, not its "never", is what either of them restores.
        self._saved = (young, middle, _CPYTHON_FULL if full == _NEVER else full)
        gc.set_threshold(young, middle, _NEVER)
        self._task = asyncio.get_running_loop().create_task(self._run(), name="gc-full-passes")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            gc.collect(2)
            self.passes += 1

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None

"""The full-collection schedule: CPython's own generation 2 rule off while it runs, a real
full pass on the period (cyclic garbage is freed by it), thresholds restored on stop."""

from __future__ import annotations

import asyncio
import gc
import weakref

from hotline.gcpauses import GcPauses
from hotline.gcschedule import FullCollections


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


def test_full_passes_run_on_the_period_and_free_cycles():
    async def scenario() -> tuple[int, list[int], tuple, bool]:
        before = gc.get_threshold()
        seen: list[int] = []
        timer = GcPauses(lambda gen, s: seen.append(gen))
        full = FullCollections(0.05)
        full.start()
        during = gc.get_threshold()
        node = _Node()
        alive = weakref.ref(node)
        del node
        gc.collect(0)  # young passes first move the cycle out of the young generations
        gc.collect(1)
        timer.install()
        try:
            for _ in range(100):  # bounded: the pass is due after 0.05 s
                await asyncio.sleep(0.01)
                if full.passes >= 2:
                    break
        finally:
            timer.uninstall()
            await full.stop()
        assert gc.get_threshold() == before
        return full.passes, seen, during, alive() is None

    passes, seen, during, freed = asyncio.run(scenario())
    assert passes >= 2
    assert seen.count(2) >= 2  # the scheduled passes are full ones
    assert during[2] > 10**9  # CPython would not start one of its own meanwhile
    assert freed


def test_zero_interval_keeps_cpythons_rule():
    async def scenario() -> tuple:
        full = FullCollections(0)
        full.start()
        during = gc.get_threshold()
        await full.stop()
        return during

    before = gc.get_threshold()
    assert asyncio.run(scenario()) == before
    assert gc.get_threshold() == before


def test_two_schedules_in_one_process_restore_cpythons_rule():
    async def scenario() -> None:
        first, second = FullCollections(30), FullCollections(30)
        first.start()
        second.start()
        await first.stop()
        await second.stop()

    before = gc.get_threshold()
    asyncio.run(scenario())
    assert gc.get_threshold() == before

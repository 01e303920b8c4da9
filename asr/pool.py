"""A bounded, thread-safe pool of reusable recognisers, keyed by configuration
(e.g. the grammar). Building a Vosk recogniser costs ~1 s of CPU and a
``Reset()`` costs almost nothing, so calls borrow and return them."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(slots=True)
class PoolStats:
    created: int = 0
    reused: int = 0
    discarded: int = 0
    idle: int = 0


class RecognizerPool(Generic[T]):
    """``acquire(key)`` returns an idle recogniser built for ``key`` or a new one;
    ``release(key, r)`` resets it and keeps it for the next caller. At most
    ``max_idle_per_key`` idle recognisers per key and ``max_keys`` keys are
    kept (least recently used keys are dropped first)."""

    def __init__(self, factory: Callable[[Hashable], T], reset: Callable[[T], None],
                 max_idle_per_key: int = 8, max_keys: int = 32):
        if max_idle_per_key < 1 or max_keys < 1:
            raise ValueError("pool limits must be >= 1")
        self._factory = factory
        self._reset = reset
        self._max_idle = max_idle_per_key
        self._max_keys = max_keys
        self._idle: OrderedDict[Hashable, list[T]] = OrderedDict()
        self._lock = threading.Lock()
        self.stats = PoolStats()

    def acquire(self, key: Hashable) -> T:
        with self._lock:
            idle = self._idle.get(key)
            if idle:
                self._idle.move_to_end(key)
                self.stats.reused += 1
                self.stats.idle -= 1
                return idle.pop()
            self.stats.created += 1
        return self._factory(key)  # outside the lock: building is slow

    def release(self, key: Hashable, recognizer: T) -> None:
        try:
            self._reset(recognizer)
        except Exception:  # a recogniser that cannot reset is not reused
            with self._lock:
                self.stats.discarded += 1
            return
        with self._lock:
            idle = self._idle.setdefault(key, [])
            self._idle.move_to_end(key)
            if len(idle) >= self._max_idle:
                self.stats.discarded += 1
            else:
                idle.append(recognizer)
                self.stats.idle += 1
            while len(self._idle) > self._max_keys:
                _, dropped = self._idle.popitem(last=False)
                self.stats.idle -= len(dropped)
                self.stats.discarded += len(dropped)

    def prewarm(self, key: Hashable, count: int) -> None:
        """Build ``count`` recognisers for ``key`` ahead of the first calls."""
        made = [self.acquire(key) for _ in range(count)]
        for r in made:
            self.release(key, r)

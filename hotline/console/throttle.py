"""Login throttling: after repeated failures for one user name or one client address,
further attempts are refused for a while (slows password guessing; per process)."""

from __future__ import annotations

import threading
import time
from collections import deque


class LoginThrottle:
    def __init__(self, *, failures: int = 5, window_s: float = 300.0, lockout_s: float = 300.0,
                 clock=time.monotonic) -> None:
        self.failures = failures
        self.window_s = window_s
        self.lockout_s = lockout_s
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._locked: dict[str, float] = {}
        self._lock = threading.Lock()

    def blocked(self, *keys: str) -> float:
        """Seconds until any of ``keys`` may try again (0: allowed now)."""
        now = self._clock()
        with self._lock:
            return max(0.0, *(self._locked.get(k, now) - now for k in keys if k))

    def failed(self, *keys: str) -> None:
        now = self._clock()
        with self._lock:
            if len(self._seen) > 50_000:  # bounded memory under a flood of names
                self._seen.clear()
            for k in filter(None, keys):
                times = self._seen.setdefault(k, deque())
                times.append(now)
                while times and times[0] < now - self.window_s:
                    times.popleft()
                if len(times) >= self.failures:
                    self._locked[k] = now + self.lockout_s
                    times.clear()

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for k in keys:
                self._seen.pop(k, None)
                self._locked.pop(k, None)

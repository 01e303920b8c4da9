"""Live events of each call, for the SSE stream a test or the load tester follows.

A subscriber that joins late gets the call's events so far first (history is kept a
while after the call ends), so following a call never races with its start."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field


@dataclass(slots=True)
class _Stream:
    events: list[dict] = field(default_factory=list)
    listeners: set[asyncio.Queue] = field(default_factory=set)
    ended_at: float | None = None


class CallEventBus:
    def __init__(self, *, keep_ended_s: float = 300.0, max_calls: int = 20_000, max_events: int = 500) -> None:
        self._streams: OrderedDict[str, _Stream] = OrderedDict()
        self._keep = keep_ended_s
        self._max_calls = max_calls
        self._max_events = max_events

    def publish(self, call_id: str, kind: str, **data) -> None:
        stream = self._streams.get(call_id)
        if stream is None:
            stream = self._streams[call_id] = _Stream()
            self._trim()
        event = {"call_id": call_id, "type": kind, "t": round(time.time(), 3), **data}
        if len(stream.events) < self._max_events:
            stream.events.append(event)
        for q in stream.listeners:
            q.put_nowait(event)
        if kind == "ended":
            stream.ended_at = time.monotonic()
            for q in stream.listeners:
                q.put_nowait(None)

    def known(self, call_id: str) -> bool:
        return call_id in self._streams

    async def follow(self, call_id: str, *, wait_s: float = 30.0) -> AsyncIterator[dict]:
        """Events of one call, past then live, until it ends. Waits up to `wait_s` for a call
        that has not started yet."""
        deadline = time.monotonic() + wait_s
        while call_id not in self._streams:
            if time.monotonic() > deadline:
                return
            await asyncio.sleep(0.05)
        stream = self._streams[call_id]
        queue: asyncio.Queue = asyncio.Queue()
        history = list(stream.events)
        if stream.ended_at is None:
            stream.listeners.add(queue)
        try:
            for event in history:
                yield event
            if stream.ended_at is not None:
                return
            while (event := await queue.get()) is not None:
                yield event
        finally:
            stream.listeners.discard(queue)

    def _trim(self) -> None:
        now = time.monotonic()
        for cid in list(self._streams):
            s = self._streams[cid]
            if s.ended_at is not None and now - s.ended_at > self._keep and not s.listeners:
                del self._streams[cid]
        while len(self._streams) > self._max_calls:
            self._streams.popitem(last=False)

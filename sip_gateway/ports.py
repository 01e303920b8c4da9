"""RTP port range bookkeeping: even ports (RFC 3550 §11: RTP even, RTCP the
odd one above), handed out round robin so a just-released port is not reused
at once (late packets of the old call would land in the new one). No I/O."""

from __future__ import annotations


class PortsExhausted(RuntimeError):
    """Every even port of the range is in use."""


class PortAllocator:
    def __init__(self, port_min: int = 20000, port_max: int = 30000) -> None:
        first = port_min + (port_min & 1)
        if not 0 < first <= port_max <= 65535:
            raise ValueError(f"empty or invalid RTP port range {port_min}-{port_max}")
        self.port_min = first
        self.port_max = port_max
        self._size = (port_max - first) // 2 + 1
        self._cursor = 0
        self._used: set[int] = set()

    @classmethod
    def from_settings(cls, settings) -> PortAllocator:
        return cls(settings.rtp_port_min, settings.rtp_port_max)

    @property
    def capacity(self) -> int:
        return self._size

    @property
    def in_use(self) -> int:
        return len(self._used)

    def allocate(self) -> int:
        if len(self._used) >= self._size:
            raise PortsExhausted(f"all {self._size} RTP ports of {self.port_min}-{self.port_max} are in use")
        for _ in range(self._size):
            port = self.port_min + 2 * self._cursor
            self._cursor = (self._cursor + 1) % self._size
            if port not in self._used:
                self._used.add(port)
                return port
        raise PortsExhausted("no free RTP port")  # unreachable: the count says one is free

    def release(self, port: int) -> None:
        self._used.discard(port)

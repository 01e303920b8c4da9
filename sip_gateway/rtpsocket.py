"""Binding an RTP socket: the one port asked for, else the next free even port of the
range, else any port. Shared by a call's own socket (media.py) and the shared one
(rtpmux.py)."""

from __future__ import annotations

import socket

from sip_gateway.ports import PortAllocator

BIND_ATTEMPTS = 64


def bind_rtp(host: str, port: int | None = None, ports: PortAllocator | None = None) -> socket.socket:
    """A non-blocking UDP socket bound to ``port``, else to the next free even port of
    ``ports``, else to any port. A port of the range another process holds is handed back
    and the next one tried (round robin will not offer it again until the range wraps).
    Raises ``PortsExhausted``, or ``OSError`` naming the port."""
    attempts = 0
    while True:
        candidate = port if port is not None else ports.allocate() if ports is not None else 0
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.setblocking(False)
            sock.bind((host, candidate))
            return sock
        except OSError as exc:
            sock.close()
            if ports is not None and port is None:
                ports.release(candidate)
                attempts += 1
                if attempts < BIND_ATTEMPTS:
                    continue
            raise OSError(f"cannot bind RTP port {candidate} on {host}: {exc}") from exc

"""UDP and TCP SIP transports on asyncio protocols (RFC 3261 §18).

A transport delivers each complete message as bytes to ``on_message(data,
peer, transport)`` and sends bytes to an address; it does not parse beyond
TCP framing. A handler error is logged and the transport keeps running.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sip_gateway.message import SipParseError, frame_length

log = logging.getLogger(__name__)

Address = tuple[str, int]
MessageHandler = Callable[[bytes, Address, "Transport"], None]


class Transport:
    """What the UA needs of a transport."""

    name = ""
    reliable = False
    local_address: Address = ("", 0)

    def send(self, data: bytes, addr: Address) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


def _deliver(handler: MessageHandler, data: bytes, peer: Address, transport: Transport) -> None:
    try:
        handler(data, peer, transport)
    except Exception:  # one bad message must not take the listener down
        log.exception("SIP message handler failed on a message from %s:%s", *peer[:2])


class UdpTransport(Transport, asyncio.DatagramProtocol):
    name = "UDP"
    reliable = False

    def __init__(self, on_message: MessageHandler) -> None:
        self._on_message = on_message
        self._transport: asyncio.DatagramTransport | None = None

    @classmethod
    async def listen(cls, host: str, port: int, on_message: MessageHandler) -> UdpTransport:
        loop = asyncio.get_running_loop()
        _, protocol = await loop.create_datagram_endpoint(lambda: cls(on_message), local_addr=(host, port))
        return protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        self.local_address = transport.get_extra_info("sockname")[:2]

    def datagram_received(self, data: bytes, addr: tuple) -> None:
        if data.strip(b"\r\n\x00 "):  # skip NAT keep-alives (CRLF / zero bytes)
            _deliver(self._on_message, data, (addr[0], addr[1]), self)

    def error_received(self, exc: Exception) -> None:
        log.debug("UDP error: %s", exc)  # e.g. ICMP port unreachable; transactions time out instead

    def send(self, data: bytes, addr: Address) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.sendto(data, addr)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()


class _TcpConnection(asyncio.Protocol):
    """One TCP connection: frames the byte stream by Content-Length."""

    def __init__(self, owner: TcpTransport) -> None:
        self._owner = owner
        self._buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.peer: Address = ("", 0)
        self._pending: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        if len(self._owner._connections) >= self._owner.max_connections:
            log.warning(
                "SIP/TCP connection limit (%d) reached: closing a new one", self._owner.max_connections
            )
            transport.close()
            return
        peer = transport.get_extra_info("peername")
        self.peer = (peer[0], peer[1])
        self._owner._connections[self.peer] = self
        for data in self._pending:
            transport.write(data)
        self._pending.clear()

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while self._buffer:
            try:
                end = frame_length(self._buffer)
            except SipParseError as exc:
                # the stream has lost its framing and cannot resynchronise
                log.info("closing SIP/TCP connection from %s:%s: %s", *self.peer, exc.reason)
                self._buffer.clear()
                if self.transport is not None:
                    self.transport.close()
                return
            if end is None:
                return
            message = bytes(self._buffer[:end])
            del self._buffer[:end]
            _deliver(self._owner._on_message, message, self.peer, self._owner)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._owner._connections.get(self.peer) is self:
            del self._owner._connections[self.peer]

    def write(self, data: bytes) -> None:
        if self.transport is None:
            self._pending.append(data)
        elif not self.transport.is_closing():
            self.transport.write(data)


class TcpTransport(Transport):
    """Listens for SIP over TCP; responses reuse the request's connection (§18.2.2)."""

    name = "TCP"
    reliable = True

    def __init__(self, on_message: MessageHandler, max_connections: int = 4096) -> None:
        self._on_message = on_message
        self.max_connections = max_connections  # bounds memory against connection floods
        self._connections: dict[Address, _TcpConnection] = {}
        self._connecting: dict[Address, _TcpConnection] = {}
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()

    @classmethod
    async def listen(cls, host: str, port: int, on_message: MessageHandler,
                     max_connections: int = 4096) -> TcpTransport:  # fmt: skip
        self = cls(on_message, max_connections)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _TcpConnection(self), host, port, reuse_address=True)
        self.local_address = self._server.sockets[0].getsockname()[:2]
        return self

    def send(self, data: bytes, addr: Address) -> None:
        conn = self._connections.get(addr) or self._connecting.get(addr)
        if conn is None:
            conn = _TcpConnection(self)
            self._connecting[addr] = conn
            task = asyncio.get_running_loop().create_task(self._connect(addr, conn))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        conn.write(data)

    async def _connect(self, addr: Address, conn: _TcpConnection) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.create_connection(lambda: conn, addr[0], addr[1])
        except OSError as exc:
            log.info("SIP/TCP connect to %s:%s failed: %s", addr[0], addr[1], exc)
        finally:
            self._connecting.pop(addr, None)

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for conn in list(self._connections.values()):
            if conn.transport is not None:
                conn.transport.close()
        for task in self._tasks:
            task.cancel()

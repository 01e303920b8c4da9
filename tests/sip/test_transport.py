"""Transports on loopback: TCP framing across arbitrary chunking, connection limit, UDP keep-alives."""

from __future__ import annotations

import asyncio
import socket

from sip_gateway.transport import TcpTransport, UdpTransport

from .conftest import run

MSG = (
    b"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bK1\r\n"
    b"From: <sip:a@b>;tag=1\r\nTo: <sip:x@127.0.0.1>\r\nCall-ID: t\r\nCSeq: 1 OPTIONS\r\n"
    b"Content-Length: 5\r\n\r\nhello"
)


def test_tcp_stream_framing_and_connection_limit():
    async def body():
        got: list[bytes] = []
        tcp = await TcpTransport.listen(
            "127.0.0.1", 0, lambda data, peer, t: got.append(data), max_connections=1
        )
        port = tcp.local_address[1]
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            stream = b"\r\n\r\n" + MSG + MSG + MSG
            for i in range(0, len(stream), 7):  # arbitrary chunking
                writer.write(stream[i : i + 7])
                await writer.drain()
            for _ in range(100):
                if len(got) == 3:
                    break
                await asyncio.sleep(0.01)
            # a second connection is over the limit and is closed at once
            reader2, writer2 = await asyncio.open_connection("127.0.0.1", port)
            closed = await asyncio.wait_for(reader2.read(), 2)
            writer.close()
            writer2.close()
            return got, closed
        finally:
            tcp.close()

    got, closed = run(body(), timeout=10)
    assert got == [b"\r\n\r\n" + MSG, MSG, MSG] and closed == b""


def test_udp_skips_keepalives_and_survives_handler_errors():
    async def body():
        got: list[bytes] = []

        def handler(data, peer, t):
            if data == b"boom":
                raise RuntimeError("handler bug")
            got.append(data)

        udp = await UdpTransport.listen("127.0.0.1", 0, handler)
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                for data in (b"\r\n\r\n", b"boom", MSG):
                    s.sendto(data, ("127.0.0.1", udp.local_address[1]))
                for _ in range(100):
                    if got:
                        break
                    await asyncio.sleep(0.01)
            return got
        finally:
            udp.close()

    assert run(body(), timeout=10) == [MSG]

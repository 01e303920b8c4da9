"""Batched UDP I/O (sendmmsg/recvmmsg through ctypes) and its per-datagram fallback, on loopback."""

from __future__ import annotations

import socket

import pytest

from sip_gateway.mmsg import (
    HAVE_MMSG,
    MmsgRecvBatch,
    MmsgSendBatch,
    RecvfromBatch,
    SendtoBatch,
    parse_sockaddr,
    sockaddr_bytes,
)

needs_mmsg = pytest.mark.skipif(not HAVE_MMSG, reason="libc has no sendmmsg/recvmmsg (not Linux)")
SENDERS = [pytest.param(MmsgSendBatch, marks=needs_mmsg), SendtoBatch]
RECEIVERS = [pytest.param(MmsgRecvBatch, marks=needs_mmsg), RecvfromBatch]


def udp(family=socket.AF_INET, host="127.0.0.1") -> socket.socket:
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((host, 0))
    s.setblocking(False)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    return s


def drain(batch, rounds: int = 50) -> list[tuple[bytes, tuple]]:
    got: list[tuple[bytes, tuple]] = []
    for _ in range(rounds):
        if not batch.receive(lambda data, addr: got.append((data, addr))):
            break
    return got


def test_sockaddr_round_trip_ipv4_and_ipv6():
    raw = sockaddr_bytes(socket.AF_INET, ("192.0.2.7", 40002))
    assert len(raw) == 16 and parse_sockaddr(raw) == ("192.0.2.7", 40002)
    raw6 = sockaddr_bytes(socket.AF_INET6, ("2001:db8::5", 5004, 0, 3))
    assert len(raw6) == 28 and parse_sockaddr(raw6) == ("2001:db8::5", 5004, 0, 3)
    with pytest.raises(ValueError):
        parse_sockaddr(b"\x01\x00" + bytes(14))  # AF_UNIX: not a UDP peer


@pytest.mark.parametrize("sender", SENDERS)
@pytest.mark.parametrize("receiver", RECEIVERS)
def test_batch_reaches_several_destinations_in_order(sender, receiver):
    tx, rx1, rx2 = udp(), udp(), udp()
    batch = sender(tx, capacity=300, slot=200)
    for i in range(200):
        assert batch.add(bytes([i % 256]) * (12 + i % 150), (rx1 if i % 2 else rx2).getsockname())
    assert batch.pending == 200
    assert batch.flush() == 200 and batch.pending == 0 and batch.errors == 0
    got1, got2 = drain(receiver(rx1, capacity=16)), drain(receiver(rx2, capacity=16))
    assert [d for d, _ in got1] == [bytes([i % 256]) * (12 + i % 150) for i in range(1, 200, 2)]
    assert [d for d, _ in got2] == [bytes([i % 256]) * (12 + i % 150) for i in range(0, 200, 2)]
    assert {a for _, a in got1 + got2} == {tx.getsockname()}
    for s in (tx, rx1, rx2):
        s.close()


@pytest.mark.parametrize("sender", SENDERS)
def test_full_batch_and_oversized_datagram_are_refused(sender):
    tx, rx = udp(), udp()
    batch = sender(tx, capacity=3, slot=100)
    assert not batch.add(bytes(101), rx.getsockname())
    assert all(batch.add(bytes(10), rx.getsockname()) for _ in range(3))
    assert not batch.add(bytes(10), rx.getsockname())
    assert batch.flush() == 3
    tx.close()
    rx.close()


@pytest.mark.parametrize("sender", SENDERS)
def test_refused_datagram_is_counted_and_the_rest_still_go(sender):
    tx, rx = udp(), udp()
    batch = sender(tx, capacity=8)
    batch.add(b"first", rx.getsockname())
    batch.add(b"nowhere", ("127.0.0.1", 0))  # port 0: the kernel refuses it
    batch.add(b"last", rx.getsockname())
    assert batch.flush() == 2
    assert batch.errors == 1 and batch.failed == [1]
    assert [d for d, _ in drain(RecvfromBatch(rx))] == [b"first", b"last"]
    tx.close()
    rx.close()


@pytest.mark.parametrize("receiver", RECEIVERS)
def test_receive_truncated_and_empty_datagrams(receiver):
    tx, rx = udp(), udp()
    batch = receiver(rx, capacity=8, slot=64)
    assert batch.receive(lambda *a: None) == 0  # nothing waiting: no error, no block
    for data in (b"", bytes(65), b"ok"):
        tx.sendto(data, rx.getsockname())
    got = drain(batch)
    assert [d for d, _ in got] == [b"", b"ok"] and batch.truncated == 1 and batch.errors == 0
    tx.close()
    rx.close()


@needs_mmsg
def test_ipv6_batches():
    try:
        tx, rx = udp(socket.AF_INET6, "::1"), udp(socket.AF_INET6, "::1")
    except OSError:
        pytest.skip("no IPv6 loopback")
    batch = MmsgSendBatch(tx, capacity=4)
    batch.add(b"v6", rx.getsockname())
    assert batch.flush() == 1
    got = drain(MmsgRecvBatch(rx))
    assert got[0][0] == b"v6" and got[0][1][:2] == tx.getsockname()[:2]
    tx.close()
    rx.close()

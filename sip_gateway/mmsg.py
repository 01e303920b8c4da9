"""Batched UDP I/O for one socket: many datagrams per system call.

At a thousand calls a process sends and receives 50,000 RTP packets a second;
one ``sendto``/``recvfrom`` each costs more in the kernel entry and the Python
call than in the work itself (docs/loadtest.md, "What one call costs").
Linux's ``sendmmsg(2)`` and ``recvmmsg(2)`` move a whole batch per call. The
standard library has neither and PyPI has no maintained binding, so they are
called through ``ctypes`` on arrays built once: adding a packet is two slice
copies (payload, socket address) and one integer store, all in C.

Where libc lacks them (not Linux), ``SendtoBatch`` and ``RecvfromBatch`` keep
the same interface with one system call per datagram. ``send_batch`` and
``recv_batch`` pick the fast one when it is there.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import socket
from collections.abc import Callable

# ---- the C structures (<sys/socket.h>, <bits/uio.h>) -------------------------------


class _IoVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


class _MsgHdr(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_void_p),
        ("namelen", ctypes.c_uint32),
        ("iov", ctypes.c_void_p),
        ("iovlen", ctypes.c_size_t),
        ("control", ctypes.c_void_p),
        ("controllen", ctypes.c_size_t),
        ("flags", ctypes.c_int),
    ]


class _MMsgHdr(ctypes.Structure):
    _fields_ = [("hdr", _MsgHdr), ("len", ctypes.c_uint)]


_MMSG_SIZE = ctypes.sizeof(_MMsgHdr)
_IOV_SIZE = ctypes.sizeof(_IoVec)
_SIZE_T = {4: "I", 8: "Q"}[ctypes.sizeof(ctypes.c_size_t)]
# Offsets, in 4-byte words, of the fields rewritten on every batch: read from the structures
# rather than hard-coded, so 32-bit builds get them right too.
_LEN_WORD = _MMsgHdr.len.offset // 4
_WORDS = _MMSG_SIZE // 4
MSG_TRUNC = 0x20
MSG_DONTWAIT = 0x40
SOCKADDR_IN = 16
SOCKADDR_IN6 = 28


def _load_libc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        send, recv = libc.sendmmsg, libc.recvmmsg
    except (OSError, AttributeError):
        return None, None
    send.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_uint, ctypes.c_int]
    send.restype = ctypes.c_int
    recv.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_void_p]
    recv.restype = ctypes.c_int
    return send, recv


_sendmmsg, _recvmmsg = _load_libc()
HAVE_MMSG = _sendmmsg is not None


# ---- socket addresses (pure) -------------------------------------------------------


def sockaddr_bytes(family: int, address: tuple) -> bytes:
    """The C ``sockaddr_in``/``sockaddr_in6`` of ``(host, port[, flowinfo, scope_id])``;
    host is a numeric address (RTP targets come from SDP or from a received packet)."""
    host, port = address[0], address[1]
    if family == socket.AF_INET:
        return (socket.AF_INET.to_bytes(2, "little") + port.to_bytes(2, "big") + socket.inet_aton(host)
                + bytes(8))
    flowinfo = address[2] if len(address) > 2 else 0
    scope = address[3] if len(address) > 3 else 0
    return (socket.AF_INET6.to_bytes(2, "little") + port.to_bytes(2, "big") + flowinfo.to_bytes(4, "big")
            + socket.inet_pton(socket.AF_INET6, host) + scope.to_bytes(4, "little"))


def parse_sockaddr(raw: bytes) -> tuple:
    """``(host, port)`` for IPv4, ``(host, port, flowinfo, scope_id)`` for IPv6: what
    ``socket.recvfrom`` reports, so both paths hand the same address to the demultiplexer."""
    family = int.from_bytes(raw[:2], "little")
    port = int.from_bytes(raw[2:4], "big")
    if family == socket.AF_INET:
        return socket.inet_ntoa(raw[4:8]), port
    if family == socket.AF_INET6 and len(raw) >= SOCKADDR_IN6:
        return (socket.inet_ntop(socket.AF_INET6, raw[8:24]), port, int.from_bytes(raw[4:8], "big"),
                int.from_bytes(raw[24:28], "little"))
    raise ValueError(f"unsupported socket address family {family}")


def _name_size(sock: socket.socket) -> int:
    if sock.family == socket.AF_INET:
        return SOCKADDR_IN
    if sock.family == socket.AF_INET6:
        return SOCKADDR_IN6
    raise ValueError("batched UDP needs an AF_INET or AF_INET6 socket")


# ---- sending -----------------------------------------------------------------------


class MmsgSendBatch:
    """Datagrams queued with ``add`` go out with one ``sendmmsg`` per ``flush`` (more only
    for a batch larger than the kernel's UIO_MAXIOV of 1024)."""

    def __init__(self, sock: socket.socket, capacity: int = 1024, slot: int = 512) -> None:
        if _sendmmsg is None:
            raise OSError("libc has no sendmmsg")
        self.sock = sock
        self.capacity = capacity
        self.slot = slot  # bytes per datagram slot; larger datagrams are refused by add()
        self.pending = 0
        self.errors = 0  # datagrams the kernel refused (full buffer, unreachable network)
        self.failed: list[int] = []  # indices refused by the last flush (for the senders' counters)
        self._fd = sock.fileno()
        self._name_size = _name_size(sock)
        self._family = sock.family
        self._data = ctypes.create_string_buffer(capacity * slot)
        self._names = ctypes.create_string_buffer(capacity * self._name_size)
        self._iov = (_IoVec * capacity)()
        self._msgs = (_MMsgHdr * capacity)()
        data, names, iov = ctypes.addressof(self._data), ctypes.addressof(self._names), ctypes.addressof(self._iov)
        for i in range(capacity):
            self._iov[i].base = data + i * slot
            hdr = self._msgs[i].hdr
            hdr.name = names + i * self._name_size
            hdr.namelen = self._name_size
            hdr.iov = iov + i * _IOV_SIZE
            hdr.iovlen = 1
        self._data_view = memoryview(self._data).cast("B")
        self._names_view = memoryview(self._names).cast("B")
        self._iov_words = memoryview(self._iov).cast("B").cast(_SIZE_T)  # [base, len] per datagram
        self._msgs_addr = ctypes.addressof(self._msgs)
        self._addresses: dict[tuple, bytes] = {}  # target -> its sockaddr bytes, built once

    def add(self, data: bytes, address: tuple) -> bool:
        """Queue one datagram; False when the batch is full or the datagram too large."""
        i = self.pending
        n = len(data)
        if i >= self.capacity or n > self.slot:
            return False
        name = self._addresses.get(address)
        if name is None:
            if len(self._addresses) > 65536:  # peers come and go: keep the cache bounded
                self._addresses.clear()
            name = self._addresses[address] = sockaddr_bytes(self._family, address)
        start = i * self.slot
        self._data_view[start : start + n] = data
        start = i * self._name_size
        self._names_view[start : start + self._name_size] = name
        self._iov_words[2 * i + 1] = n
        self.pending = i + 1
        return True

    def flush(self) -> int:
        """Send what is queued; returns how many datagrams the kernel took. A datagram the
        kernel refuses is skipped and counted in ``errors`` (a late RTP packet is useless, so
        nothing is retried), the rest of the batch still goes."""
        total, sent = self.pending, 0
        self.pending = 0
        self.failed = []
        ok = 0
        while sent < total:
            n = _sendmmsg(self._fd, self._msgs_addr + sent * _MMSG_SIZE, min(total - sent, 1024), 0)
            if n > 0:
                sent += n
                ok += n
                continue
            err = ctypes.get_errno()
            if err == errno.EINTR:
                continue
            self.failed.append(sent)  # the first datagram of the rest failed: drop it, go on
            sent += 1
            self.errors += 1
        return ok


class SendtoBatch:
    """The same interface with one ``sendto`` per datagram (no sendmmsg in libc)."""

    def __init__(self, sock: socket.socket, capacity: int = 1024, slot: int = 512) -> None:
        self.sock = sock
        self.capacity = capacity
        self.slot = slot
        self.errors = 0
        self.failed: list[int] = []
        self._queue: list[tuple[bytes, tuple]] = []

    @property
    def pending(self) -> int:
        return len(self._queue)

    def add(self, data: bytes, address: tuple) -> bool:
        if len(self._queue) >= self.capacity or len(data) > self.slot:
            return False
        self._queue.append((data, address))
        return True

    def flush(self) -> int:
        queue, self._queue = self._queue, []
        self.failed = []
        sendto = self.sock.sendto
        ok = 0
        for i, (data, address) in enumerate(queue):
            try:
                sendto(data, address)
                ok += 1
            except OSError:
                self.failed.append(i)
                self.errors += 1
        return ok


# ---- receiving ---------------------------------------------------------------------


class MmsgRecvBatch:
    """Up to ``capacity`` datagrams per ``recvmmsg`` call, handed to a callback as
    ``(bytes, address)`` like ``datagram_received``."""

    def __init__(self, sock: socket.socket, capacity: int = 64, slot: int = 2048) -> None:
        if _recvmmsg is None:
            raise OSError("libc has no recvmmsg")
        self.sock = sock
        self.capacity = capacity
        self.slot = slot
        self.truncated = 0  # datagrams longer than a slot (not RTP we can use): dropped
        self.errors = 0
        self._fd = sock.fileno()
        self._name_size = _name_size(sock)
        self._data = ctypes.create_string_buffer(capacity * slot)
        self._names = ctypes.create_string_buffer(capacity * self._name_size)
        self._iov = (_IoVec * capacity)()
        self._msgs = (_MMsgHdr * capacity)()
        data, names, iov = ctypes.addressof(self._data), ctypes.addressof(self._names), ctypes.addressof(self._iov)
        for i in range(capacity):
            self._iov[i].base = data + i * slot
            self._iov[i].len = slot
            hdr = self._msgs[i].hdr
            hdr.name = names + i * self._name_size
            hdr.namelen = self._name_size
            hdr.iov = iov + i * _IOV_SIZE
            hdr.iovlen = 1
        self._data_view = memoryview(self._data).cast("B")
        self._names_view = memoryview(self._names).cast("B")
        self._words = memoryview(self._msgs).cast("B").cast("I")  # msg_len, msg_namelen, msg_flags
        self._msgs_addr = ctypes.addressof(self._msgs)
        # The raw source address -> the (host, port) tuple: RTP comes from a few thousand
        # sources at most, so parsing each one once keeps inet_ntoa off the per-packet path.
        self._addresses: dict[bytes, tuple] = {}

    def receive(self, deliver: Callable[[bytes, tuple], None]) -> int:
        """Read what is waiting (up to ``capacity``) without blocking; returns the count read
        (0 when nothing was waiting)."""
        # MSG_TRUNC: msg_len is the datagram's real length, so one read tells a truncated one.
        n = _recvmmsg(self._fd, self._msgs_addr, self.capacity, MSG_DONTWAIT | MSG_TRUNC, None)
        if n <= 0:
            if n < 0 and ctypes.get_errno() not in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR):
                self.errors += 1  # e.g. ECONNREFUSED left by an ICMP error: the socket goes on
            return 0
        words, names, data = self._words, self._names_view, self._data_view
        addresses, slot, size = self._addresses, self.slot, self._name_size
        key_size = 8 if size == SOCKADDR_IN else size  # family, port, IPv4 address
        # msg_namelen is not reset: the kernel writes back the size of the address it stored,
        # which for a socket of one family is always the size we set.
        for i in range(n):
            length = words[i * _WORDS + _LEN_WORD]
            if length > slot:
                self.truncated += 1
                continue
            raw = names[i * size : i * size + key_size].tobytes()
            address = addresses.get(raw)
            if address is None:
                if len(addresses) > 65536:
                    addresses.clear()
                try:
                    address = addresses[raw] = parse_sockaddr(raw)
                except ValueError:
                    self.errors += 1
                    continue
            start = i * slot
            deliver(data[start : start + length].tobytes(), address)
        return n


class RecvfromBatch:
    """The same interface with one ``recvfrom`` per datagram (no recvmmsg in libc)."""

    def __init__(self, sock: socket.socket, capacity: int = 64, slot: int = 2048) -> None:
        self.sock = sock
        self.capacity = capacity
        self.slot = slot
        self.truncated = 0
        self.errors = 0

    def receive(self, deliver: Callable[[bytes, tuple], None]) -> int:
        recvfrom = self.sock.recvfrom
        n = 0
        while n < self.capacity:
            try:
                data, address = recvfrom(self.slot + 1)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                self.errors += 1
                break
            n += 1
            if len(data) > self.slot:
                self.truncated += 1
                continue
            deliver(data, address)
        return n


def send_batch(sock: socket.socket, capacity: int = 1024, slot: int = 512) -> MmsgSendBatch | SendtoBatch:
    return MmsgSendBatch(sock, capacity, slot) if HAVE_MMSG else SendtoBatch(sock, capacity, slot)


def recv_batch(sock: socket.socket, capacity: int = 64, slot: int = 2048) -> MmsgRecvBatch | RecvfromBatch:
    return MmsgRecvBatch(sock, capacity, slot) if HAVE_MMSG else RecvfromBatch(sock, capacity, slot)

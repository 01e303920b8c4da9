"""SIP messages (RFC 3261 §7, §20, §25): parse bytes into typed dataclasses and back.

Pure functions, no I/O. Everything a datagram can get wrong raises
``SipParseError`` with a reason, so the transport can drop or answer 400 and
go on: a malformed packet never reaches the dialog layer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

MAX_MESSAGE = 65535  # larger than any UDP datagram; bounds TCP buffering too


class SipParseError(ValueError):
    """The bytes are not a SIP message we can act on; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


COMPACT = {
    "i": "Call-ID",
    "f": "From",
    "t": "To",
    "v": "Via",
    "m": "Contact",
    "l": "Content-Length",
    "c": "Content-Type",
    "k": "Supported",
    "e": "Content-Encoding",
    "s": "Subject",
    "o": "Event",
    "r": "Refer-To",
    "b": "Referred-By",
    "u": "Allow-Events",
    "x": "Session-Expires",
}

_CANONICAL = {
    name.lower(): name
    for name in (
        "Via",
        "From",
        "To",
        "Call-ID",
        "CSeq",
        "Contact",
        "Max-Forwards",
        "Route",
        "Record-Route",
        "Content-Length",
        "Content-Type",
        "Content-Encoding",
        "Supported",
        "Require",
        "Allow",
        "Accept",
        "User-Agent",
        "Server",
        "Retry-After",
        "Subject",
        "Event",
        "Refer-To",
        "Referred-By",
        "Allow-Events",
        "Subscription-State",
        "Session-Expires",
        "Expires",
        "Unsupported",
        "Warning",
        "Reason",
        "Date",
        "Timestamp",
        "Organization",
        "Proxy-Require",
        "WWW-Authenticate",
        "Authorization",
        "Proxy-Authenticate",
        "Proxy-Authorization",
        "RSeq",
        "RAck",
        "P-Asserted-Identity",
    )
}
_CANONICAL["cseq"] = "CSeq"
_CANONICAL["call-id"] = "Call-ID"
_CANONICAL["www-authenticate"] = "WWW-Authenticate"

# Headers whose comma-separated values are separate entries (RFC 3261 §7.3.1).
_MULTI = {"Via", "Route", "Record-Route", "Contact", "Allow", "Supported", "Require", "Accept"}


_NAMES = {**_CANONICAL, **COMPACT}  # lower-case or compact name → canonical name
_BAD_HOST = re.compile(r'[\s<>"@;]')
_TOKEN = re.compile(r"[A-Za-z0-9\-.!%*_+`'~]+")


def canonical_name(name: str) -> str:
    return _NAMES.get(name.lower(), name)


class Headers:
    """Ordered header list with case-insensitive, compact-form-aware lookup."""

    __slots__ = ("_items",)

    def __init__(self, items: list[tuple[str, str]] | None = None) -> None:
        self._items: list[tuple[str, str, str]] = []  # (name, value, lower-case canonical name)
        for name, value in items or ():
            self.add(name, value)

    def add(self, name: str, value: str) -> None:
        if "\r" in value or "\n" in value:
            raise ValueError(f"header {name} value contains a line break")
        canon = canonical_name(name)
        self._items.append((canon, value, canon.lower()))

    def get(self, name: str, default: str | None = None) -> str | None:
        key = canonical_name(name).lower()
        for _, v, k in self._items:
            if k == key:
                return v
        return default

    def get_all(self, name: str) -> list[str]:
        key = canonical_name(name).lower()
        return [v for _, v, k in self._items if k == key]

    def set(self, name: str, value: str) -> None:
        self.remove(name)
        self.add(name, value)

    def replace_first(self, name: str, value: str) -> None:
        key = canonical_name(name).lower()
        for i, (n, _, k) in enumerate(self._items):
            if k == key:
                self._items[i] = (n, value, k)
                return
        self.add(name, value)

    def remove(self, name: str) -> None:
        key = canonical_name(name).lower()
        self._items = [item for item in self._items if item[2] != key]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return ((n, v) for n, v, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def copy(self) -> Headers:
        new = Headers()
        new._items = list(self._items)
        return new


# --- URIs, name-addr, Via, CSeq -------------------------------------------------------------


@dataclass(slots=True)
class SipUri:
    scheme: str
    host: str
    user: str = ""
    port: int | None = None
    params: dict[str, str | None] = field(default_factory=dict)
    headers: str = ""

    def __str__(self) -> str:
        out = [self.scheme, ":"]
        if self.user:
            out += [self.user, "@"]
        out.append(f"[{self.host}]" if ":" in self.host else self.host)
        if self.port is not None:
            out.append(f":{self.port}")
        out += [_param_str(k, v) for k, v in self.params.items()]
        if self.headers:
            out += ["?", self.headers]
        return "".join(out)

    @property
    def transport(self) -> str:
        return (self.params.get("transport") or "udp").lower()


@dataclass(slots=True)
class NameAddress:
    uri: SipUri
    display: str = ""
    params: dict[str, str | None] = field(default_factory=dict)

    @property
    def tag(self) -> str | None:
        return self.params.get("tag")

    def __str__(self) -> str:
        display = f'"{self.display}" ' if self.display else ""
        return f"{display}<{self.uri}>" + "".join(_param_str(k, v) for k, v in self.params.items())


@dataclass(slots=True)
class Via:
    transport: str
    host: str
    port: int | None = None
    params: dict[str, str | None] = field(default_factory=dict)

    @property
    def branch(self) -> str | None:
        return self.params.get("branch")

    @property
    def sent_by(self) -> tuple[str, int]:
        return self.host, self.port or 5060

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = f":{self.port}" if self.port is not None else ""
        return f"SIP/2.0/{self.transport} {host}{port}" + "".join(
            _param_str(k, v) for k, v in self.params.items()
        )


@dataclass(slots=True, frozen=True)
class CSeq:
    number: int
    method: str

    def __str__(self) -> str:
        return f"{self.number} {self.method}"


def _param_str(key: str, value: str | None) -> str:
    return f";{key}" if value is None else f";{key}={value}"


def split_commas(value: str) -> list[str]:
    """Split a header value on commas outside quotes and angle brackets."""
    if "," not in value:
        return [value.strip()]
    if '"' not in value and "<" not in value:
        return [p for p in (part.strip() for part in value.split(",")) if p]
    parts, depth, quoted, start = [], 0, False, 0
    i = 0
    while i < len(value):
        ch = value[i]
        if quoted:
            if ch == "\\":
                i += 1
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
        elif ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(value[start:i].strip())
            start = i + 1
        i += 1
    parts.append(value[start:].strip())
    return [p for p in parts if p]


def _parse_params(text: str) -> dict[str, str | None]:
    params: dict[str, str | None] = {}
    for item in text.split(";"):
        item = item.strip()
        if not item:
            continue
        key, sep, val = item.partition("=")
        key = key.strip().lower()
        if not key:
            raise SipParseError(f"empty parameter name in {text!r}")
        params[key] = val.strip().strip('"') if sep else None
    return params


def _parse_hostport(text: str, what: str) -> tuple[str, int | None]:
    text = text.strip()
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise SipParseError(f"unterminated IPv6 reference in {what}")
        host, rest = text[1:end], text[end + 1 :]
        if not rest:
            return host, None
        if not rest.startswith(":"):
            raise SipParseError(f"garbage after IPv6 host in {what}")
        port_text = rest[1:]
    else:
        host, sep, port_text = text.partition(":")
        if not sep:
            port_text = ""
    if not host or _BAD_HOST.search(host):
        raise SipParseError(f"bad host {host!r} in {what}")
    if not port_text:
        return host.lower() if ":" not in host else host, None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise SipParseError(f"bad port {port_text!r} in {what}")
    return host.lower() if ":" not in host else host, int(port_text)


def parse_uri(text: str) -> SipUri:
    """Parse a sip:/sips:/tel: URI."""
    text = text.strip()
    scheme, sep, rest = text.partition(":")
    scheme = scheme.lower()
    if not sep or scheme not in {"sip", "sips", "tel"}:
        raise SipParseError(f"unsupported URI {text[:60]!r}")
    if scheme == "tel":
        number, _, params = rest.partition(";")
        if not number:
            raise SipParseError("empty tel: URI")
        return SipUri("tel", host="", user=number, params=_parse_params(params))
    rest, _, headers = rest.partition("?")
    userinfo, at, hostpart = rest.rpartition("@")
    if not at:
        userinfo, hostpart = "", rest
    user = userinfo.partition(":")[0]  # a password, if any, is dropped
    hostport, _, params = hostpart.partition(";")
    host, port = _parse_hostport(hostport, "URI")
    return SipUri(scheme, host=host, user=user, port=port, params=_parse_params(params), headers=headers)


def parse_name_address(text: str) -> NameAddress:
    """Parse From/To/Contact/Route/Refer-To values: name-addr or addr-spec plus params."""
    text = text.strip()
    display = ""
    if text.startswith('"'):
        end = 1
        while end < len(text) and text[end] != '"':
            end += 2 if text[end] == "\\" else 1
        if end >= len(text):
            raise SipParseError("unterminated display name")
        display = text[1:end]
        text = text[end + 1 :].lstrip()
        if not text.startswith("<"):
            raise SipParseError("quoted display name without <URI>")
    lt = text.find("<")
    if lt >= 0:
        gt = text.find(">", lt)
        if gt < 0:
            raise SipParseError("unterminated <URI>")
        display = display or text[:lt].strip()
        uri = parse_uri(text[lt + 1 : gt])
        params = _parse_params(text[gt + 1 :])
    else:
        # addr-spec: parameters after the URI belong to the header, not the URI (§20.10)
        addr, _, params_text = text.partition(";")
        uri = parse_uri(addr)
        params = _parse_params(params_text)
    return NameAddress(uri=uri, display=display, params=params)


def parse_via(text: str) -> Via:
    proto, _, rest = text.strip().partition(" ")
    parts = [p.strip() for p in proto.split("/")]
    if len(parts) != 3 or parts[0].upper() != "SIP" or parts[1] != "2.0" or not parts[2]:
        raise SipParseError(f"bad Via protocol {proto[:40]!r}")
    rest = rest.strip()
    hostport, _, params = rest.partition(";")
    host, port = _parse_hostport(hostport, "Via")
    return Via(parts[2].upper(), host, port, _parse_params(params))


def parse_cseq(text: str) -> CSeq:
    number, _, method = text.strip().partition(" ")
    method = method.strip()
    if not number.isdigit() or len(number) > 10 or int(number) >= 2**31 or not method:
        raise SipParseError(f"bad CSeq {text[:40]!r}")
    if not _TOKEN.fullmatch(method):
        raise SipParseError(f"bad CSeq method {method[:20]!r}")
    return CSeq(int(number), method)


# --- messages ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Message:
    headers: Headers
    body: bytes

    @property
    def vias(self) -> list[Via]:
        return [parse_via(v) for v in self.headers.get_all("Via")]

    @property
    def top_via(self) -> Via:
        value = self.headers.get("Via")
        if value is None:
            raise SipParseError("missing Via")
        return parse_via(value)

    @property
    def from_(self) -> NameAddress:
        return parse_name_address(self._required("From"))

    @property
    def to(self) -> NameAddress:
        return parse_name_address(self._required("To"))

    @property
    def call_id(self) -> str:
        return self._required("Call-ID")

    @property
    def cseq(self) -> CSeq:
        return parse_cseq(self._required("CSeq"))

    @property
    def contact(self) -> NameAddress | None:
        value = self.headers.get("Contact")
        return None if value is None or value.strip() == "*" else parse_name_address(value)

    @property
    def record_route(self) -> list[str]:
        return self.headers.get_all("Record-Route")

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def _required(self, name: str) -> str:
        value = self.headers.get(name)
        if value is None:
            raise SipParseError(f"missing {name}")
        return value

    def _serialize(self, start_line: str) -> bytes:
        lines = [start_line]
        lines += [f"{name}: {value}" for name, value in self.headers if name != "Content-Length"]
        lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


@dataclass(slots=True)
class SipRequest(_Message):
    method: str = ""
    uri: str = ""

    def to_bytes(self) -> bytes:
        return self._serialize(f"{self.method} {self.uri} SIP/2.0")


@dataclass(slots=True)
class SipResponse(_Message):
    status: int = 0
    reason: str = ""

    def to_bytes(self) -> bytes:
        return self._serialize(f"SIP/2.0 {self.status} {self.reason}")


SipMessage = SipRequest | SipResponse

REASONS = {
    100: "Trying",
    180: "Ringing",
    183: "Session Progress",
    200: "OK",
    202: "Accepted",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    415: "Unsupported Media Type",
    420: "Bad Extension",
    480: "Temporarily Unavailable",
    481: "Call/Transaction Does Not Exist",
    486: "Busy Here",
    487: "Request Terminated",
    488: "Not Acceptable Here",
    491: "Request Pending",
    500: "Server Internal Error",
    501: "Not Implemented",
    503: "Service Unavailable",
    603: "Decline",
}


def request(method: str, uri: str, headers: list[tuple[str, str]], body: bytes = b"") -> SipRequest:
    return SipRequest(headers=Headers(headers), body=body, method=method, uri=uri)


def response_to(
    req: SipRequest,
    status: int,
    reason: str = "",
    *,
    to_tag: str | None = None,
    body: bytes = b"",
    extra: list[tuple[str, str]] | None = None,
) -> SipResponse:
    """A response copying Via, From, To (adding ``to_tag`` if To has none), Call-ID, CSeq (§8.2.6.2)."""
    headers = Headers()
    for name, value in req.headers:
        if name in ("Via", "From", "Call-ID", "CSeq"):
            headers.add(name, value)
        elif name == "To":
            if to_tag and ";tag=" not in value.replace(" ", "").lower():
                value = f"{value};tag={to_tag}"
            headers.add(name, value)
    for name, value in extra or ():
        headers.add(name, value)
    return SipResponse(headers=headers, body=body, status=status, reason=reason or REASONS.get(status, ""))


# --- parsing ----------------------------------------------------------------------------------


def _split_head(data: bytes) -> tuple[bytes, bytes]:
    end = data.find(b"\r\n\r\n")
    if end >= 0:
        return data[:end], data[end + 4 :]
    end = data.find(b"\n\n")  # tolerate bare LF line ends
    if end >= 0:
        return data[:end], data[end + 2 :]
    raise SipParseError("no blank line after the headers (truncated message?)")


def _header_lines(head: str) -> list[str]:
    lines: list[str] = []
    for line in head.replace("\r\n", "\n").split("\n"):
        if line[:1] in (" ", "\t"):
            if len(lines) < 2:
                raise SipParseError("continuation line before any header")
            lines[-1] += " " + line.strip()  # folded header (§7.3.1)
        else:
            lines.append(line)
    return lines


def parse_message(data: bytes) -> SipMessage:
    """Parse one complete SIP message (a UDP datagram or one framed TCP message)."""
    if len(data) > MAX_MESSAGE:
        raise SipParseError("message too large")
    data = data.lstrip(b"\r\n")  # keep-alive CRLFs before a message (RFC 5626)
    if not data:
        raise SipParseError("empty message")
    head_bytes, body = _split_head(data)
    try:
        head = head_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SipParseError("headers are not UTF-8") from exc
    lines = _header_lines(head)
    start = lines[0]
    headers = Headers()
    items = headers._items  # filled directly: values cannot hold line breaks here
    for line in lines[1:]:
        if "\r" in line:
            raise SipParseError("bare CR inside a header line")
        name, colon, value = line.partition(":")
        name = name.strip()
        if not colon or not _TOKEN.fullmatch(name):
            raise SipParseError(f"bad header line {line[:40]!r}")
        value = value.strip()
        canon = _NAMES.get(name.lower(), name)
        key = canon.lower()
        if canon in _MULTI and "," in value:
            items.extend((canon, part, key) for part in split_commas(value))
        else:
            items.append((canon, value, key))
    msg = _parse_start_line(start, headers, body)
    _check(msg)
    return msg


def _parse_start_line(start: str, headers: Headers, body: bytes) -> SipMessage:
    if start.startswith("SIP/"):
        version, _, rest = start.partition(" ")
        code, _, reason = rest.partition(" ")
        if version != "SIP/2.0":
            raise SipParseError(f"unsupported version {version[:20]!r}")
        if len(code) != 3 or not code.isdigit() or not 100 <= int(code) <= 699:
            raise SipParseError(f"bad status code {code[:10]!r}")
        return SipResponse(headers=headers, body=body, status=int(code), reason=reason.strip())
    parts = start.split(" ")
    if len(parts) != 3:
        raise SipParseError(f"bad request line {start[:60]!r}")
    method, uri, version = parts
    if version != "SIP/2.0":
        raise SipParseError(f"unsupported version {version[:20]!r}")
    if not _TOKEN.fullmatch(method):
        raise SipParseError(f"bad method {method[:20]!r}")
    if ":" not in uri:
        raise SipParseError(f"bad Request-URI {uri[:60]!r}")
    return SipRequest(headers=headers, body=body, method=method, uri=uri)


def _check(msg: SipMessage) -> None:
    """Mandatory headers (§8.1.1) parse, and the body matches Content-Length."""
    vias = msg.headers.get_all("Via")
    if not vias:
        raise SipParseError("missing Via")
    parse_via(vias[0])
    msg.from_  # noqa: B018 - parsing is the check
    msg.to  # noqa: B018
    if not msg.call_id:
        raise SipParseError("empty Call-ID")
    cseq = msg.cseq
    if isinstance(msg, SipRequest):
        if cseq.method != msg.method:
            raise SipParseError(f"CSeq method {cseq.method} does not match {msg.method}")
        parse_uri(msg.uri)
    length = msg.headers.get("Content-Length")
    if length is not None:
        if not length.isdigit():
            raise SipParseError(f"bad Content-Length {length[:20]!r}")
        n = int(length)
        if n > len(msg.body):
            raise SipParseError(f"body shorter than Content-Length ({len(msg.body)} < {n})")
        msg.body = msg.body[:n]


def frame_length(buffer: bytes | bytearray) -> int | None:
    """Length of the first complete message in a TCP stream buffer, None if incomplete.

    Stream transports need Content-Length (§18.3); raises SipParseError when it is
    missing or bad, or when the headers outgrow MAX_MESSAGE.
    """
    start = 0
    while buffer[start : start + 2] == b"\r\n":
        start += 2
    end = buffer.find(b"\r\n\r\n", start)
    if end < 0:
        if len(buffer) - start > MAX_MESSAGE:
            raise SipParseError("headers too large")
        return None
    head = bytes(buffer[start:end]).decode("utf-8", "replace")
    length = None
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if canonical_name(name.strip()) == "Content-Length":
            value = value.strip()
            if not value.isdigit():
                raise SipParseError(f"bad Content-Length {value[:20]!r}")
            length = int(value)
    if length is None:
        raise SipParseError("missing Content-Length on a stream transport")
    total = end + 4 + length
    if total - start > MAX_MESSAGE:
        raise SipParseError("message too large")
    return total if len(buffer) >= total else None

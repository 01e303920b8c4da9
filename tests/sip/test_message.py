"""SIP message parsing and serialisation on real-world shapes of messages."""

from __future__ import annotations

import random

import pytest

from sip_gateway.message import (
    SipParseError,
    SipRequest,
    SipResponse,
    frame_length,
    parse_message,
    parse_name_address,
    parse_uri,
    parse_via,
    response_to,
)

INVITE = (
    "INVITE sip:1900866895@hotline.example.vn SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.example.vn:5060;branch=z9hG4bK776asdhds;rport\r\n"
    "Max-Forwards: 70\r\n"
    'To: "Tong dai" <sip:1900866895@hotline.example.vn>\r\n'
    'From: "Nguyen Van A" <sip:0912345678@carrier.vn>;tag=1928301774\r\n'
    "Call-ID: a84b4c76e66710@pc33.example.vn\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:0912345678@192.0.2.4:5062>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "v=0\r\n"
)


def test_parse_request_fields():
    msg = parse_message(INVITE.encode())
    assert isinstance(msg, SipRequest)
    assert msg.method == "INVITE" and msg.uri == "sip:1900866895@hotline.example.vn"
    assert msg.call_id == "a84b4c76e66710@pc33.example.vn"
    assert msg.cseq.number == 314159 and msg.cseq.method == "INVITE"
    assert msg.from_.uri.user == "0912345678" and msg.from_.tag == "1928301774"
    assert msg.from_.display == "Nguyen Van A"
    assert msg.to.tag is None and msg.to.display == "Tong dai"
    assert msg.contact is not None and msg.contact.uri.port == 5062
    via = msg.top_via
    assert via.transport == "UDP" and via.host == "pc33.example.vn" and via.port == 5060
    assert via.branch == "z9hG4bK776asdhds" and "rport" in via.params and via.params["rport"] is None
    assert msg.body == b"v=0\r"  # Content-Length 4 cuts the body
    assert msg.content_type == "application/sdp"


def test_compact_headers_are_expanded():
    raw = (
        "BYE sip:a@b SIP/2.0\r\nv: SIP/2.0/TCP 10.0.0.1;branch=z9hG4bKx\r\nf: <sip:x@y>;tag=1\r\n"
        "t: <sip:a@b>;tag=2\r\ni: abc\r\nCSeq: 2 BYE\r\nm: <sip:x@10.0.0.1>\r\nl: 0\r\n\r\n"
    )
    msg = parse_message(raw.encode())
    assert msg.call_id == "abc" and msg.to.tag == "2" and msg.from_.tag == "1"
    assert msg.headers.get("Call-ID") == msg.headers.get("i") == msg.headers.get("CALL-ID") == "abc"
    assert [name for name, _ in msg.headers][:3] == ["Via", "From", "To"]
    assert b"Call-ID: abc\r\n" in msg.to_bytes()


def test_multiple_vias_comma_and_separate_lines_keep_order():
    raw = INVITE.replace(
        "Via: SIP/2.0/UDP pc33.example.vn:5060;branch=z9hG4bK776asdhds;rport\r\n",
        "Via: SIP/2.0/UDP proxy2.vn:5060;branch=z9hG4bK2, SIP/2.0/UDP proxy1.vn;branch=z9hG4bK1\r\n"
        "v: SIP/2.0/UDP pc33.example.vn;branch=z9hG4bK0\r\n",
    )
    msg = parse_message(raw.encode())
    assert [v.host for v in msg.vias] == ["proxy2.vn", "proxy1.vn", "pc33.example.vn"]
    resp = response_to(msg, 200, to_tag="abc")
    assert [v.host for v in parse_message(resp.to_bytes()).vias] == [
        "proxy2.vn",
        "proxy1.vn",
        "pc33.example.vn",
    ]


def test_folded_header_lines():
    raw = INVITE.replace(
        "Call-ID: a84b4c76e66710@pc33.example.vn\r\n", "Subject: I know\r\n   you are there\r\nCall-ID: x\r\n"
    )
    msg = parse_message(raw.encode())
    assert msg.headers.get("Subject") == "I know you are there"
    assert msg.call_id == "x"


def test_ipv6_addresses():
    raw = (
        "OPTIONS sip:[2001:db8::10]:5060 SIP/2.0\r\n"
        "Via: SIP/2.0/UDP [2001:db8::9:1]:5070;branch=z9hG4bKas3;received=2001:db8::9:255\r\n"
        "From: <sip:user@[2001:db8::9:1]>;tag=81x2\r\nTo: <sip:[2001:db8::10]>\r\n"
        "Call-ID: SSG9559905523997077@hlau_4100\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
    )
    msg = parse_message(raw.encode())
    via = msg.top_via
    assert via.host == "2001:db8::9:1" and via.port == 5070 and via.params["received"] == "2001:db8::9:255"
    uri = parse_uri(msg.uri)
    assert uri.host == "2001:db8::10" and uri.port == 5060
    assert str(uri) == "sip:[2001:db8::10]:5060"
    assert str(via).startswith("SIP/2.0/UDP [2001:db8::9:1]:5070;")


def test_response_parse_and_round_trip():
    raw = (
        "SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKb\r\nFrom: <sip:a@b>;tag=1\r\n"
        "To: <sip:c@d>;tag=2\r\nCall-ID: q\r\nCSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n"
    )
    msg = parse_message(raw.encode())
    assert isinstance(msg, SipResponse) and msg.status == 486 and msg.reason == "Busy Here"
    again = parse_message(msg.to_bytes())
    assert again.to_bytes() == msg.to_bytes()


@pytest.mark.parametrize(
    ("drop", "reason"),
    [("Via", "missing Via"), ("From", "missing From"), ("To", "missing To"), ("Call-ID", "missing Call-ID"),
     ("CSeq", "missing CSeq")],
)  # fmt: skip
def test_missing_mandatory_header(drop, reason):
    raw = "\r\n".join(line for line in INVITE.split("\r\n") if not line.startswith(drop + ":"))
    with pytest.raises(SipParseError) as info:
        parse_message(raw.encode())
    assert info.value.reason == reason


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (INVITE.replace("Content-Length: 4", "Content-Length: 400"), "body shorter"),
        (INVITE.replace("CSeq: 314159 INVITE", "CSeq: 314159 BYE"), "does not match"),
        (INVITE.replace("CSeq: 314159", "CSeq: abc"), "bad CSeq"),
        (INVITE.replace("SIP/2.0\r\n", "SIP/3.0\r\n", 1), "unsupported version"),
        (INVITE.split("\r\n\r\n")[0], "no blank line"),
        (INVITE.replace("Via: SIP/2.0/UDP", "Via: HTTP/1.1/UDP"), "bad Via"),
        (INVITE.replace("Max-Forwards: 70", "Max Forwards 70"), "bad header line"),
        (INVITE.replace("pc33.example.vn:5060", "pc33.example.vn:99999"), "bad port"),
        ("SIP/2.0 2000 OK\r\n\r\n", "bad status code"),
        ("", "empty"),
    ],
)
def test_malformed_messages_raise_with_reason(raw, reason):
    with pytest.raises(SipParseError) as info:
        parse_message(raw.encode())
    assert reason in info.value.reason


def test_parse_never_raises_anything_else_on_mutations():
    rng = random.Random(7)
    data = INVITE.encode()
    outcomes = {"ok": 0, "error": 0}
    for _ in range(3000):
        mutated = bytearray(data)
        for _ in range(rng.randrange(1, 6)):
            op = rng.randrange(3)
            pos = rng.randrange(len(mutated))
            if op == 0:
                mutated[pos] = rng.randrange(256)
            elif op == 1:
                del mutated[pos : pos + rng.randrange(1, 20)]
            else:
                mutated[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8)))
        try:
            parse_message(bytes(mutated))
            outcomes["ok"] += 1
        except SipParseError:
            outcomes["error"] += 1
    assert outcomes["error"] > 1000 and outcomes["ok"] > 0


def test_name_address_forms():
    a = parse_name_address('"Quoted \\"name\\"" <sip:u@h;transport=tcp>;tag=9;expires=30')
    assert a.display == 'Quoted \\"name\\"' and a.uri.transport == "tcp" and a.tag == "9"
    b = parse_name_address("sip:u@h;tag=7")  # addr-spec: the param belongs to the header
    assert b.tag == "7" and b.uri.params == {}
    c = parse_name_address("Anonymous <sip:anonymous@anonymous.invalid>")
    assert c.display == "Anonymous" and c.uri.host == "anonymous.invalid"
    assert parse_uri("tel:+84912345678").user == "+84912345678"
    with pytest.raises(SipParseError):
        parse_name_address("<sip:u@h")
    with pytest.raises(SipParseError):
        parse_uri("http://example.com")
    assert parse_via("SIP/2.0/TLS host;branch=z9hG4bKa").sent_by == ("host", 5060)


def test_response_to_adds_to_tag_once():
    req = parse_message(INVITE.encode())
    resp = response_to(req, 180, to_tag="srv")
    assert parse_message(resp.to_bytes()).to.tag == "srv"
    again = response_to(parse_message(resp.to_bytes().replace(b"SIP/2.0 180 Ringing", b"SIP/2.0 180 R")), 200)
    assert again.headers.get("To").count("tag=") == 1


def test_tcp_framing_by_content_length():
    one = parse_message(INVITE.encode()).to_bytes()
    stream = b"\r\n\r\n" + one + one[:50]
    end = frame_length(stream)
    assert end == 4 + len(one)
    assert frame_length(stream[end:]) is None  # incomplete second message
    assert frame_length(one[:-2]) is None
    with pytest.raises(SipParseError):
        frame_length(b"OPTIONS sip:x SIP/2.0\r\nVia: x\r\n\r\n")  # no Content-Length on a stream
    with pytest.raises(SipParseError):
        frame_length(b"A" * 70000)

"""Dialog state: route sets, loose and strict routing, CSeq ordering."""

from __future__ import annotations

import pytest

from sip_gateway.dialog import Dialog
from sip_gateway.message import SipParseError, parse_message, response_to

INVITE = (
    "INVITE sip:1900@10.0.0.5 SIP/2.0\r\n"
    "Record-Route: <sip:p2.vn;lr>, <sip:p1.vn;lr>\r\n"
    "Via: SIP/2.0/UDP p2.vn;branch=z9hG4bK2\r\nVia: SIP/2.0/UDP caller.vn;branch=z9hG4bK1\r\n"
    "From: <sip:0912@caller.vn>;tag=abc\r\nTo: <sip:1900@hotline.vn>\r\nCall-ID: d1\r\nCSeq: 10 INVITE\r\n"
    "Contact: <sip:0912@192.0.2.7:5062>\r\nContent-Length: 0\r\n\r\n"
)


def test_uas_dialog_with_record_route():
    invite = parse_message(INVITE.encode())
    d = Dialog.as_uas(invite, "ours")
    assert d.key == ("d1", "ours", "abc")
    assert d.route_set == ["<sip:p2.vn;lr>", "<sip:p1.vn;lr>"]
    assert d.remote_target == "sip:0912@192.0.2.7:5062"
    assert d.next_hop().host == "p2.vn"
    bye = d.create_request("BYE", "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKb", "<sip:hotline@10.0.0.5>")
    assert bye.uri == "sip:0912@192.0.2.7:5062"  # loose routing: Request-URI is the remote target
    assert bye.headers.get_all("Route") == ["<sip:p2.vn;lr>", "<sip:p1.vn;lr>"]
    assert bye.from_.tag == "ours" and bye.to.tag == "abc" and bye.cseq.number == 1
    assert d.create_request("REFER", "SIP/2.0/UDP h;branch=z9hG4bKc", "<sip:h>").cseq.number == 2
    parse_message(bye.to_bytes())  # what we send parses


def test_strict_route_puts_the_target_last():
    invite = parse_message(INVITE.replace("<sip:p2.vn;lr>, ", "<sip:p2.vn>, ").encode())
    d = Dialog.as_uas(invite, "ours")
    bye = d.create_request("BYE", "SIP/2.0/UDP h;branch=z9hG4bKb", "<sip:h>")
    assert bye.uri == "sip:p2.vn"
    assert bye.headers.get_all("Route") == ["<sip:p1.vn;lr>", "<sip:0912@192.0.2.7:5062>"]


def test_uac_dialog_reverses_record_route():
    invite = parse_message(INVITE.replace("Record-Route: <sip:p2.vn;lr>, <sip:p1.vn;lr>\r\n", "").encode())
    ok = response_to(invite, 200, to_tag="srv", extra=[
        ("Record-Route", "<sip:p2.vn;lr>"), ("Record-Route", "<sip:p1.vn;lr>"), ("Contact", "<sip:1900@10.0.0.5>"),
    ])  # fmt: skip
    d = Dialog.as_uac(invite, parse_message(ok.to_bytes()))
    assert d.route_set == ["<sip:p1.vn;lr>", "<sip:p2.vn;lr>"]
    assert d.key == ("d1", "abc", "srv") and d.local_cseq == 10
    ack = d.create_request("ACK", "SIP/2.0/UDP h;branch=z9hG4bKa", "<sip:h>", cseq=10)
    assert ack.cseq.number == 10 and d.local_cseq == 10


def test_remote_cseq_must_increase():
    d = Dialog.as_uas(parse_message(INVITE.encode()), "ours")
    assert d.accept_remote_cseq(11)
    assert not d.accept_remote_cseq(11)
    assert not d.accept_remote_cseq(5)


def test_invite_without_contact_or_tag_cannot_make_a_dialog():
    no_contact = INVITE.replace("Contact: <sip:0912@192.0.2.7:5062>\r\n", "")
    with pytest.raises(SipParseError):
        Dialog.as_uas(parse_message(no_contact.encode()), "x")
    with pytest.raises(SipParseError):
        Dialog.as_uas(parse_message(INVITE.replace(";tag=abc", "").encode()), "x")

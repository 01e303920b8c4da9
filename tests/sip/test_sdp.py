"""SDP offers as sent by sipp, baresip and Linphone; answers, hold and rejection."""

from __future__ import annotations

import pytest

from sip_gateway.sdp import SdpError, build_answer, build_offer, next_version, parse_sdp

SIPP = """v=0
o=user1 53655765 2353687637 IN IP4 127.0.0.1
s=-
c=IN IP4 127.0.0.1
t=0 0
m=audio 6000 RTP/AVP 0
a=rtpmap:0 PCMU/8000
"""

BARESIP = """v=0\r
o=- 1602438357 2880123795 IN IP4 192.168.1.20\r
s=-\r
c=IN IP4 192.168.1.20\r
t=0 0\r
m=audio 10570 RTP/AVP 96 9 0 8 101\r
b=AS:128\r
a=rtpmap:96 opus/48000/2\r
a=fmtp:96 stereo=1;sprop-stereo=1\r
a=rtpmap:9 G722/8000\r
a=rtpmap:0 PCMU/8000\r
a=rtpmap:8 PCMA/8000\r
a=rtpmap:101 telephone-event/8000\r
a=fmtp:101 0-15\r
a=rtcp-mux\r
a=ptime:20\r
a=sendrecv\r
a=label:1\r
"""

LINPHONE = """v=0\r
o=0987654321 3158 2217 IN IP6 2001:db8::42\r
s=Talk\r
c=IN IP6 2001:db8::42\r
t=0 0\r
a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics\r
m=audio 7078 RTP/AVP 96 97 98 8 18 101 99 100\r
a=rtpmap:96 opus/48000/2\r
a=fmtp:96 useinbandfec=1\r
a=rtpmap:97 speex/16000\r
a=fmtp:97 vbr=on\r
a=rtpmap:98 speex/8000\r
a=rtpmap:18 G729/8000\r
a=fmtp:18 annexb=yes\r
a=rtpmap:101 telephone-event/48000\r
a=rtpmap:99 telephone-event/16000\r
a=rtpmap:100 telephone-event/8000\r
a=rtcp-fb:* trr-int 1000\r
m=video 9078 RTP/AVP 103\r
a=rtpmap:103 VP8/90000\r
"""


def test_sipp_offer():
    offer = parse_sdp(SIPP)
    assert offer.rtp_address == ("127.0.0.1", 6000)
    assert offer.codec.name == "PCMU" and offer.codec.payload_type == 0
    assert offer.audio.telephone_event is None and offer.audio_direction == "sendrecv"
    answer = build_answer(offer, "10.0.0.5", 20000)
    text = answer.to_text()
    assert "m=audio 20000 RTP/AVP 0\r\n" in text and "c=IN IP4 10.0.0.5" in text and "a=sendrecv" in text
    assert "a=ptime:20" in text


def test_baresip_offer_picks_first_g711_and_keeps_dtmf():
    offer = parse_sdp(BARESIP)
    assert [c.name for c in offer.audio.codecs] == ["opus", "G722", "PCMU", "PCMA", "telephone-event"]
    assert offer.audio.telephone_event.payload_type == 101
    assert offer.codec.name == "PCMU"  # the codec a G.711 answer will use, not opus
    answer = build_answer(offer, "10.0.0.5", 20002)
    assert [(c.payload_type, c.name) for c in answer.audio.codecs] == [(0, "PCMU"), (101, "telephone-event")]
    assert answer.audio.codecs[1].fmtp == "0-15"
    # our preference can be PCMA only
    assert build_answer(offer, "10.0.0.5", 20002, codecs=("PCMA",)).codec.name == "PCMA"
    reparsed = parse_sdp(answer.to_bytes())
    assert reparsed.codec.name == "PCMU" and reparsed.audio.telephone_event.payload_type == 101


def test_linphone_ipv6_offer_with_video_is_answered_per_stream():
    offer = parse_sdp(LINPHONE)
    assert offer.address == "2001:db8::42"
    answer = build_answer(offer, "2001:db8::1", 20004)
    assert answer.codec.name == "PCMA" and answer.audio.telephone_event.payload_type == 100
    assert [m.port for m in answer.media] == [20004, 0]  # video rejected, not dropped (RFC 3264 §6)
    text = answer.to_text()
    assert "c=IN IP6 2001:db8::1" in text and "m=video 0 RTP/AVP 103" in text


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("a=sendonly", "recvonly"),
        ("a=inactive", "inactive"),
        ("a=recvonly", "sendonly"),
        ("a=sendrecv", "sendrecv"),
    ],
)
def test_hold_directions(change, expected):
    offer = parse_sdp(SIPP + change + "\n")
    assert build_answer(offer, "10.0.0.5", 20000).audio.direction == expected


def test_legacy_hold_with_zero_address():
    offer = parse_sdp(SIPP.replace("c=IN IP4 127.0.0.1", "c=IN IP4 0.0.0.0"))
    assert offer.audio_direction == "sendonly"
    assert build_answer(offer, "10.0.0.5", 20000).audio.direction == "recvonly"


@pytest.mark.parametrize(
    "text",
    [
        SIPP.replace("a=rtpmap:0 PCMU/8000", "a=rtpmap:0 G729/8000").replace("RTP/AVP 0", "RTP/AVP 18"),
        SIPP.replace("m=audio 6000", "m=audio 0"),
    ],
)
def test_nothing_to_answer(text):
    with pytest.raises(SdpError):
        build_answer(parse_sdp(text), "10.0.0.5", 20000)


@pytest.mark.parametrize(
    "text",
    ["", "garbage", SIPP.replace("v=0", "v=1"), SIPP.replace("c=IN IP4 127.0.0.1\n", ""),
     SIPP.replace("m=audio 6000 RTP/AVP 0", "m=audio x RTP/AVP 0"), SIPP.replace("RTP/AVP 0", "RTP/AVP zero"),
     SIPP.replace("PCMU/8000", "PCMU/fast"), b"v=0\n\xff\xfe"],
)  # fmt: skip
def test_malformed_sdp(text):
    with pytest.raises(SdpError):
        parse_sdp(text)


def test_offer_and_versioning():
    offer = build_offer("192.0.2.1", 30000, session_id=42)
    parsed = parse_sdp(offer.to_text())
    assert [c.name for c in parsed.audio.codecs] == ["PCMU", "PCMA", "telephone-event"]
    assert parsed.session_id == 42 and parsed.rtp_address == ("192.0.2.1", 30000)
    held = next_version(offer, direction="sendonly")
    assert held.session_version == offer.session_version + 1 and "a=sendonly" in held.to_text()

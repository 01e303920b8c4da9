"""SDP (RFC 4566) for one audio stream: parse an offer, build the answer (RFC 3264).

We speak G.711 (PCMU/PCMA) at 8 kHz and RFC 4733 telephone-event. Pure text
handling, no I/O; anything unusable raises ``SdpError``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")
_ANSWER_DIRECTION = {
    "sendrecv": "sendrecv",
    "sendonly": "recvonly",
    "recvonly": "sendonly",
    "inactive": "inactive",
}
STATIC_CODECS = {
    0: ("PCMU", 8000),
    8: ("PCMA", 8000),
    3: ("GSM", 8000),
    9: ("G722", 8000),
    18: ("G729", 8000),
}
SUPPORTED = ("PCMU", "PCMA")


class SdpError(ValueError):
    """The SDP is malformed or has nothing we can answer."""


@dataclass(slots=True, frozen=True)
class Codec:
    payload_type: int
    name: str
    clock_rate: int = 8000
    fmtp: str = ""


@dataclass(slots=True)
class MediaDescription:
    media: str  # "audio"
    port: int
    proto: str  # "RTP/AVP"
    codecs: list[Codec]
    connection: str | None = None  # media-level c= address
    direction: str | None = None  # None: inherit the session direction
    ptime: int | None = None
    attributes: list[str] = field(default_factory=list)  # other a= lines, kept verbatim

    @property
    def telephone_event(self) -> Codec | None:
        """RFC 4733 events at 8 kHz (the rate of our G.711 audio)."""
        return self.telephone_event_at(8000)

    def telephone_event_at(self, clock_rate: int) -> Codec | None:
        return next(
            (c for c in self.codecs if c.name.lower() == "telephone-event" and c.clock_rate == clock_rate),
            None,
        )


@dataclass(slots=True)
class SessionDescription:
    address: str  # session-level c= address
    media: list[MediaDescription]
    session_id: int = 0
    session_version: int = 0
    origin_user: str = "-"
    origin_address: str = ""
    session_name: str = "-"
    direction: str = "sendrecv"

    @property
    def audio(self) -> MediaDescription:
        for m in self.media:
            if m.media == "audio" and m.port != 0:
                return m
        raise SdpError("no active audio stream")

    @property
    def rtp_address(self) -> tuple[str, int]:
        """Where to send RTP for the audio stream."""
        audio = self.audio
        return audio.connection or self.address, audio.port

    @property
    def audio_direction(self) -> str:
        audio = self.audio
        direction = audio.direction or self.direction
        # RFC 3264 §8.4 legacy hold: c=0.0.0.0 means "do not send to me"
        if (audio.connection or self.address) == "0.0.0.0" and direction == "sendrecv":
            return "sendonly"
        return direction

    @property
    def codec(self) -> Codec:
        """The voice codec to use: the first G.711 one listed (what ``build_answer`` picks from an
        offer, and the negotiated one in an answer), else the first voice codec."""
        voice = [c for c in self.audio.codecs if c.name.lower() != "telephone-event"]
        if not voice:
            raise SdpError("no voice codec")
        return next((c for c in voice if c.name.upper() in SUPPORTED and c.clock_rate == 8000), voice[0])

    def to_text(self) -> str:
        ip = "IP6" if ":" in self.address else "IP4"
        origin_ip = "IP6" if ":" in (self.origin_address or self.address) else "IP4"
        lines = [
            "v=0",
            f"o={self.origin_user} {self.session_id} {self.session_version} IN {origin_ip} "
            f"{self.origin_address or self.address}",
            f"s={self.session_name}",
            f"c=IN {ip} {self.address}",
            "t=0 0",
        ]
        for m in self.media:
            lines.append(f"m={m.media} {m.port} {m.proto} " + " ".join(str(c.payload_type) for c in m.codecs))
            if m.connection:
                lines.append(f"c=IN {'IP6' if ':' in m.connection else 'IP4'} {m.connection}")
            for c in m.codecs:
                lines.append(f"a=rtpmap:{c.payload_type} {c.name}/{c.clock_rate}")
                if c.fmtp:
                    lines.append(f"a=fmtp:{c.payload_type} {c.fmtp}")
            if m.ptime:
                lines.append(f"a=ptime:{m.ptime}")
            lines += [f"a={a}" for a in m.attributes]
            lines.append(f"a={m.direction or self.direction}")
        return "\r\n".join(lines) + "\r\n"

    def to_bytes(self) -> bytes:
        return self.to_text().encode()


def _parse_connection(value: str) -> str:
    parts = value.split()
    if len(parts) != 3 or parts[0] != "IN" or parts[1] not in ("IP4", "IP6"):
        raise SdpError(f"bad c= line {value!r}")
    return parts[2].split("/")[0]  # drop multicast TTL


def parse_sdp(text: str | bytes) -> SessionDescription:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SdpError("SDP is not UTF-8") from exc
    session = SessionDescription(address="", media=[])
    current: MediaDescription | None = None
    rtpmap: dict[int, tuple[str, int]] = {}
    fmtp: dict[int, str] = {}
    pts: list[int] = []
    seen_version = False

    def close_media() -> None:
        if current is None:
            return
        current.codecs = [
            Codec(pt, *(rtpmap.get(pt) or STATIC_CODECS.get(pt) or ("unknown", 8000)), fmtp.get(pt, ""))
            for pt in pts
        ]

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if len(line) < 2 or line[1] != "=":
            raise SdpError(f"bad SDP line {line[:40]!r}")
        kind, value = line[0], line[2:]
        if kind == "v":
            if value != "0":
                raise SdpError(f"unsupported SDP version {value!r}")
            seen_version = True
        elif kind == "o":
            parts = value.split()
            if len(parts) != 6:
                raise SdpError(f"bad o= line {value!r}")
            session.origin_user = parts[0]
            try:
                session.session_id, session.session_version = int(parts[1]), int(parts[2])
            except ValueError as exc:
                raise SdpError(f"bad o= line {value!r}") from exc
            session.origin_address = parts[5]
        elif kind == "s":
            session.session_name = value or "-"
        elif kind == "c":
            if current is None:
                session.address = _parse_connection(value)
            else:
                current.connection = _parse_connection(value)
        elif kind == "m":
            close_media()
            parts = value.split()
            if len(parts) < 4 or not parts[1].split("/")[0].isdigit():
                raise SdpError(f"bad m= line {value!r}")
            port = int(parts[1].split("/")[0])
            if port > 65535:
                raise SdpError(f"bad port in m= line {value!r}")
            try:
                pts = [int(p) for p in parts[3:]] if parts[2].startswith("RTP/") else []
            except ValueError as exc:
                raise SdpError(f"bad payload types in {value!r}") from exc
            rtpmap, fmtp = {}, {}
            current = MediaDescription(parts[0], port, parts[2], [])
            session.media.append(current)
        elif kind == "a":
            _parse_attribute(value, session, current, rtpmap, fmtp)
    close_media()
    if not seen_version:
        raise SdpError("missing v= line")
    if not session.address and any(m.connection is None for m in session.media):
        raise SdpError("missing c= line")
    if not session.media:
        raise SdpError("no m= line")
    return session


def _parse_attribute(
    value: str,
    session: SessionDescription,
    current: MediaDescription | None,
    rtpmap: dict[int, tuple[str, int]],
    fmtp: dict[int, str],
) -> None:
    name, _, arg = value.partition(":")
    if name in DIRECTIONS:
        if current is None:
            session.direction = name
        else:
            current.direction = name
    elif current is None:
        return
    elif name == "rtpmap":
        pt, _, enc = arg.partition(" ")
        enc_name, _, rate = enc.partition("/")
        try:
            rtpmap[int(pt)] = (enc_name, int(rate.split("/")[0]) if rate else 8000)
        except ValueError as exc:
            raise SdpError(f"bad rtpmap {arg!r}") from exc
    elif name == "fmtp":
        pt, _, params = arg.partition(" ")
        if pt.isdigit():
            fmtp[int(pt)] = params.strip()
    elif name == "ptime":
        try:
            current.ptime = int(float(arg))
        except ValueError as exc:
            raise SdpError(f"bad ptime {arg!r}") from exc
    else:
        current.attributes.append(value)


def _new_session_id() -> int:
    return int(time.time() * 1000) & 0x7FFFFFFF


def build_offer(
    address: str,
    port: int,
    *,
    codecs: tuple[str, ...] = SUPPORTED,
    ptime: int = 20,
    telephone_event_pt: int = 101,
    direction: str = "sendrecv",
    session_id: int | None = None,
) -> SessionDescription:
    """Our offer (for calls we place): G.711 in preference order plus telephone-event."""
    known = {"PCMU": 0, "PCMA": 8}
    media_codecs = [Codec(known[name], name) for name in codecs]
    if telephone_event_pt:
        media_codecs.append(Codec(telephone_event_pt, "telephone-event", 8000, "0-16"))
    sid = session_id if session_id is not None else _new_session_id()
    return SessionDescription(
        address=address,
        session_id=sid,
        session_version=sid,
        origin_user="hotline",
        session_name="hotline",
        direction=direction,
        media=[MediaDescription("audio", port, "RTP/AVP", media_codecs, ptime=ptime)],
    )


def build_answer(
    offer: SessionDescription,
    address: str,
    port: int,
    *,
    codecs: tuple[str, ...] = SUPPORTED,
    session_id: int | None = None,
    direction: str | None = None,
) -> SessionDescription:
    """Answer ``offer``: pick the first offered codec we support, keep its telephone-event and ptime.

    Every offered m= line is answered (RFC 3264 §6); streams we cannot take are
    rejected with port 0. The direction mirrors the offer (sendonly → recvonly for
    hold) unless ``direction`` overrides it. Raises SdpError when no audio codec fits.
    """
    wanted = {c.upper() for c in codecs}
    chosen_index = None
    media: list[MediaDescription] = []
    for index, m in enumerate(offer.media):
        voice = next((c for c in m.codecs if c.name.upper() in wanted and c.clock_rate == 8000), None)
        if chosen_index is None and m.media == "audio" and m.port != 0 and voice is not None:
            chosen_index = index
            answer_codecs = [voice]
            event = m.telephone_event_at(voice.clock_rate)
            if event is not None:
                answer_codecs.append(event)
            offered_direction = m.direction or offer.direction
            if (m.connection or offer.address) == "0.0.0.0" and offered_direction == "sendrecv":
                offered_direction = "sendonly"
            media.append(
                MediaDescription(
                    "audio",
                    port,
                    m.proto,
                    answer_codecs,
                    ptime=m.ptime or 20,
                    direction=direction or _ANSWER_DIRECTION[offered_direction],
                )
            )
        else:
            # a rejected stream keeps one format so the m= line stays well-formed
            media.append(
                MediaDescription(
                    m.media, 0, m.proto, m.codecs[:1] or [Codec(0, "PCMU")], direction="inactive"
                )
            )
    if chosen_index is None:
        raise SdpError("no offered audio codec we support (" + ", ".join(codecs) + ")")
    sid = session_id if session_id is not None else _new_session_id()
    return SessionDescription(
        address=address,
        media=media,
        session_id=sid,
        session_version=sid,
        origin_user="hotline",
        session_name="hotline",
    )


def next_version(sdp: SessionDescription, **changes) -> SessionDescription:
    """A modified copy of our own description with o= version bumped (RFC 3264 §8)."""
    return replace(sdp, session_version=sdp.session_version + 1, **changes)

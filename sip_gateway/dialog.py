"""Dialog state (RFC 3261 §12): identifiers, route set, remote target, CSeq counters.

Pure data plus request construction; sending is the user agent's business.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sip_gateway.message import (
    NameAddress,
    SipParseError,
    SipRequest,
    SipResponse,
    SipUri,
    parse_name_address,
    parse_uri,
    request,
)


@dataclass(slots=True)
class Dialog:
    call_id: str
    local_tag: str
    remote_tag: str
    local_uri: str  # our From/To value without tag, e.g. "<sip:1900@host>"
    remote_uri: str
    remote_target: str  # the peer's Contact URI
    route_set: list[str] = field(default_factory=list)  # Route values, first hop first
    local_cseq: int = 1
    remote_cseq: int | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return self.call_id, self.local_tag, self.remote_tag

    @classmethod
    def as_uas(cls, invite: SipRequest, local_tag: str) -> Dialog:
        """§12.1.1: route set is Record-Route in order, remote target is the Contact."""
        contact = invite.contact
        if contact is None:
            raise SipParseError("INVITE without Contact")
        from_ = invite.from_
        if not from_.tag:
            raise SipParseError("INVITE From without tag")
        return cls(
            call_id=invite.call_id,
            local_tag=local_tag,
            remote_tag=from_.tag,
            local_uri=_without_tag(invite.to),
            remote_uri=_without_tag(from_),
            remote_target=str(contact.uri),
            route_set=list(invite.record_route),
            local_cseq=0,
            remote_cseq=invite.cseq.number,
        )

    @classmethod
    def as_uac(cls, invite: SipRequest, response: SipResponse) -> Dialog:
        """§12.1.2: route set is Record-Route of the 2xx reversed."""
        contact = response.contact
        to = response.to
        if contact is None or not to.tag:
            raise SipParseError("2xx without Contact or To tag")
        from_ = invite.from_
        return cls(
            call_id=invite.call_id,
            local_tag=from_.tag or "",
            remote_tag=to.tag,
            local_uri=_without_tag(from_),
            remote_uri=_without_tag(to),
            remote_target=str(contact.uri),
            route_set=list(reversed(response.record_route)),
            local_cseq=invite.cseq.number,
        )

    def accept_remote_cseq(self, number: int) -> bool:
        """§12.2.2: an in-dialog request with a lower CSeq than the last one is out of order."""
        if self.remote_cseq is not None and number <= self.remote_cseq:
            return False
        self.remote_cseq = number
        return True

    def next_hop(self) -> SipUri:
        """Where in-dialog requests go: the first route if any, else the remote target."""
        if self.route_set:
            return parse_name_address(self.route_set[0]).uri
        return parse_uri(self.remote_target)

    def create_request(
        self,
        method: str,
        via: str,
        contact: str,
        *,
        cseq: int | None = None,
        headers: list[tuple[str, str]] | None = None,
        body: bytes = b"",
        content_type: str = "",
    ) -> SipRequest:
        """§12.2.1.1: Request-URI and Route from the route set (loose or strict routing)."""
        if cseq is None:
            self.local_cseq += 1
            cseq = self.local_cseq
        uri, routes = self.remote_target, list(self.route_set)
        if routes and "lr" not in parse_name_address(routes[0]).uri.params:
            strict = parse_name_address(routes[0]).uri
            strict.params.pop("lr", None)
            uri, routes = str(strict), routes[1:] + [f"<{self.remote_target}>"]
        items = [("Via", via), ("Max-Forwards", "70")]
        items += [("Route", r) for r in routes]
        items += [
            ("From", f"{self.local_uri};tag={self.local_tag}"),
            ("To", f"{self.remote_uri};tag={self.remote_tag}"),
            ("Call-ID", self.call_id),
            ("CSeq", f"{cseq} {method}"),
            ("Contact", contact),
        ]
        items += headers or []
        if body:
            items.append(("Content-Type", content_type or "application/sdp"))
        return request(method, uri, items, body)


def _without_tag(addr: NameAddress) -> str:
    params = {k: v for k, v in addr.params.items() if k != "tag"}
    return str(NameAddress(addr.uri, addr.display, params))

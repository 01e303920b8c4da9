"""Ports of the gateway workers behind Kamailio (`hotline serve --workers N`). No I/O.

Kamailio takes the public SIP port; worker i (1..N) gets SIP port ``sip_port + i``,
HTTP port ``http_port + i - 1`` (so worker 1 serves the API on the usual port and
every worker has its own /healthz and /metrics), and slice i of the RTP range (no
overlap: a call's RTP and RTCP ports both stay inside its worker's slice)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WorkerSpec:
    index: int  # 1..N
    sip_port: int
    http_port: int
    rtp_port_min: int
    rtp_port_max: int

    def env(self) -> dict[str, str]:
        """The HOTLINE_* settings that make a `hotline serve` process this worker."""
        return {
            "HOTLINE_SIP_PORT": str(self.sip_port),
            "HOTLINE_HTTP_PORT": str(self.http_port),
            "HOTLINE_RTP_PORT_MIN": str(self.rtp_port_min),
            "HOTLINE_RTP_PORT_MAX": str(self.rtp_port_max),
            "HOTLINE_WORKERS": "1",  # a worker is a plain `hotline serve`, never a launcher
        }

    @property
    def rtp_ports(self) -> int:
        """Calls this worker's RTP slice holds (one even port each, RTCP on the odd one above)."""
        return (self.rtp_port_max - self.rtp_port_min) // 2 + 1


def plan_workers(n: int, *, sip_port: int, http_port: int, rtp_port_min: int, rtp_port_max: int) -> list[WorkerSpec]:
    """N workers' ports; ValueError (with the reason) when they do not fit or collide."""
    if n < 1:
        raise ValueError(f"workers must be at least 1, not {n}")
    if not (sip_port > 0 and sip_port + n <= 65535):
        raise ValueError(f"SIP ports {sip_port}-{sip_port + n} do not fit below 65536")
    if not (http_port > 0 and http_port + n - 1 <= 65535):
        raise ValueError(f"HTTP ports {http_port}-{http_port + n - 1} do not fit below 65536")
    first = rtp_port_min + (rtp_port_min & 1)
    # Even ports whose RTCP port (the odd one above) is in the range too.
    even_ports = (rtp_port_max - 1 - first) // 2 + 1 if rtp_port_max > first else 0
    per_worker = even_ports // n
    if per_worker < 1:
        raise ValueError(f"RTP range {rtp_port_min}-{rtp_port_max} is too small for {n} workers")
    sip = range(sip_port, sip_port + n + 1)  # Kamailio's port and the workers'
    http = range(http_port, http_port + n)
    # SIP listens on UDP and TCP, HTTP on TCP: the two blocks must not overlap.
    if set(sip) & set(http):
        raise ValueError(f"SIP ports {sip.start}-{sip.stop - 1} overlap HTTP ports {http.start}-{http.stop - 1}")
    rtp = range(first, first + 2 * per_worker * n)
    for port in sip:
        if port in rtp:
            raise ValueError(f"SIP port {port} lies inside the RTP range {rtp_port_min}-{rtp_port_max}")
    specs = []
    for i in range(n):
        lo = first + 2 * per_worker * i
        specs.append(WorkerSpec(index=i + 1, sip_port=sip_port + i + 1, http_port=http_port + i,
                                rtp_port_min=lo, rtp_port_max=lo + 2 * per_worker - 1))
    return specs

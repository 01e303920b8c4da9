"""Fill in the settings block of the shipped kamailio.cfg and write the dispatcher list. No I/O
beyond reading the packaged template.

The template stays a valid Kamailio configuration on its own: its settings are
``#!substdef "!NAME!value!g"`` lines with defaults, so an operator can copy and edit
it by hand; rendering only replaces those values."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

_SETTING = re.compile(r'^#!substdef "!(HOTLINE_[A-Z_]+)!([^!\n]*)!g"$', re.MULTILINE)
# Kamailio levels: -1 error, 0 warning, 1 notice, 2 info, 3 debug.
_LOG_LEVELS = {"DEBUG": 3, "INFO": 2, "WARNING": 0, "ERROR": -1, "CRITICAL": -1}


@dataclass(frozen=True, slots=True)
class KamailioOptions:
    listen: str  # e.g. "udp:127.0.0.1:5060" (see listen_address)
    dispatcher_list: Path
    ds_set: int = 1
    ping_interval_s: int = 2  # OPTIONS health check period
    fr_timer_ms: int = 1000  # no provisional reply within this: the worker is down, try the next
    fr_inv_timer_ms: int = 30000  # after 100 Trying: time for the worker to answer
    children: int = 2  # Kamailio UDP receiver processes
    log_level: int = 2

    def values(self) -> dict[str, str]:
        return {
            "HOTLINE_LISTEN": self.listen,
            "HOTLINE_DISPATCHER_LIST": str(self.dispatcher_list),
            "HOTLINE_DS_SET": str(self.ds_set),
            "HOTLINE_PING_INTERVAL": str(self.ping_interval_s),
            "HOTLINE_FR_TIMER_MS": str(self.fr_timer_ms),
            "HOTLINE_FR_INV_TIMER_MS": str(self.fr_inv_timer_ms),
            "HOTLINE_CHILDREN": str(self.children),
            "HOTLINE_LOG_LEVEL": str(self.log_level),
        }


def template() -> str:
    """The shipped kamailio.cfg."""
    return resources.files("hotline.kamailio").joinpath("kamailio.cfg").read_text(encoding="utf-8")


def template_settings(text: str) -> dict[str, str]:
    """The settings block of a kamailio.cfg: name -> value."""
    return dict(_SETTING.findall(text))


def render_config(text: str, options: KamailioOptions) -> str:
    """`text` (the template) with the settings block set to `options`."""
    values = options.values()
    missing = sorted(set(values) - set(template_settings(text)))
    if missing:
        raise ValueError(f"kamailio.cfg template lacks the settings {', '.join(missing)}")
    for name, value in values.items():
        if "!" in value or "\n" in value or '"' in value:
            raise ValueError(f"{name}: {value!r} cannot go into a #!substdef line")

    def replace(m: re.Match) -> str:
        name = m.group(1)
        return f'#!substdef "!{name}!{values[name]}!g"' if name in values else m.group(0)

    return _SETTING.sub(replace, text)


def listen_address(host: str, port: int) -> str:
    """Kamailio's `listen` value for UDP on host:port (IPv6 in brackets)."""
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:
        pass  # a host name: Kamailio resolves it
    return f"udp:{host}:{port}"


def dispatcher_list(destinations: Iterable[str], *, ds_set: int = 1, probing: bool = True) -> str:
    """The dispatcher list file: one `setid destination flags priority` line per worker.

    `destinations` are SIP URIs (sip:HOST:PORT), workers on this or other nodes. With
    `probing` a destination starts inactive and takes calls after its first answered
    health check (flags 1 inactive + 8 probing), so a call never goes to a worker that
    is still loading."""
    flags = 9 if probing else 0
    lines = ["# setid destination flags priority (hotline: one gateway worker per line)"]
    for uri in destinations:
        if not uri.startswith("sip:") or any(c.isspace() for c in uri):
            raise ValueError(f"not a SIP URI for the dispatcher list: {uri!r}")
        lines.append(f"{ds_set} {uri} {flags} 0")
    if len(lines) == 1:
        raise ValueError("the dispatcher list needs at least one worker")
    return "\n".join(lines) + "\n"


def kamailio_log_level(level: str) -> int:
    return _LOG_LEVELS.get(level.upper(), 2)

"""Server CPU and memory from /proc when the target runs on this machine, and the
hotline's own gauges from its Prometheus /metrics. Parsing is pure; reading is thin."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True, slots=True)
class ProcSample:
    cpu_s: float  # user + system CPU seconds so far
    rss_bytes: int


def parse_stat(text: str) -> float:
    """CPU seconds (utime + stime) from the text of /proc/<pid>/stat."""
    # The command name (field 2) may hold spaces and parentheses: split after the last ")".
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def parse_schedstat(text: str) -> float:
    """Seconds spent runnable but waiting for a CPU, from /proc/<pid>/schedstat: when it
    grows, other processes on the machine (not the server's own work) set the latency."""
    return int(text.split()[1]) / 1e9


def read_run_queue_wait(pid: int) -> float | None:
    try:
        return parse_schedstat(Path(f"/proc/{pid}/schedstat").read_text())
    except (OSError, IndexError, ValueError):
        return None


def parse_status_rss(text: str) -> int:
    """VmRSS in bytes from the text of /proc/<pid>/status (0 when absent)."""
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def parse_udp_inodes(text: str, port: int) -> set[int]:
    """Socket inodes bound to local UDP `port`, from /proc/net/udp or /proc/net/udp6."""
    inodes = set()
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) < 10:
            continue
        local = parts[1]
        try:
            if int(local.rsplit(":", 1)[1], 16) == port:
                inodes.add(int(parts[9]))
        except ValueError:
            continue
    return inodes


def parse_metrics(text: str) -> dict[str, float]:
    """Unlabelled samples of a Prometheus text exposition (name → value); histograms'
    `_sum`/`_count` are kept, labelled series are summed by name."""
    out: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        try:
            name_part, value = line.rsplit(" ", 1)
            number = float(value)
        except ValueError:
            continue
        name = name_part.split("{", 1)[0]
        out[name] = out.get(name, 0.0) + number if "{" in name_part else number
    return out


def read_proc(pid: int) -> ProcSample | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return ProcSample(parse_stat(stat), parse_status_rss(status))


def pid_for_udp_port(port: int) -> int | None:
    """The local process that holds UDP `port` (the SIP target), if we may see it."""
    inodes: set[int] = set()
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            inodes |= parse_udp_inodes(Path(table).read_text(), port)
        except OSError:
            continue
    if not inodes:
        return None
    wanted = {f"socket:[{i}]" for i in inodes}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                if os.readlink(fd) in wanted:
                    return int(entry.name)
        except OSError:
            continue
    return None

"""Signalling load: sipp places calls at a rate, each held for a while; our UA answers them all.

    .venv/bin/python bench/sip_load.py [--calls 600] [--rate 100] [--hold 6] [--uvloop/--no-uvloop]

Media-less (sipp sends no RTP here): this measures the SIP side alone, the
CPU one core spends per call set-up/tear-down and while holding N dialogs.
Prints calls answered, peak concurrent calls, failures seen by sipp, CPU use
and memory. Needs sipp (Debian package sip-tester).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sip_gateway.call import Call, CallError  # noqa: E402
from sip_gateway.sdp import build_answer  # noqa: E402
from sip_gateway.useragent import UserAgent  # noqa: E402


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def main(args: argparse.Namespace) -> None:
    peak = 0

    async def handler(call: Call) -> None:
        nonlocal peak
        try:
            await call.answer(build_answer(call.remote_sdp, "127.0.0.1", 40000))
        except CallError:
            return
        peak = max(peak, ua.active_calls)
        await call.ended.wait()

    ua = UserAgent(handler, host="127.0.0.1", port=0, max_calls=args.calls + 10, tcp=False)
    await ua.start()
    usage0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        proc = await asyncio.create_subprocess_exec(
            shutil.which("sipp") or "sipp", "-sn", "uac", "-i", "127.0.0.1", "-p", str(_free_port()),
            "-m", str(args.calls), "-l", str(args.calls), "-r", str(args.rate), "-d", str(int(args.hold * 1000)),
            "-nostdin", "-timeout", f"{int(args.calls / args.rate + args.hold + 60)}s", "-timeout_error",
            "-trace_stat", "-stf", f"{tmp}/stat.csv", "-max_socket", "2048", f"127.0.0.1:{ua.port}",
            cwd=tmp, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        rc = await proc.wait()
        stat = Path(f"{tmp}/stat.csv").read_text().splitlines() if Path(f"{tmp}/stat.csv").exists() else []
    wall = time.perf_counter() - t0
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
    failed = "?"
    if len(stat) >= 2:
        header, last = stat[0].split(";"), stat[-1].split(";")
        if "FailedCall(C)" in header:
            failed = last[header.index("FailedCall(C)")]
    await ua.stop()
    loop = type(asyncio.get_running_loop()).__module__.split(".")[0]
    print(
        f"loop={loop} calls={args.calls} rate={args.rate}/s hold={args.hold:g}s sipp_rc={rc} failed={failed}"
    )
    print(
        f"answered={ua.stats.calls_answered} peak_concurrent={peak} rejected_busy={ua.stats.calls_rejected_busy}"
    )
    print(f"wall={wall:.1f}s cpu={cpu:.2f}s mean_cpu={100 * cpu / wall:.1f}% of one core "
          f"cpu_per_call={1000 * cpu / max(1, ua.stats.calls_answered):.2f} ms "
          f"max_rss={usage1.ru_maxrss / 1024:.0f} MB")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=600)
    parser.add_argument("--rate", type=float, default=100.0, help="new calls per second")
    parser.add_argument("--hold", type=float, default=6.0, help="seconds each call stays up")
    parser.add_argument("--uvloop", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    if shutil.which("sipp") is None:
        sys.exit("sipp not found (apt-get install sip-tester)")
    if args.uvloop:
        import uvloop

        uvloop.run(main(args))
    else:
        asyncio.run(main(args))

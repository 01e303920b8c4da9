"""Benchmark: voice-to-voice latency of real calls against `hotline serve` on loopback.

    python bench/voice_latency.py [--calls 8] [--concurrency 1]

Each call speaks questions (espeak-ng through G.711, synthesised once) and presses 1.
Prints, from the server's call records, the time from the end of the caller's speech
(VAD end of turn) or key press to the first audio of the reply, p50/p95/max, split into
spoken and keypad turns, plus what the caller measured on the line."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hotline.caller import Step, place_call  # noqa: E402
from tests.e2e.conftest import start_server, stop_server  # noqa: E402
from tts.audio import read_wav  # noqa: E402

QUESTIONS = [
    "cho tôi hỏi làm hộ chiếu ở đâu",
    "đăng ký kết hôn cần giấy tờ gì",
    "làm giấy khai sinh cho con",
    "cấp lại thẻ căn cước",
]


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def line(name: str, values: list[float]) -> str:
    if not values:
        return f"{name}: no samples"
    return (f"{name}: n={len(values)}  p50 {statistics.median(values):.0f} ms  p95 {pct(values, .95):.0f} ms  "
            f"max {max(values):.0f} ms")


async def run_calls(server, audio: list[bytes], calls: int, concurrency: int):
    sem = asyncio.Semaphore(concurrency)

    async def one(i: int):
        async with sem:
            return await place_call(server.target, [Step("audio", pcm=audio[i % len(audio)]), Step("digits", "1")],
                                    final_listen_s=6)

    return await asyncio.gather(*(one(i) for i in range(calls)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=8)
    ap.add_argument("--concurrency", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        audio = []
        for i, q in enumerate(QUESTIONS):
            out = tmp / f"q{i}.wav"
            subprocess.run([sys.executable, "-m", "hotline.cli", "say", q, "-o", str(out)], check=True,
                           capture_output=True)
            audio.append(read_wav(out.read_bytes()).pcm)
        (tmp / "srv").mkdir()
        server = start_server(tmp / "srv")
        try:
            started = time.monotonic()
            results = asyncio.run(run_calls(server, audio, args.calls, args.concurrency))
            wall = time.monotonic() - started
            speech, keys, answered = [], [], 0
            for r in results:
                if not r.connected:
                    continue
                cdr = server.call_record(r.call_id)
                answered += bool(cdr["procedures"])
                for t in cdr["turns"]:
                    if t["latency_ms"] is None:
                        continue
                    (keys if t["digits"] else speech).append(t["latency_ms"])
            line_side = [x * 1000 for r in results for x in r.reply_latency_s]
        finally:
            stop_server(server)
    print(f"{args.calls} calls, {args.concurrency} at a time, {wall:.0f} s; {answered} answered a procedure")
    print(line("voice-to-voice, spoken turns (server: VAD end of turn -> first reply audio)", speech))
    print(line("key-to-voice, keypad turns", keys))
    print(line("caller side (end of our audio or key -> first reply audio heard, incl. VAD wait)", line_side))


if __name__ == "__main__":
    main()

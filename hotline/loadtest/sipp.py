"""Ready-to-run sipp load scenarios: `python -m hotline.loadtest.sipp DIR [--hold S]` writes
the caller questions as G.711 pcaps (synthesised once, like the load tester's pool),
fills the scenario templates of loadtest/sipp/ and prints the sipp commands."""

from __future__ import annotations

import argparse
import math
import shlex
import sys
from pathlib import Path

from hotline.loadtest.pcap import dtmf_pcap, line_pcap, rtp_pcap
from hotline.loadtest.pool import QUESTIONS, seed_menu_paths, synthesize

TEMPLATES = Path(__file__).resolve().parents[2] / "loadtest" / "sipp"
GREETING_MS = 7000
REPLY_MS = 12000  # recognition and the hotline's reply before the key press


def fill(template: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        template = template.replace(key, value)
    return template


def _press(out: Path, position: int, digit: str) -> Path:
    """The pcap of the `position`-th key press of a call (its own RTP timestamp and
    sequence numbers past a question's packets)."""
    path = out / f"dtmf_{position}_{digit}.pcap"
    path.write_bytes(dtmf_pcap(digit, timestamp=10_000_000 + position * 800_000, seq=30_000 + position * 100))
    return path


def prepare(out: Path, *, hold_s: float = 30.0, line_every_s: float = 0.02) -> list[Path]:
    """Write pcaps and filled scenarios into `out`; returns the scenario files. While
    listening, each caller sends a silence packet every `line_every_s` (see line_pcap)."""
    out.mkdir(parents=True, exist_ok=True)
    line = out / "line.pcap"  # silence while listening, numbered after the key presses
    if line_every_s <= 0.02:  # always sending: one play for the whole hold
        line.write_bytes(line_pcap(hold_s, seq=40_000, timestamp=20_000_000))
        line_ms, count = int(hold_s * 1000), 1
    else:  # one packet every line_every_s, each its own short play
        line.write_bytes(line_pcap(0.02, seq=40_000, timestamp=20_000_000))
        line_ms, count = int(line_every_s * 1000), max(1, math.ceil(hold_s / line_every_s))
    common = {"GREETING_MS": str(GREETING_MS), "LINE_PCAP": str(line), "LINE_MS": str(line_ms),
              "LINE_COUNT": str(count)}
    written = []
    voice = (TEMPLATES / "ask_by_voice.xml").read_text()
    for q, pcm in zip(QUESTIONS, synthesize([q.text for q in QUESTIONS]), strict=True):
        data, seconds = rtp_pcap(pcm)
        pcap = out / f"question_{q.code}.pcap"
        pcap.write_bytes(data)
        path = out / f"ask_{q.code}.xml"
        path.write_text(fill(voice, common | {"QUESTION_PCAP": str(pcap), "QUESTION_MS": str(int(seconds * 1000) + 200),
                                              "REPLY_MS": str(REPLY_MS), "DTMF1_PCAP": str(_press(out, 0, "1"))}))
        written.append(path)
    keys = (TEMPLATES / "keypad_menu.xml").read_text()
    for digits, code in seed_menu_paths(limit=4):
        path = out / f"menu_{digits}_{code}.xml"
        path.write_text(fill(keys, common | {
            "DTMF9_PCAP": str(_press(out, 0, digits[0])), "DTMFG_PCAP": str(_press(out, 1, digits[1])),
            "DTMF1_PCAP": str(_press(out, 2, digits[2])), "GROUP_DIGIT": digits[1]}))
        written.append(path)
    return written


def command(scenario: Path, target: str, *, calls: int, rate: float, limit: int) -> list[str]:
    """The sipp command line: `calls` calls at `rate`/s, at most `limit` at once, bounded in time."""
    return ["sipp", "-sf", str(scenario), "-m", str(calls), "-r", f"{rate:g}", "-rp", "1000", "-l", str(limit),
            "-i", "127.0.0.1", "-p", "0", "-mp", "0", "-timeout", "600s", "-timeout_error", "-nostdin",
            "-trace_stat", "-trace_err", target]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m hotline.loadtest.sipp", description=__doc__)
    ap.add_argument("out", type=Path)
    ap.add_argument("--hold", type=float, default=30.0, help="seconds of listening after the last key")
    ap.add_argument("--target", default="127.0.0.1:5060")
    ap.add_argument("--line-every", type=float, default=0.02, metavar="S",
                    help="while listening, a silence packet every S seconds (0.02: always sending; "
                         "10: silence suppression, far cheaper for sipp at thousands of calls)")
    args = ap.parse_args(argv)
    try:
        scenarios = prepare(args.out, hold_s=args.hold, line_every_s=args.line_every)
    except (FileNotFoundError, RuntimeError) as exc:
        print(exc, file=sys.stderr)
        return 1
    for s in scenarios:
        print(shlex.join(command(s, args.target, calls=100, rate=10, limit=1000)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Measure the matcher on labelled caller phrasings.

Each case is one line of JSON: ``{"text": ..., "codes": [...], "tags": [...],
"split": "dev"|"test"}``; any of ``codes`` counts as right, ``[]`` means out of
scope (right answer: ``no_match``). The set is halved, per procedure, into a DEV
half (the only misses to look at when changing the matcher) and a held-out TEST
half (the honest figure); ``--split`` picks one. Run ``python -m dialog.evaluation`` for the figures on the bundled
set (dialog/evalset/caller_phrasings.jsonl) against the seed catalogue, plus the
national catalogue when ``--catalogue DIR`` is given.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dialog.matcher import Matcher, MatchResult, offered
from knowledge.records import ProcedureRecord

DEFAULT_CASES = Path(__file__).parent / "evalset" / "caller_phrasings.jsonl"
# Score bands for the calibration table: how often the top candidate is right per band.
BANDS = (0.0, 0.3, 0.45, 0.55, 0.7, 0.85, 1.01)


@dataclass(frozen=True, slots=True)
class Case:
    text: str
    codes: tuple[str, ...]  # empty: out of scope
    tags: tuple[str, ...] = ()
    split: str = ""  # "dev", "test", or "" when the file has no split


SPLITS = ("dev", "test", "all")


def select(cases: Iterable[Case], split: str) -> list[Case]:
    """The cases of one half ("dev" or "test"), or all of them ("all")."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: expected one of {', '.join(SPLITS)}")
    return [c for c in cases if split == "all" or c.split == split]


@dataclass(frozen=True, slots=True)
class Miss:
    """One case the matcher got wrong."""

    text: str
    expected: tuple[str, ...]
    action: str
    got: tuple[tuple[str, float], ...]  # (code, score) of the top candidates


@dataclass(slots=True)
class EvalReport:
    in_scope: int = 0
    top1: int = 0  # right procedure first, and not rejected
    top3: int = 0  # right procedure among the first three, and not rejected
    out_of_scope: int = 0
    rejected: int = 0  # out-of-scope cases answered with no_match
    skipped: int = 0  # in-scope cases whose codes are not in the catalogue
    actions: Counter[str] = field(default_factory=Counter)
    # Per decision, how often it was the right move: answer/confirm named a right code,
    # disambiguate offered one, no_match met an out-of-scope case.
    actions_right: Counter[str] = field(default_factory=Counter)
    confusions: list[Miss] = field(default_factory=list)
    by_tag: dict[str, list[int]] = field(default_factory=dict)  # tag -> [right, total]
    bands: list[list[int]] = field(default_factory=lambda: [[0, 0] for _ in BANDS[:-1]])
    latency_ms: list[float] = field(default_factory=list)

    @property
    def top1_accuracy(self) -> float:
        return self.top1 / self.in_scope if self.in_scope else 0.0

    @property
    def top3_recall(self) -> float:
        return self.top3 / self.in_scope if self.in_scope else 0.0

    @property
    def rejection_rate(self) -> float:
        return self.rejected / self.out_of_scope if self.out_of_scope else 0.0

    def summary(self) -> dict:
        lat = sorted(self.latency_ms)
        return {
            "in_scope": self.in_scope,
            "top1_accuracy": round(self.top1_accuracy, 4),
            "top3_recall": round(self.top3_recall, 4),
            "out_of_scope": self.out_of_scope,
            "rejection_rate": round(self.rejection_rate, 4),
            "skipped": self.skipped,
            "actions": dict(self.actions),
            "actions_right": dict(self.actions_right),
            "latency_ms_p50": round(lat[len(lat) // 2], 3) if lat else None,
            "latency_ms_p99": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))], 3) if lat else None,
        }

    def format(self, *, misses: int = 30) -> str:
        s = self.summary()
        lines = [
            f"in scope      {self.in_scope:5d}   top-1 {s['top1_accuracy']:.1%}   top-3 {s['top3_recall']:.1%}"
            + (f"   (skipped {self.skipped}: codes not in catalogue)" if self.skipped else ""),
            f"out of scope  {self.out_of_scope:5d}   rejected {s['rejection_rate']:.1%}",
            "actions       "
            + ", ".join(
                f"{k} {v} ({self.actions_right[k] / v:.0%} right)" for k, v in sorted(self.actions.items())
            ),
            f"latency       p50 {s['latency_ms_p50']} ms   p99 {s['latency_ms_p99']} ms",
            "by tag        " + ", ".join(f"{t} {r}/{n}" for t, (r, n) in sorted(self.by_tag.items())),
            "top score band -> share right (in scope: right procedure; out of scope: counted wrong)",
        ]
        for (lo, hi), (right, total) in zip(zip(BANDS, BANDS[1:], strict=False), self.bands, strict=True):
            if total:
                lines.append(f"  [{lo:.2f}, {min(hi, 1.0):.2f})  {right:4d}/{total:<4d} {right / total:.0%}")
        if self.confusions and misses:
            lines.append(f"misses ({len(self.confusions)}, first {min(misses, len(self.confusions))}):")
            for m in self.confusions[:misses]:
                got = ", ".join(f"{c} {sc:.2f}" for c, sc in m.got) or "-"
                lines.append(f"  {m.text!r}: want {list(m.expected) or 'no_match'}, {m.action}: {got}")
        return "\n".join(lines)


def load_cases(path: Path | str) -> list[Case]:
    """Read a JSON-lines file of cases; a malformed line raises ValueError naming it."""
    cases = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                cases.append(
                    Case(
                        str(obj["text"]),
                        tuple(str(c) for c in obj.get("codes") or ()),
                        tuple(obj.get("tags") or ()),
                        _split(obj.get("split", "")),
                    )
                )
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"{path}:{n}: not a case: {exc}") from exc
    return cases


def _split(value: object) -> str:
    if value not in ("", "dev", "test"):
        raise ValueError(f"split must be 'dev' or 'test', not {value!r}")
    return str(value)


def evaluate(matcher: Matcher, cases: Iterable[Case]) -> EvalReport:
    """Run every case through ``matcher`` and count."""
    report = EvalReport()
    for case in cases:
        expected = set(case.codes)
        if expected and not any(matcher.record(c) for c in expected):
            report.skipped += 1
            continue
        started = time.perf_counter()
        result = matcher.match(case.text)
        report.latency_ms.append((time.perf_counter() - started) * 1000)
        report.actions[result.action] += 1
        right = _judge(report, result, expected)
        report.actions_right[result.action] += _move_right(result, expected)
        for tag in case.tags or ("untagged",):
            tally = report.by_tag.setdefault(tag, [0, 0])
            tally[0] += right
            tally[1] += 1
        top = result.candidates[0].score if result.candidates else 0.0
        band = next(i for i, hi in enumerate(BANDS[1:]) if top < hi)
        report.bands[band][0] += right and bool(expected)
        report.bands[band][1] += 1
        if not right:
            report.confusions.append(
                Miss(
                    case.text,
                    case.codes,
                    result.action,
                    tuple((c.code, c.score) for c in result.candidates[:3]),
                )
            )
    return report


def _judge(report: EvalReport, result: MatchResult, expected: set[str]) -> bool:
    if not expected:
        report.out_of_scope += 1
        ok = result.action == "no_match"
        report.rejected += ok
        return ok
    report.in_scope += 1
    if result.action == "no_match":
        return False
    codes = [c.code for c in result.candidates]
    report.top3 += bool(expected & set(codes[:3]))
    ok = bool(codes) and codes[0] in expected
    report.top1 += ok
    return ok


def _move_right(result: MatchResult, expected: set[str]) -> bool:
    if result.action == "no_match":
        return not expected
    if result.action == "disambiguate":
        return bool(expected & {c.code for c in offered(result)})
    return bool(expected) and result.candidates[0].code in expected


def build_catalogue(portal_dir: Path | None, *, seed: bool = True) -> list[ProcedureRecord]:
    """The national catalogue files under ``portal_dir`` (when given), with the seed's
    curated records in place of the imported ones of the same code."""
    from knowledge.formats.errors import RecordFormatError
    from knowledge.importer import iter_files, read_file

    records: dict[str, ProcedureRecord] = {}
    if portal_dir is not None:
        for path in iter_files(portal_dir):
            try:
                batch = read_file(path)
            except RecordFormatError as exc:  # one broken file must not stop the evaluation
                print(f"skipped {path}: {exc}", file=sys.stderr)
                continue
            for r in batch:
                records.setdefault(r.code, r)
    if seed:
        from knowledge.seed import load_seed

        for r in load_seed():
            records[r.code] = r
    return list(records.values())


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m dialog.evaluation", description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    ap.add_argument("--catalogue", type=Path, help="national catalogue directory (JSON files)")
    ap.add_argument("--no-seed", action="store_true", help="leave the seed catalogue out")
    ap.add_argument("--split", choices=SPLITS, default="all", help="which half of the cases (default: all)")
    ap.add_argument("--misses", type=int, default=30, help="how many misses to list")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = ap.parse_args(argv)
    records = build_catalogue(args.catalogue, seed=not args.no_seed)
    if not records:
        ap.error("empty catalogue: give --catalogue or keep the seed")
    matcher = Matcher(records)
    try:
        cases = select(load_cases(args.cases), args.split)
    except (OSError, ValueError) as exc:
        ap.error(str(exc))
    if not cases:
        ap.error(f'no {args.split} cases in {args.cases} (lines need a "split" field)')
    report = evaluate(matcher, cases)
    if args.json:
        print(
            json.dumps({"records": len(matcher), "split": args.split, **report.summary()}, ensure_ascii=False)
        )
    else:
        print(f"catalogue     {len(matcher)} records, split {args.split}")
        print(report.format(misses=args.misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

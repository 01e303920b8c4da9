"""Validity of the matcher's labelled evaluation sets: dialog/evalset/caller_phrasings.jsonl
and the held-out batch dialog/evalset/holdout.jsonl."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

EVALSET_DIR = Path(__file__).resolve().parents[2] / "dialog" / "evalset"
EVALSET = EVALSET_DIR / "caller_phrasings.jsonl"
HOLDOUT = EVALSET_DIR / "holdout.jsonl"

TAGS = {
    "colloquial",
    "southern",
    "northern",
    "no_diacritics",
    "asr_error",
    "short",
    "long",
    "question_fee",
    "question_time",
    "question_documents",
    "out_of_scope",
    "uncatalogued",
}
CODE_RE = re.compile(r"^\d\.\d{6}$")


def _read(path: Path) -> list[dict]:
    out = []
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            assert line.strip(), f"line {lineno} is blank"
            row = json.loads(line)
            assert isinstance(row, dict), f"line {lineno} is not an object"
            assert set(row) == {"text", "codes", "tags", "split"}, f"line {lineno} keys {sorted(row)}"
            assert row["split"] in ("dev", "test"), f"line {lineno} split {row['split']!r}"
            assert isinstance(row["text"], str)
            assert isinstance(row["codes"], list) and all(isinstance(c, str) for c in row["codes"])
            assert isinstance(row["tags"], list) and all(isinstance(t, str) for t in row["tags"])
            out.append(row)
    return out


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return _read(EVALSET)


@pytest.fixture(scope="module")
def holdout() -> list[dict]:
    return _read(HOLDOUT)


@pytest.fixture(scope="module", params=["caller_phrasings", "holdout"])
def any_rows(request: pytest.FixtureRequest) -> list[dict]:
    """Form checks hold for both files."""
    return _read(EVALSET if request.param == "caller_phrasings" else HOLDOUT)


def _in_scope(rows):
    return [r for r in rows if r["codes"]]


def test_counts(rows):
    in_scope = _in_scope(rows)
    assert len(in_scope) >= 450
    assert len(rows) - len(in_scope) >= 100


def test_text_is_recogniser_output(any_rows):
    rows = any_rows
    for r in rows:
        text = r["text"]
        assert text, r
        assert text == unicodedata.normalize("NFC", text), text
        assert text == text.lower(), text
        assert text == " ".join(text.split()), f"extra whitespace: {text!r}"
        odd = [ch for ch in text if not (ch == " " or ch.isalnum())]
        assert not odd, f"punctuation or symbols {odd} in {text!r}"
        # Alphanumeric includes other scripts; only Latin letters (with Vietnamese marks) and digits belong.
        for ch in text.replace(" ", ""):
            assert ch.isdigit() or "LATIN" in unicodedata.name(ch), f"{ch!r} in {text!r}"


def test_no_duplicate_texts(any_rows):
    rows = any_rows
    dupes = [t for t, n in Counter(r["text"] for r in rows).items() if n > 1]
    assert not dupes


def test_codes_and_tags_are_consistent(any_rows):
    rows = any_rows
    for r in rows:
        tags = set(r["tags"])
        assert tags <= TAGS, f"unknown tags {tags - TAGS} in {r}"
        assert len(r["tags"]) == len(tags), r
        assert all(CODE_RE.match(c) for c in r["codes"]), r
        assert len(set(r["codes"])) == len(r["codes"]), r
        assert ("out_of_scope" in tags) == (not r["codes"]), r
        if "uncatalogued" in tags:
            assert "out_of_scope" in tags, r
        words = len(r["text"].split())
        assert ("short" in tags) == (words <= 3), r
        assert ("long" in tags) == (words >= 16), r
        if "no_diacritics" in tags:
            assert r["text"].isascii(), r


def test_mix_of_phrasing_styles(rows):
    in_scope = _in_scope(rows)
    share = Counter(t for r in in_scope for t in r["tags"])
    n = len(in_scope)
    assert 0.15 <= share["no_diacritics"] / n <= 0.30, share["no_diacritics"]
    assert 0.12 <= share["asr_error"] / n <= 0.25, share["asr_error"]
    for tag in (
        "colloquial",
        "southern",
        "northern",
        "short",
        "long",
        "question_fee",
        "question_time",
        "question_documents",
    ):
        assert share[tag] >= 20, (tag, share[tag])


def test_procedures_each_have_several_phrasings(rows):
    per_procedure = Counter(r["codes"][0] for r in _in_scope(rows))
    assert len(per_procedure) >= 80
    # A second batch added depth on families of sibling procedures (up to 13 lines) and
    # a few procedures met only there.
    assert max(per_procedure.values()) <= 14, per_procedure.most_common(3)
    thin = [code for code, n in per_procedure.items() if n < 3]
    assert len(thin) <= 0.05 * len(per_procedure), thin


def test_dev_and_test_halves_are_stratified_by_procedure(rows):
    """Each procedure (first code) and the out-of-scope lines are split half and half."""
    groups: dict[str, Counter[str]] = {}
    for r in rows:
        groups.setdefault(r["codes"][0] if r["codes"] else "", Counter())[r["split"]] += 1
    for key, n in groups.items():
        assert abs(n["dev"] - n["test"]) <= 1, (key or "out of scope", dict(n))
    total = Counter(r["split"] for r in rows)
    assert abs(total["dev"] - total["test"]) <= len(groups), total


def test_split_selection_matches_the_file(rows):
    from dialog.evaluation import DEFAULT_CASES, load_cases, select

    cases = load_cases(DEFAULT_CASES)
    dev, test = select(cases, "dev"), select(cases, "test")
    assert len(dev) == sum(r["split"] == "dev" for r in rows)
    assert len(test) == sum(r["split"] == "test" for r in rows)
    assert len(select(cases, "all")) == len(rows) == len(dev) + len(test)
    assert not {c.text for c in dev} & {c.text for c in test}
    with pytest.raises(ValueError):
        select(cases, "train")


def test_every_code_is_in_the_national_catalogue(any_rows, catalogue_dir):
    rows = any_rows
    catalogue = {p.stem for p in catalogue_dir.glob("*/*.json")}
    assert len(catalogue) > 2000, f"catalogue at {catalogue_dir} looks incomplete"
    missing = sorted({c for r in rows for c in r["codes"]} - catalogue)
    assert not missing, missing


def test_holdout_is_a_separate_test_only_batch(holdout, rows):
    """Written blind after the matcher was frozen; never tuned on (see the README)."""
    assert all(r["split"] == "test" for r in holdout)
    in_scope = _in_scope(holdout)
    assert len(in_scope) >= 150 and len(holdout) - len(in_scope) >= 35
    assert len({r["codes"][0] for r in in_scope}) >= 90
    assert not {r["text"] for r in holdout} & {r["text"] for r in rows}

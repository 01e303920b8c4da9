"""The bundled seed catalogue: loads into records, is complete enough to answer
from out of the box, and agrees with the national catalogue when it is present."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from knowledge.records import Channel, ProcedureRecord
from knowledge.seed import load_seed

CODE = re.compile(r"^\d\.\d{6}$")
# Spoken text is read by TTS: no abbreviations in brackets, no URLs.
UNSPEAKABLE = re.compile(r"[()\[\]{}<>/\\]|https?:|www\.")
# App names callers know by these spellings; any other capitalised acronym is an abbreviation.
SPOKEN_BRANDS = {"VNeID", "VssID"}
ACRONYM = re.compile(r"\b\w*[A-ZĐ]\w*[A-ZĐ]\w*\b")


@pytest.fixture(scope="module")
def seed() -> list[ProcedureRecord]:
    return load_seed()


def test_loads_as_procedure_records(seed):
    assert len(seed) >= 80
    assert all(isinstance(r, ProcedureRecord) for r in seed)
    assert all(isinstance(c, Channel) for r in seed for c in r.channels)


def test_round_trips_through_to_dict(seed):
    for rec in seed:
        assert ProcedureRecord.from_dict(rec.to_dict()) == rec


def test_codes_are_unique_and_national(seed):
    codes = [r.code for r in seed]
    assert [c for c, n in Counter(codes).items() if n > 1] == []
    assert [c for c in codes if not CODE.match(c)] == []


def test_every_record_is_answerable(seed):
    for rec in seed:
        assert rec.name.strip(), rec.code
        assert rec.status in ("published", "draft"), rec.code  # drafts load as drafts (hotline.services)
        assert rec.version == 1, rec.code
        assert rec.spoken_summary.strip(), rec.code
        assert 5 <= len(rec.aliases) <= 12, rec.code
        assert 3 <= len(rec.keywords) <= 8, rec.code
        assert rec.channels, rec.code
        assert rec.source_url.startswith("https://dichvucong.gov.vn/"), rec.code


def test_spoken_summaries_are_short_and_speakable(seed):
    for rec in seed:
        text = rec.spoken_summary
        sentences = [s for s in re.split(r"[.!?](?:\s+|$)", text) if s.strip()]
        assert 2 <= len(sentences) <= 4, (rec.code, sentences)
        assert not UNSPEAKABLE.search(text), (rec.code, text)
        assert set(ACRONYM.findall(text)) <= SPOKEN_BRANDS, (rec.code, ACRONYM.findall(text))
        assert "ông bà" in text.lower(), (rec.code, "address the caller politely")


def test_channels_are_well_formed(seed):
    for rec in seed:
        for ch in rec.channels:
            assert ch.channel in {"direct", "online", "postal"}, rec.code
            assert ch.day_kind in {None, "working", "calendar"}, rec.code
            assert ch.days is None or ch.days >= 0, rec.code
            assert ch.fee_vnd is None or (isinstance(ch.fee_vnd, int) and ch.fee_vnd >= 0), rec.code
            if ch.fee_vnd == 0:
                assert ch.fee_text, rec.code


def test_aliases_are_lowercase_and_never_shared(seed):
    owner: dict[str, str] = {}
    clashes = []
    for rec in seed:
        assert len(set(rec.aliases)) == len(rec.aliases), rec.code
        for alias in rec.aliases:
            assert alias == alias.lower().strip(), (rec.code, alias)
            key = " ".join(alias.split())
            if key in owner and owner[key] != rec.code:
                clashes.append((key, owner[key], rec.code))
            owner[key] = rec.code
    assert clashes == []


def test_everyday_topics_are_covered(seed):
    aliases = {a for r in seed for a in r.aliases}
    for phrase in ("làm giấy khai sinh", "đăng ký kết hôn", "nhập hộ khẩu", "làm căn cước",
                   "làm passport", "giấy xác nhận độc thân", "sổ đỏ", "bằng lái"):
        assert any(phrase in a for a in aliases), phrase


def test_similar_procedures_stay_distinct(seed):
    by_code = {r.code: r for r in seed}
    births = ["1.001193", "2.000528", "1.004884"]  # khai sinh, có yếu tố nước ngoài, đăng ký lại
    alias_sets = [set(by_code[c].aliases) for c in births]
    for i, a in enumerate(alias_sets):
        for b in alias_sets[i + 1:]:
            assert not a & b


def _clean(text: str) -> str:
    return " ".join(text.split())


def test_matches_the_national_catalogue(seed, catalogue_dir: Path):
    files = {p.stem: p for p in catalogue_dir.rglob("*.json")}
    missing, renamed, moved = [], [], []
    for rec in seed:
        path = files.get(rec.code)
        if path is None:
            missing.append(rec.code)
            continue
        source = json.loads(path.read_text(encoding="utf-8"))
        if _clean(source["ten_thu_tuc"]) != rec.name:
            renamed.append((rec.code, rec.name, _clean(source["ten_thu_tuc"])))
        if source["detail_url"] != rec.source_url:
            moved.append(rec.code)
    assert missing == []
    assert renamed == []
    assert moved == []


def test_spoken_figures_come_from_the_record(seed):
    """Every amount and day count read to callers is backed by the record's
    channels, conditions or steps, so staff edits cannot drift from the facts."""
    for rec in seed:
        fees = " ".join(c.fee_text for c in rec.channels)
        facts = " ".join([*(c.time_text + " " + c.note for c in rec.channels), rec.conditions, *rec.steps])
        for amount in re.findall(r"(\d[\d.]*) đồng", rec.spoken_summary):
            assert amount in fees, (rec.code, amount)
        for days in re.findall(r"(\d+) ngày", rec.spoken_summary):
            assert re.search(rf"(?<![\d.]){days}(?![\d.])", facts), (rec.code, days)


# The portal writes "Miễn phí" in front of texts that name an amount or a fee schedule
# ("Miễn phí (Lệ phí cấp giấy chứng nhận: 40.000 đồng ...)"); read as free, callers would be
# told a paid procedure costs nothing.
FEE_SCHEDULE = re.compile(r"\d[\d.,]*\s*(?:đồng|VNĐ)|[Tt]heo quy định|Luật phí|Hội đồng nhân dân|Thông tư")


def test_free_channels_name_no_fee(seed):
    slips = [(rec.code, ch.fee_text) for rec in seed for ch in rec.channels
             if ch.fee_vnd == 0 and FEE_SCHEDULE.search(ch.fee_text)]
    assert slips == []


def test_processing_times_are_never_a_bare_number(seed):
    # The portal sometimes gives "1" or "75" with no unit: the seed says so in words.
    bare = [(rec.code, ch.time_text) for rec in seed for ch in rec.channels
            if re.fullmatch(r"\s*\d+(?:[.,]\d+)?\s*", ch.time_text)]
    assert bare == []

"""Importer: real national records from ../shared, and hand-made broken files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hotline.database import open_database
from knowledge.importer import import_path
from knowledge.store import ProcedureStore

GOOD = {
    "ma_thu_tuc": "1.000894",
    "ten_thu_tuc": "Thủ tục đăng ký kết hôn",
    "cap_thuc_hien": "Cấp xã",
    "linh_vuc": "Hộ tịch",
    "detail_url": "https://example.invalid/1",
    "cach_thuc_thuc_hien": "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp5 Ngày làm việcMiễn phí"
    "Trực tuyến5 Ngày làm việc10,000 Việt Nam Đồng",
    "thanh_phan_ho_so": "",
    "trinh_tu_thuc_hien": "- Nộp hồ sơ\n- Nhận kết quả",
    "ket_qua_xu_ly": "",
}


@pytest.fixture
def store(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'kb.db'}")
    yield ProcedureStore(db.sessions)
    db.dispose()


def test_broken_and_foreign_files_are_reported_and_skipped(tmp_path, store):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "good.json").write_text(json.dumps(GOOD, ensure_ascii=False), encoding="utf-8")
    (src / "sub" / "truncated.json").write_text(json.dumps(GOOD)[:40], encoding="utf-8")
    (src / "sub" / "foreign.json").write_text('{"id": 1, "title": "not a procedure"}', encoding="utf-8")
    (src / "latin1.json").write_bytes('{"ten_thu_tuc": "Đăng ký"}'.encode("utf-16"))
    (src / "empty.json").write_text("", encoding="utf-8")
    (src / "list.json").write_text("[]", encoding="utf-8")
    (src / "no_code.json").write_text(json.dumps(GOOD | {"ma_thu_tuc": ""}), encoding="utf-8")
    (src / "README.md").write_text("not imported", encoding="utf-8")
    report = import_path(store, src)
    assert report.files == 7
    assert report.imported == 1
    reasons = {Path(s.file).name: s.reason for s in report.skipped}
    assert set(reasons) == {"truncated.json", "foreign.json", "latin1.json", "empty.json", "list.json", "no_code.json"}
    assert "invalid JSON" in reasons["truncated.json"]
    assert "UTF-8" in reasons["latin1.json"]
    assert all(r for r in reasons.values())
    rec = store.get("1.000894")
    assert [(c.channel, c.days, c.day_kind, c.fee_vnd) for c in rec.channels] == [
        ("direct", 5.0, "working", 0), ("online", 5.0, "working", 10000)]


def test_reimport_is_idempotent_and_draft_flag(tmp_path, store):
    src = tmp_path / "one.json"
    src.write_text(json.dumps(GOOD, ensure_ascii=False), encoding="utf-8")
    first = import_path(store, src, draft=True)
    assert (first.imported, first.status) == (1, "draft")
    assert store.get("1.000894").status == "draft"
    again = import_path(store, src)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 1)
    src.write_text(json.dumps(GOOD | {"trinh_tu_thuc_hien": "- Nộp hồ sơ\n- Nộp lệ phí\n- Nhận kết quả"},
                              ensure_ascii=False), encoding="utf-8")
    changed = import_path(store, src)
    assert changed.updated == 1
    assert store.get("1.000894").version == 2


def test_missing_path(store, tmp_path):
    with pytest.raises(FileNotFoundError):
        import_path(store, tmp_path / "nope")


def test_full_national_catalogue(catalogue_dir, store):
    report = import_path(store, catalogue_dir)
    assert report.files == 2642
    assert report.imported == 2642 and not report.skipped
    stats = store.stats()
    assert stats["procedures"] == 2642
    assert stats["by_status"] == {"published": 2642}
    # Parsed values: most channel rows have a number of days and a fee amount (measured 85.9 %
    # and 69.7 %). Bare numbers ("1", unit unknown), "Miễn phí" rows whose note names a fee and
    # amounts their note contradicts are left unknown and flagged (752 records), not guessed.
    assert report.channels_parsed > 6500
    assert report.times_parsed / report.channels_parsed > 0.85
    assert report.fees_parsed / report.channels_parsed > 0.67
    assert report.flagged < 780
    khai_sinh = store.get("1.001193")
    assert khai_sinh.name == "Thủ tục đăng ký khai sinh"
    assert {c.channel for c in khai_sinh.channels} == {"direct", "online", "postal"}
    assert all(c.fee_vnd == 0 for c in khai_sinh.channels)
    again = import_path(store, catalogue_dir)
    assert again.unchanged == 2642


def test_partial_tree_copy_and_broken_file_among_real_ones(catalogue_dir, tmp_path, store):
    src = tmp_path / "mix"
    shutil.copytree(catalogue_dir / "bo-tu-phap", src)
    (src / "zz-broken.json").write_text('{"ma_thu_tuc": "1.0', encoding="utf-8")
    report = import_path(store, src)
    assert report.imported == report.files - 1
    assert [Path(s.file).name for s in report.skipped] == ["zz-broken.json"]

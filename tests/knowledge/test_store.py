"""The procedure store on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from hotline.database import open_database
from knowledge.records import Channel, Document, ProcedureRecord
from knowledge.store import DuplicateProcedure, ProcedureNotFound, ProcedureStore, StoreError


def _record(code="1.001193", name="Thủ tục đăng ký khai sinh", **kw) -> ProcedureRecord:
    base = dict(
        code=code, name=name, levels=["xã"], field="Hộ tịch",
        channels=[Channel("direct", "1 Ngày làm việc", 1, "working", "Miễn phí", 0),
                  Channel("online", "1 Ngày làm việc", 1, "working", "Miễn phí", 0)],
        documents=[Document("Tờ khai đăng ký khai sinh", "Mẫu TK", "1 bản chính", "Giấy tờ phải nộp")],
        steps=["Nộp hồ sơ", "Nhận kết quả"],
    )
    base.update(kw)
    return ProcedureRecord(**base)


@pytest.fixture
def store(database_url):
    db = open_database(database_url)
    yield ProcedureStore(db.sessions)
    db.dispose()


def test_import_is_idempotent_and_keeps_staff_fields(store):
    counts = store.upsert_imported([_record()], status="published", actor="t")
    assert counts.imported == ["1.001193"]
    store.update("1.001193", {"spoken_summary": "Ông/bà nộp tại xã.", "aliases": ["Làm Giấy Khai Sinh"]}, actor="ed")
    assert store.get("1.001193").version == 2

    again = store.upsert_imported([_record()], status="published", actor="t")
    assert again.unchanged == ["1.001193"] and not again.updated
    assert store.get("1.001193").version == 2

    changed = _record(channels=[Channel("direct", "3 Ngày làm việc", 3, "working", "8,000 Việt Nam Đồng", 8000)])
    again = store.upsert_imported([changed], status="draft", actor="t")
    assert again.updated == ["1.001193"]
    rec = store.get("1.001193")
    assert rec.version == 3
    assert rec.channels[0].fee_vnd == 8000 and len(rec.channels) == 1
    # Staff-owned fields survive the re-import; status too (import --draft only affects new records).
    assert rec.spoken_summary == "Ông/bà nộp tại xã."
    assert rec.aliases == ["làm giấy khai sinh"]
    assert rec.status == "published"


def test_round_trip_of_every_field(store):
    rec = _record(conditions="Có giấy chứng sinh", result="Giấy khai sinh", legal_basis=["Luật Hộ tịch 60/2014/QH13"],
                  flags=["time_unit_missing"], raw={"cach_thuc_thuc_hien": "Trực tuyến1Miễn phí"},
                  keywords=["khai sinh"], source_url="https://example.invalid/x", decision="163/QĐ-BTP")
    store.upsert_imported([rec], status="published", actor="t")
    got = store.get(rec.code)
    assert got.to_dict() == rec.to_dict()


def test_audit_log_records_who_what_old_new(store):
    store.upsert_imported([_record()], status="draft", actor="importer")
    store.update("1.001193", {"spoken_summary": "A"}, actor="alice")
    store.set_status("1.001193", "published", actor="bob")
    store.add_alias("1.001193", "khai sinh cho con", actor="carol")
    hist = store.history("1.001193")
    assert [h["actor"] for h in hist] == ["importer", "alice", "bob", "carol"]
    assert hist[1] | {} == hist[1] and hist[1]["field"] == "spoken_summary"
    assert (hist[1]["old"], hist[1]["new"]) == ("", "A")
    assert hist[2]["action"] == "publish"
    assert hist[3]["new"] == ["khai sinh cho con"]
    assert [v["version"] for v in store.versions("1.001193")] == [1, 2, 3, 4]


def test_search_is_diacritic_insensitive_and_filters(store):
    store.upsert_imported(
        [_record(), _record("1.000894", "Thủ tục đăng ký kết hôn", levels=["xã"]),
         _record("2.000200", "Cấp thẻ căn cước", levels=["tỉnh", "xã"], field="Căn cước")],
        status="published", actor="t",
    )
    store.add_alias("1.000894", "cưới vợ", actor="t")
    total, items = store.search("ket hon")
    assert total == 1 and items[0].code == "1.000894"
    assert store.search("cuoi vo")[1][0].code == "1.000894"
    assert store.search("CĂN CƯỚC")[1][0].code == "2.000200"
    assert store.search(level="tỉnh")[0] == 1
    assert store.search(field_="Hộ tịch")[0] == 2
    assert store.search("100%_")[0] == 0  # LIKE wildcards are literal
    store.set_status("2.000200", "draft", actor="t")
    assert store.search(status="published")[0] == 2


def test_errors_are_clear(store):
    with pytest.raises(ProcedureNotFound):
        store.get("9.999999")
    store.create(_record(), actor="t")
    with pytest.raises(DuplicateProcedure):
        store.create(_record(), actor="t")
    with pytest.raises(StoreError, match="cannot be edited"):
        store.update("1.001193", {"code": "x"}, actor="t")
    with pytest.raises(StoreError, match="status"):
        store.set_status("1.001193", "gone", actor="t")


def test_failed_batch_leaves_nothing_half_written(store):
    good = _record("1.000001", "A")
    bad = _record("1.000002", None)  # type: ignore[arg-type]  # NOT NULL violation mid-batch
    with pytest.raises(IntegrityError):
        store.upsert_imported([good, bad], status="published", actor="t")
    assert store.count() == 0


def test_stats(store):
    store.upsert_imported([_record(), _record("2.000200", "Cấp thẻ căn cước", levels=["tỉnh", "xã"],
                                              flags=["fee_unparsed"])], status="published", actor="t")
    st = store.stats()
    assert st["procedures"] == 2
    assert st["by_level"] == {"xã": 2, "tỉnh": 1}
    assert st["by_status"] == {"published": 2}
    assert st["flagged"] == 1 and st["by_flag"] == {"fee_unparsed": 1}

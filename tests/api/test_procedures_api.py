"""Staff API with real auth, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import zipfile

from .conftest import ADMIN

KHAI_SINH = {
    "code": "1.001193",
    "name": "Thủ tục đăng ký khai sinh",
    "levels": ["xã"],
    "field": "Hộ tịch",
    "channels": [{"channel": "direct", "time_text": "1 ngày làm việc", "days": 1, "day_kind": "working",
                  "fee_text": "Miễn phí", "fee_vnd": 0}],
    "aliases": ["làm giấy khai sinh"],
    "status": "published",
}


def test_writes_need_a_token_with_a_role(client, editor, viewer):
    assert client.post("/api/v1/procedures", json=KHAI_SINH).status_code == 401
    assert client.post("/api/v1/procedures", json=KHAI_SINH, headers=viewer).status_code == 403
    bad = client.post("/api/v1/procedures", json=KHAI_SINH, headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and "invalid" in bad.json()["detail"]
    assert client.post("/api/v1/procedures", json=KHAI_SINH,
                       headers={"Authorization": "Basic abc"}).status_code == 401
    r = client.post("/api/v1/procedures", json=KHAI_SINH, headers=editor)
    assert r.status_code == 201, r.text
    assert r.json()["version"] == 1
    assert client.post("/api/v1/procedures", json=KHAI_SINH, headers=editor).status_code == 409
    assert client.get("/api/v1/me", headers=editor).json() == {"name": "ed", "role": "editor"}


def test_tokens_are_stored_hashed(client, services, editor):
    from sqlalchemy import select

    from hotline.accounts import ApiToken

    token = editor["Authorization"].split()[1]
    with services.db.sessions() as s:
        stored = list(s.scalars(select(ApiToken.token_hash)))
    assert stored and token not in stored and all(len(h) == 64 for h in stored)


def test_drafts_are_hidden_without_a_token(client, editor):
    client.post("/api/v1/procedures", json=KHAI_SINH | {"status": "draft"}, headers=editor)
    assert client.get("/api/v1/procedures/1.001193").status_code == 404
    assert client.get("/api/v1/procedures?status=draft").status_code == 401
    assert client.get("/api/v1/procedures").json()["total"] == 0
    assert client.get("/api/v1/procedures/1.001193", headers=editor).json()["status"] == "draft"
    assert client.post("/api/v1/procedures/1.001193/publish", headers=editor).json()["status"] == "published"
    body = client.get("/api/v1/procedures?q=khai%20sinh").json()
    assert body["total"] == 1 and body["items"][0]["code"] == "1.001193"


def test_edit_alias_history(client, editor, viewer):
    client.post("/api/v1/procedures", json=KHAI_SINH, headers=editor)
    r = client.patch("/api/v1/procedures/1.001193", json={"spoken_summary": "Ông/bà nộp hồ sơ tại xã."}, headers=editor)
    assert r.status_code == 200 and r.json()["version"] == 2
    r = client.post("/api/v1/procedures/1.001193/aliases", json={"alias": "Khai Sinh Cho Con"}, headers=editor)
    assert r.status_code == 201 and r.json() == ["làm giấy khai sinh", "khai sinh cho con"]
    assert client.get("/api/v1/procedures?q=khai sinh cho con").json()["total"] == 1
    r = client.delete("/api/v1/procedures/1.001193/aliases/làm giấy khai sinh", headers=editor)
    assert r.json() == ["khai sinh cho con"]
    hist = client.get("/api/v1/procedures/1.001193/history", headers=viewer).json()
    assert [h["actor"] for h in hist] == ["ed", "ed", "ed", "ed"]
    assert hist[1]["field"] == "spoken_summary" and hist[1]["new"] == "Ông/bà nộp hồ sơ tại xã."
    assert client.get("/api/v1/procedures/1.001193/history").status_code == 401
    assert len(client.get("/api/v1/procedures/1.001193/versions", headers=viewer).json()) == 4
    assert client.delete("/api/v1/procedures/1.001193", headers=editor).status_code == 403
    assert client.delete("/api/v1/procedures/1.001193", headers=ADMIN).status_code == 204
    assert client.get("/api/v1/procedures/1.001193", headers=ADMIN).status_code == 404


def test_validation_errors_are_422_with_a_message(client, editor):
    cases = [
        {"name": "x"},  # no code
        KHAI_SINH | {"code": "bad code!"},
        KHAI_SINH | {"channels": [{"channel": "fax"}]},
        KHAI_SINH | {"channels": [{"channel": "direct", "fee_vnd": -5}]},
        KHAI_SINH | {"unknown_field": 1},
        KHAI_SINH | {"status": "gone"},
    ]
    for body in cases:
        r = client.post("/api/v1/procedures", json=body, headers=editor)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["detail"]
    r = client.post("/api/v1/procedures", content=b"{not json", headers=editor | {"content-type": "application/json"})
    assert r.status_code == 422
    client.post("/api/v1/procedures", json=KHAI_SINH, headers=editor)
    assert client.patch("/api/v1/procedures/1.001193", json={}, headers=editor).status_code == 422
    assert client.patch("/api/v1/procedures/9.999999", json={"name": "x"}, headers=editor).status_code == 404
    assert client.get("/api/v1/procedures?limit=100000").status_code == 422


def test_health_metrics_openapi(client, editor):
    client.post("/api/v1/procedures", json=KHAI_SINH, headers=editor)
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
    text = client.get("/metrics").text
    assert 'hotline_procedures{status="published"} 1.0' in text
    assert "hotline_http_requests_total" in text
    spec = client.get("/openapi.json").json()
    assert "/api/v1/procedures/{code}" in spec["paths"] and "/api/v1/imports" in spec["paths"]


def test_import_by_upload(client, editor):
    good = {
        "ma_thu_tuc": "1.000894", "ten_thu_tuc": "Thủ tục đăng ký kết hôn", "cap_thuc_hien": "Cấp xã",
        "linh_vuc": "Hộ tịch", "detail_url": "https://example.invalid/1",
        "cach_thuc_thuc_hien": "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp5 Ngày làm việcMiễn phí",
        "thanh_phan_ho_so": "", "trinh_tu_thuc_hien": "- Nộp hồ sơ", "ket_qua_xu_ly": "",
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a/1.000894.json", json.dumps(good, ensure_ascii=False))
        zf.writestr("a/broken.json", "{oops")
    files = [("files", ("batch.zip", buf.getvalue(), "application/zip")),
             ("files", ("foreign.json", b'{"hello": "world"}', "application/json"))]
    r = client.post("/api/v1/imports", files=files, headers=editor)
    assert r.status_code == 200, r.text
    rep = r.json()
    assert rep["imported"] == 1 and rep["skipped_count"] == 2
    reasons = " ".join(s["reason"] for s in rep["skipped"])
    assert "invalid JSON" in reasons
    assert client.get("/api/v1/procedures/1.000894").json()["name"] == "Thủ tục đăng ký kết hôn"
    r = client.post("/api/v1/imports", files=[("files", ("x.zip", b"notazip", "application/zip"))], headers=editor)
    assert r.status_code == 422
    assert client.post("/api/v1/imports", files=files).status_code == 401

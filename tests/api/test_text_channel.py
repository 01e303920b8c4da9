"""The text channel over HTTP on the seed catalogue: /ask, sessions, and their call records."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from hotline.api.app import create_app
from hotline.config import Settings
from hotline.services import build_services

from .conftest import ADMIN


@pytest.fixture
def seeded(tmp_path):
    svc = build_services(Settings(data_dir=tmp_path, admin_token="admin-secret-token"))
    with TestClient(create_app(svc)) as c:
        yield c
    svc.close()


def test_seed_loads_into_an_empty_database(seeded):
    stats = seeded.get("/api/v1/stats").json()
    assert stats["procedures"] >= 80
    # Every seed record loaded, with its own status (curated ones not yet released are drafts).
    assert sum(stats["by_status"].values()) == stats["procedures"]
    assert set(stats["by_status"]) <= {"published", "draft"} and stats["by_status"]["published"] >= 80


def test_ask_answers_a_colloquial_question(seeded):
    r = seeded.post("/api/v1/ask", json={"text": "cho em hỏi làm giấy khai sinh cho con mất bao nhiêu tiền"})
    assert r.status_code == 200
    body = r.json()
    assert body["action"] in {"answer", "confirm"}
    assert body["procedure"]["code"] == "1.001193"
    assert body["candidates"][0]["code"] == "1.001193"
    assert 0 < body["candidates"][0]["score"] <= 1
    assert "khai sinh" in body["reply"].lower()


def test_ask_rejects_out_of_scope(seeded):
    body = seeded.post("/api/v1/ask", json={"text": "kết quả xổ số miền nam hôm nay"}).json()
    assert body["action"] == "no_match" and body["procedure"] is None
    assert body["reply"]


def test_ask_validation(seeded):
    assert seeded.post("/api/v1/ask", json={}).status_code == 422
    assert seeded.post("/api/v1/ask", json={"text": ""}).status_code == 422
    assert seeded.post("/api/v1/ask", json={"text": "x" * 5000}).status_code == 422


def test_session_conversation_is_recorded(seeded):
    start = seeded.post("/api/v1/sessions")
    assert start.status_code == 201
    sid = start.json()["id"]
    assert "thủ tục" in start.json()["reply"].lower()
    turn = seeded.post(f"/api/v1/sessions/{sid}/turns", json={"text": "ờ cho tui hỏi làm passport"}).json()
    assert turn["event"]["procedure_code"] == "1.001456" or "hộ chiếu" in turn["reply"].lower()
    again = seeded.post(f"/api/v1/sessions/{sid}/turns", json={"digits": "3"})
    assert again.status_code == 200
    silent = seeded.post(f"/api/v1/sessions/{sid}/turns", json={"no_input": True})
    assert silent.status_code == 200
    assert seeded.post(f"/api/v1/sessions/{sid}/turns", json={}).status_code == 422
    assert seeded.post(f"/api/v1/sessions/{sid}/turns", json={"digits": "12a"}).status_code == 422
    assert seeded.post("/api/v1/sessions/nope/turns", json={"text": "a"}).status_code == 404
    assert seeded.delete(f"/api/v1/sessions/{sid}").status_code == 204

    assert seeded.get("/api/v1/calls").status_code == 401
    calls = seeded.get("/api/v1/calls", headers=ADMIN).json()
    assert calls["total"] == 1 and calls["items"][0]["channel"] == "text"
    call = seeded.get(f"/api/v1/calls/{sid}", headers=ADMIN).json()
    assert call["ended_at"] and call["hangup_cause"] == "closed_by_client"
    assert len(call["turns"]) == 4
    assert call["turns"][1]["heard_text"] == "ờ cho tui hỏi làm passport"
    assert call["outcome"] in {"answered", "unresolved"}
    assert seeded.get("/api/v1/calls/none", headers=ADMIN).status_code == 404


def test_published_edit_is_answered_at_once(seeded):
    r = seeded.post("/api/v1/procedures/1.001193/aliases", json={"alias": "làm giấy chào đời cho em bé"}, headers=ADMIN)
    assert r.status_code == 201
    body = seeded.post("/api/v1/ask", json={"text": "làm giấy chào đời cho em bé"}).json()
    assert body["procedure"]["code"] == "1.001193"
    seeded.post("/api/v1/procedures/1.001193/unpublish", headers=ADMIN)
    body = seeded.post("/api/v1/ask", json={"text": "làm giấy chào đời cho em bé"}).json()
    assert body["procedure"] is None or body["procedure"]["code"] != "1.001193"

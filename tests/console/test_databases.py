"""The console's tables and queries on both databases (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from hotline import dashboard
from hotline.accounts import Principal
from hotline.api.app import create_app
from hotline.config import Settings
from hotline.console.sessions import SessionStore
from hotline.regression import RegressionSet
from hotline.review import ReviewQueue
from hotline.services import build_services


def test_review_dashboard_sessions_and_regression_rows(tmp_path, database_url):
    svc = build_services(Settings(data_dir=tmp_path, database_url=database_url))
    try:
        with TestClient(create_app(svc)) as client:
            for text in ("làm pát pọt", "làm pát pọt nha"):
                sid = client.post("/api/v1/sessions").json()["id"]
                client.post(f"/api/v1/sessions/{sid}/turns", json={"text": text})
                client.delete(f"/api/v1/sessions/{sid}")
        queue = ReviewQueue(svc.db.sessions)
        group = queue.find("làm pát pọt")
        assert group is not None and group.count == 2
        queue.decide(group.members, status="accepted", actor="t", code="1.001456", alias="làm pát pọt")
        assert queue.find("làm pát pọt") is None

        now = datetime.now(UTC)
        d = dashboard.load(svc.db.sessions, since=now - timedelta(hours=1), until=now + timedelta(seconds=1))
        assert d.calls == 2 and d.unmatched == 2 and d.by_channel == {"text": 2}

        store = SessionStore(svc.db.sessions, idle=timedelta(seconds=-1))  # every session is already idle
        cookie, _ = store.create(Principal("tok", "viewer"), kind="token", api_token="unknown-token")
        assert store.get(cookie) is None
        live = SessionStore(svc.db.sessions)
        svc.accounts.create_user("an", "mật-khẩu-dài", "admin")
        cookie, session = live.create(Principal("an", "admin"), kind="password")
        got = live.get(cookie)
        assert got is not None and got.principal.role == "admin" and got.csrf == session.csrf
        assert live.end_all("an") == 1 and live.get(cookie) is None

        regression = RegressionSet(svc.db.sessions, evalset=None)
        assert regression.add("làm pát pọt", "1.001456", actor="t")
        assert not regression.add("làm pát pọt", "1.001456", actor="t")
        assert [r["text"] for r in regression.rows(code="1.001456")] == ["làm pát pọt"]
    finally:
        svc.close()

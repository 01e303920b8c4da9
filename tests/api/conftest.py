from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from hotline.api.app import create_app
from hotline.config import Settings
from hotline.services import build_services

ADMIN = {"Authorization": "Bearer admin-secret-token"}


@pytest.fixture
def services(tmp_path, database_url):
    svc = build_services(Settings(data_dir=tmp_path, database_url=database_url, admin_token="admin-secret-token",
                                  seed=False))
    yield svc
    svc.close()


@pytest.fixture
def client(services):
    with TestClient(create_app(services)) as c:
        yield c


@pytest.fixture
def editor(client) -> dict:
    r = client.post("/api/v1/tokens", json={"name": "ed", "role": "editor"}, headers=ADMIN)
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


@pytest.fixture
def viewer(client) -> dict:
    r = client.post("/api/v1/tokens", json={"name": "vi", "role": "viewer"}, headers=ADMIN)
    return {"Authorization": f"Bearer {r.json()['token']}"}

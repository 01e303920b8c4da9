from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from hotline.api.app import create_app
from hotline.config import Settings
from hotline.services import build_services

ADMIN_TOKEN = "admin-secret-token"
PASSWORD = "mật-khẩu-đủ-dài"


@pytest.fixture
def services(tmp_path):
    """A seeded SQLite hotline with one staff user per role."""
    svc = build_services(Settings(data_dir=tmp_path, admin_token=ADMIN_TOKEN))
    for name, role in (("an", "admin"), ("binh", "editor"), ("chi", "viewer")):
        svc.accounts.create_user(name, PASSWORD, role)
    yield svc
    svc.close()


@pytest.fixture
def client(services):
    with TestClient(create_app(services)) as c:
        yield c


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "page has no CSRF field"
    return found.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Logs in; returns the CSRF token of the new session."""
    r = client.post("/console/login", data={"username": username, "password": password}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get("/console/procedures")
    assert page.status_code == 200
    return csrf_of(page.text)

"""The bundled seed goes into an empty database with each record's own status: curated
records not yet released stay drafts, out of the matcher."""

from __future__ import annotations

from pathlib import Path

from hotline.config import Settings
from hotline.services import build_services
from knowledge.seed import load_seed


def test_drafts_of_the_seed_stay_drafts(tmp_path: Path):
    seed = load_seed()
    services = build_services(Settings(data_dir=tmp_path))
    try:
        published = services.store.all_records(status="published")
        drafts = services.store.all_records(status="draft")
    finally:
        services.close()
    assert {r.code for r in published} == {r.code for r in seed if r.status == "published"}
    assert {r.code for r in drafts} == {r.code for r in seed if r.status == "draft"}

"""The application's long-lived parts, built once from Settings and passed around."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from knowledge.store import ProcedureStore

from .accounts import Accounts
from .callrecords import CallRecords
from .config import Settings
from .database import Database, open_database

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Services:
    settings: Settings
    db: Database
    store: ProcedureStore
    accounts: Accounts
    calls: CallRecords
    extras: dict = field(default_factory=dict)

    def close(self) -> None:
        self.db.dispose()


def build_services(settings: Settings, *, seed: bool | None = None) -> Services:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = open_database(settings.effective_database_url)
    store = ProcedureStore(db.sessions)
    services = Services(settings, db, store, Accounts(db.sessions, bootstrap_token=settings.admin_token),
                        CallRecords(db.sessions))
    if settings.seed if seed is None else seed:
        ensure_seed(store)
    return services


def ensure_seed(store: ProcedureStore) -> int:
    """Load the bundled seed catalogue into an empty database; returns records loaded."""
    if store.count():
        return 0
    from knowledge.seed import load_seed

    records = load_seed()
    loaded = 0
    # Curated records not yet released stay drafts (staff publish them in the console).
    for status in ("published", "draft"):
        batch = [r for r in records if r.status == status]
        if batch:
            loaded += len(store.upsert_imported(batch, status=status, actor="seed").imported)
    log.info("loaded %d seed procedures", loaded)
    return loaded

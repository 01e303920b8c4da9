"""Migration 0003 creates exactly the console's tables as the models declare them."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import hotline.console.sessions  # noqa: F401  (registers the tables)
import hotline.regression  # noqa: F401
import hotline.review  # noqa: F401
from hotline.database import open_database
from knowledge.db import Base

TABLES = {"console_sessions", "review_decisions", "regression_cases"}


def _table_of(diff) -> str:
    item = diff[0] if isinstance(diff, list) else diff  # modify_* diffs come as lists
    kind = item[0]
    if kind.endswith("_table"):
        return item[1].name
    if kind.endswith(("_index", "_constraint")):
        return item[1].table.name
    return item[2]  # (kind, schema, table, ...) for columns and modify_*


def test_the_check_sees_missing_tables(sqlite_url):
    from alembic import command

    from hotline.database import alembic_config

    command.upgrade(alembic_config(sqlite_url), "0002")
    db = open_database(sqlite_url, migrate=False)
    try:
        with db.engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert {_table_of(d) for d in diffs} >= TABLES
    finally:
        db.dispose()


def test_head_schema_matches_the_console_models(database_url):
    db = open_database(database_url)
    try:
        assert set(inspect(db.engine).get_table_names()) >= TABLES
        with db.engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        mine = [d for d in diffs if _table_of(d) in TABLES]
        assert mine == []
    finally:
        db.dispose()

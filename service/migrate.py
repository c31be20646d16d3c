"""`alembic upgrade head` made safe for several workers starting at once.

Each worker (and the `serve` command, before forking) calls `upgrade(url)`. A lock serialises them: an
advisory lock on PostgreSQL, an flock on a file beside the SQLite database. Upgrading an up-to-date database
is a quick no-op, so the later callers just wait a moment.
"""
from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine, make_url

from service.db import is_sqlite, make_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_LOCK_ID = 7_319_554_201  # arbitrary, constant: "replyscreen migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config(str(MIGRATIONS / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def migration_lock(url: str, engine: Engine) -> Iterator[None]:
    """Exclusive across processes for the duration of the block."""
    if is_sqlite(url):
        database = make_url(url).database or ":memory:"
        if database == ":memory:":
            yield
            return
        with _file_lock(Path(database).expanduser().with_name(Path(database).name + ".migrate.lock")):
            yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _PG_LOCK_ID})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _PG_LOCK_ID})
            conn.commit()


def upgrade(url: str) -> None:
    """Bring the database at `url` to the newest schema (idempotent, concurrency-safe)."""
    engine = make_engine(url)
    try:
        with migration_lock(url, engine):
            with engine.begin() as conn:
                command.upgrade(alembic_config(conn), "head")
    finally:
        engine.dispose()

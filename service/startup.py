"""Work done once before serving: schema migrations, registry sync, orphaned jobs — under one lock.

`replyscreen serve` runs it before the workers fork; every worker's lifespan runs it again, which is a quick
no-op by then (and keeps `uvicorn service.app:create_app --factory` working on its own).
"""
from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from replyscreen.settings import Settings
from service import repositories
from service.db import Database, make_engine
from service.migrate import migration_lock, upgrade

log = logging.getLogger("service.startup")


def prepare(settings: Settings) -> None:
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with migration_lock(settings.database_url, engine):
            try:
                added = repositories.sync_registry(db, Path(settings.models_dir))
                if added:
                    log.info("registered models found in %s: %s", settings.models_dir, ", ".join(added))
            except IntegrityError:
                log.info("registry sync raced with another process; it will be retried by the model poller")
            except Exception as exc:  # noqa: BLE001 - a broken artifact must not stop the service
                log.warning("could not sync the model registry from %s: %s", settings.models_dir, exc)
            _replace_vanished_active_model(db)
            repositories.fail_orphaned_jobs(db)
    finally:
        engine.dispose()
        db.dispose()


def _replace_vanished_active_model(db: Database) -> None:
    """If the active model's directory was deleted (e.g. models_dir rebuilt), serve the newest one that exists."""
    rows, active = repositories.list_models(db)
    by_version = {r.version: r for r in rows}
    if active is None or active not in by_version or Path(by_version[active].path).is_dir():
        return
    existing = [r for r in rows if Path(r.path).is_dir()]  # newest first
    if existing:
        log.warning("active model %s is gone from disk; activating %s", active, existing[0].version)
        repositories.activate(db, existing[0].version, None)

"""Storage operations. Each public function is one transaction: it commits whole or leaves nothing behind."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from service.db import (
    Database,
    Example,
    IdempotencyRecord,
    ModelActivation,
    ModelRecord,
    Screening,
    TrainingJob,
    is_sqlite,
    new_id,
    utcnow,
)
from service.errors import ApiError

log = logging.getLogger("service.repositories")


def canonical_hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


# --- screenings ----------------------------------------------------------------------------------------------

def save_screening(db: Database, *, request: dict[str, Any], replies: list[dict[str, Any]],
                   results: list[dict[str, Any]], model_version: str, key_id: str | None, engine_ms: float) -> str:
    screening_id = new_id("scr")
    with db.write() as session:
        session.add(Screening(id=screening_id, created_at=utcnow(), model_version=model_version, key_id=key_id,
                              request=request, replies=replies, results=results, n_replies=len(replies),
                              engine_ms=engine_ms))
    return screening_id


def list_screenings(db: Database, limit: int, offset: int) -> tuple[list[tuple[Screening, int]], int]:
    """Newest first, with how many of each screening's replies are labeled."""
    with db.read() as session:
        total = session.scalar(select(func.count()).select_from(Screening)) or 0
        rows = list(session.scalars(select(Screening).order_by(Screening.created_at.desc(), Screening.id)
                                    .limit(limit).offset(offset)))
        counts: dict[str, int] = {}
        if rows:
            counts = dict(session.execute(
                select(Example.screening_id, func.count()).where(Example.screening_id.in_([r.id for r in rows]))
                .group_by(Example.screening_id)).all())
        return [(r, counts.get(r.id, 0)) for r in rows], total


def get_screening(db: Database, screening_id: str) -> tuple[Screening, list[Example]]:
    with db.read() as session:
        row = session.get(Screening, screening_id)
        if row is None:
            raise ApiError(404, "not_found", f"No screening {screening_id!r}.", "screening_id")
        labels = list(session.scalars(select(Example).where(Example.screening_id == screening_id)
                                      .order_by(Example.created_at)))
        return row, labels


# --- labeled examples ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExampleDraft:
    """A label to store: (thread_key, reply_key) identifies it; storing it again updates it."""

    thread_key: str
    reply_key: str
    lang: str
    request: dict[str, Any]
    reply: dict[str, Any]
    relevance: int
    flags: list[str]
    source: str
    screening_id: str | None = None


@dataclass(frozen=True)
class StoredLabels:
    status_code: int
    body: dict[str, Any]


def store_examples(db: Database, drafts: list[ExampleDraft], *, owner: str, idempotency_key: str | None,
                   request_hash: str) -> StoredLabels:
    """Upsert labels in one transaction, honouring an Idempotency-Key.

    Same key + same body → the stored response, nothing written. Same key + another body → 409. Two identical
    requests racing: the idempotency row's primary key lets exactly one commit; the other replays its answer.
    Two different requests labeling the same reply racing: the (thread, reply) unique constraint makes the
    loser retry, and it then updates the winner's row (last write wins, never a duplicate).
    """
    for attempt in range(8):
        if idempotency_key is not None:
            replay = idempotent_replay(db, owner, idempotency_key, request_hash)
            if replay is not None:
                return replay
        try:
            with db.write() as session:
                if idempotency_key is not None:
                    session.add(IdempotencyRecord(owner=owner, key=idempotency_key, request_hash=request_hash,
                                                  status_code=201, response={}, created_at=utcnow()))
                    session.flush()
                body = _upsert_examples(session, drafts, owner)
                if idempotency_key is not None:
                    session.execute(update(IdempotencyRecord)
                                    .where(IdempotencyRecord.owner == owner, IdempotencyRecord.key == idempotency_key)
                                    .values(response=body))
            return StoredLabels(201, body)
        except IntegrityError:
            log.info("label upsert conflict (attempt %d), retrying", attempt + 1)
            time.sleep(0.01 * (attempt + 1))
        except OperationalError as exc:  # PostgreSQL serialization/deadlock: retry; other outages bubble up
            if "deadlock" not in str(exc).lower() and "serializ" not in str(exc).lower():
                raise
            time.sleep(0.02 * (attempt + 1))
    raise ApiError(409, "conflict", "Too many concurrent updates of the same labels; retry the request.")


def idempotent_replay(db: Database, owner: str, key: str, request_hash: str) -> StoredLabels | None:
    with db.read() as session:
        record = session.get(IdempotencyRecord, (owner, key))
        if record is None:
            return None
        if record.request_hash != request_hash:
            raise ApiError(409, "idempotency_conflict", "This Idempotency-Key was already used with a different "
                           "body.", "Idempotency-Key")
        return StoredLabels(record.status_code, dict(record.response))


def _upsert_examples(session: Session, drafts: list[ExampleDraft], owner: str) -> dict[str, Any]:
    ids: list[str] = []
    created = updated = 0
    start = utcnow()
    for position, draft in enumerate(drafts):
        now = start + timedelta(microseconds=position)  # keeps a batch's replies in their order on export
        row = session.scalars(select(Example).where(Example.thread_key == draft.thread_key,
                                                    Example.reply_key == draft.reply_key)).first()
        if row is None:
            row = Example(id=new_id("ex"), thread_key=draft.thread_key, reply_key=draft.reply_key,
                          created_at=now, updated_at=now, key_id=owner, **_draft_fields(draft))
            session.add(row)
            session.flush()
            created += 1
        else:
            for name, value in _draft_fields(draft).items():
                setattr(row, name, value)
            row.updated_at = now
            row.key_id = owner
            updated += 1
        ids.append(row.id)
    return {"ids": ids, "created": created, "updated": updated}


def _draft_fields(draft: ExampleDraft) -> dict[str, Any]:
    return {"lang": draft.lang, "request": draft.request, "reply": draft.reply, "relevance": draft.relevance,
            "flags": list(draft.flags), "source": draft.source, "screening_id": draft.screening_id}


def list_examples(db: Database, limit: int, offset: int, screening_id: str | None = None
                  ) -> tuple[list[Example], int]:
    with db.read() as session:
        query = select(Example)
        count = select(func.count()).select_from(Example)
        if screening_id is not None:
            query = query.where(Example.screening_id == screening_id)
            count = count.where(Example.screening_id == screening_id)
        total = session.scalar(count) or 0
        rows = list(session.scalars(query.order_by(Example.created_at, Example.id).limit(limit).offset(offset)))
        return rows, total


def count_examples_since_active(db: Database) -> int | None:
    """Labels created or changed after the active model was trained (its card's time, else its registration)."""
    with db.read() as session:
        version = _active(session)
        record = session.get(ModelRecord, version) if version else None
        if record is None:
            return None
        since = record.created_at or record.registered_at
        return session.scalar(select(func.count()).select_from(Example).where(Example.updated_at > since)) or 0


def count_examples(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Example)) or 0


def delete_examples(db: Database, ids: list[str]) -> list[str]:
    """Remove labels by id in one transaction; returns the ids that existed."""
    with db.write() as session:
        rows = list(session.scalars(select(Example).where(Example.id.in_(ids))))
        for row in rows:
            session.delete(row)
        return [row.id for row in rows]


def delete_thread_examples(db: Database, thread_id: str) -> list[str]:
    """Remove every label of a thread key or of a screening, in one transaction."""
    with db.write() as session:
        rows = list(session.scalars(select(Example).where(
            (Example.thread_key == thread_id) | (Example.screening_id == thread_id))))
        for row in rows:
            session.delete(row)
        return [row.id for row in rows]


def export_threads(db: Database) -> list[dict[str, Any]]:
    """All labels as data-format.md threads (one per thread key, replies in labeling order).

    Reply ids must be unique in a file; ids that repeat across threads (r1, r2 ... of screenings) are
    prefixed with their thread id.
    """
    return [thread for thread, _ in labeled_threads(db)]


def labeled_threads(db: Database) -> list[tuple[dict[str, Any], list[Example]]]:
    """Each exported thread with its Example rows in reply order: the training job and the label memory group
    labels the same way, so a thread featurised for the memory is read back from the feature store by a retrain."""
    with db.read() as session:
        rows = list(session.scalars(select(Example).order_by(Example.created_at, Example.id)))
        session.expunge_all()
    seen: dict[str, int] = {}
    for row in rows:
        seen[row.reply_key] = seen.get(row.reply_key, 0) + 1
    threads: dict[str, tuple[dict[str, Any], list[Example]]] = {}
    for row in rows:
        thread, members = threads.setdefault(row.thread_key, ({"id": row.thread_key, "lang": row.lang,
                                                               "request": row.request, "replies": []}, []))
        reply_id = row.reply_key if seen[row.reply_key] == 1 else f"{row.thread_key}-{row.reply_key}"
        thread["replies"].append({**row.reply, "id": reply_id, "relevance": row.relevance, "flags": row.flags})
        members.append(row)
    return list(threads.values())


# --- model registry ------------------------------------------------------------------------------------------

def card_to_dict(card: Any) -> dict[str, Any]:
    """A model card (dataclass, pydantic model, dict or plain object) as JSON-ready data."""
    if dataclasses.is_dataclass(card) and not isinstance(card, type):
        data = dataclasses.asdict(card)
    elif hasattr(card, "model_dump"):
        data = card.model_dump()
    elif isinstance(card, dict):
        data = dict(card)
    else:
        data = {k: v for k, v in vars(card).items() if not k.startswith("_")}
    return json.loads(json.dumps(data, default=str))


def _parse_time(value: Any) -> datetime | None:
    from model.types import parse_time

    try:
        return parse_time(value)
    except (TypeError, ValueError):
        return None


def register_model(session: Session, card: dict[str, Any], path: Path, source: str,
                   job_id: str | None = None) -> ModelRecord:
    version = str(card["version"])
    row = session.get(ModelRecord, version)
    if row is None:
        row = ModelRecord(version=version, path=str(path), created_at=_parse_time(card.get("created_at")),
                          registered_at=utcnow(), metrics=dict(card.get("metrics") or {}), card=card,
                          source=source, job_id=job_id)
        session.add(row)
        session.flush()
    return row


def sync_registry(db: Database, models_dir: Path, activate_newest_if_none: bool = True) -> list[str]:
    """Register artifacts found in models_dir that the registry lacks; activate the newest if none is active.

    Runs at startup (under the migration lock) and when listing models. Returns newly registered versions.
    """
    try:
        from training.artifacts import list_versions
    except ImportError:
        return []
    if not Path(models_dir).is_dir():
        cards: list[dict[str, Any]] = []
    else:
        cards = [card_to_dict(c) for c in list_versions(Path(models_dir))]
    with db.read() as session:  # the common case (nothing new, a model active) takes no write lock
        known = set(session.scalars(select(ModelRecord.version)))
        has_active = _active(session) is not None
    new_cards = [c for c in cards if str(c.get("version")) not in known]
    if not new_cards and (has_active or not activate_newest_if_none or not cards):
        return []
    added: list[str] = []
    try:
        with db.write() as session:
            known = set(session.scalars(select(ModelRecord.version)))
            for card in cards:
                if str(card.get("version")) not in known:
                    register_model(session, card, Path(models_dir) / str(card["version"]), "found")
                    added.append(str(card["version"]))
            if activate_newest_if_none and cards and _active(session) is None:
                newest = max(cards, key=lambda c: (str(c.get("created_at") or ""), str(c["version"])))
                session.add(ModelActivation(version=str(newest["version"]), activated_at=utcnow(), key_id=None))
    except IntegrityError:  # another worker registered the same artifact at the same moment: it is there
        return []
    return added


def _active(session: Session) -> str | None:
    return session.scalar(select(ModelActivation.version).order_by(ModelActivation.id.desc()).limit(1))


def active_version(db: Database) -> str | None:
    with db.read() as session:
        return _active(session)


def list_models(db: Database) -> tuple[list[ModelRecord], str | None]:
    with db.read() as session:
        rows = list(session.scalars(select(ModelRecord).order_by(ModelRecord.created_at.desc().nulls_last(),
                                                                 ModelRecord.version.desc())))
        return rows, _active(session)


def get_model(db: Database, version: str) -> ModelRecord | None:
    with db.read() as session:
        return session.get(ModelRecord, version)


def activate(db: Database, version: str, key_id: str | None) -> str | None:
    """Append an activation row; returns the previously active version."""
    with db.write() as session:
        if session.get(ModelRecord, version) is None:
            raise ApiError(404, "not_found", f"No model version {version!r}.", "version")
        previous = _active(session)
        session.add(ModelActivation(version=version, activated_at=utcnow(), key_id=key_id))
        return previous


# --- training jobs -------------------------------------------------------------------------------------------

ACTIVE_JOB_STATES = ("queued", "running")


def create_job(db: Database, params: dict[str, Any], key_id: str | None) -> TrainingJob:
    """Queue a job; 409 if one is already queued or running (one training at a time keeps CPUs for serving)."""
    with db.write() as session:
        if not is_sqlite(db.url):  # SQLite's BEGIN IMMEDIATE already serialises this check-and-insert
            session.execute(text("SELECT pg_advisory_xact_lock(7319554202)"))
        running = session.scalars(select(TrainingJob).where(TrainingJob.status.in_(ACTIVE_JOB_STATES))).first()
        if running is not None:
            raise ApiError(409, "training_in_progress", f"Training job {running.id} is {running.status}; wait for it "
                           "to finish.", None)
        now = utcnow()
        job = TrainingJob(id=new_id("job"), status="queued", progress=0.0, stage="queued", params=params,
                          key_id=key_id, created_at=now, updated_at=now)
        session.add(job)
    return job


def get_job(db: Database, job_id: str) -> TrainingJob:
    with db.read() as session:
        job = session.get(TrainingJob, job_id)
        if job is None:
            raise ApiError(404, "not_found", f"No training job {job_id!r}.", "job_id")
        return job


def update_job(db: Database, job_id: str, **values: Any) -> None:
    values.setdefault("updated_at", utcnow())
    with db.write() as session:
        session.execute(update(TrainingJob).where(TrainingJob.id == job_id).values(**values))


def finish_job_if_active(db: Database, job_id: str, error: str) -> None:
    """Mark a job failed unless it already finished (used when its process dies without saying so)."""
    with db.write() as session:
        session.execute(update(TrainingJob).where(TrainingJob.id == job_id,
                                                  TrainingJob.status.in_(ACTIVE_JOB_STATES))
                        .values(status="failed", error=error, finished_at=utcnow(), updated_at=utcnow()))


def fail_orphaned_jobs(db: Database, pid_alive: Callable[[int], bool] | None = None,
                       stale_after: float = 600.0) -> None:
    """At startup: jobs left running by a dead process (or silent for too long) are marked failed."""
    alive = pid_alive or _pid_alive
    with db.write() as session:
        for job in session.scalars(select(TrainingJob).where(TrainingJob.status.in_(ACTIVE_JOB_STATES))):
            age = (utcnow() - job.updated_at).total_seconds()
            if (job.pid is not None and not alive(job.pid)) or age > stale_after:
                job.status, job.error, job.finished_at = "failed", "the training process is gone", utcnow()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

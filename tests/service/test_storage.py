"""Storage against real databases: the same tests on SQLite and on PostgreSQL."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from service import repositories
from service.db import Database, Example, ModelActivation, ModelRecord, Screening
from service.errors import ApiError
from service.migrate import upgrade
from service.repositories import ExampleDraft
from tests.support.postgres import fresh_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = fresh_database(request.getfixturevalue("pg_server"))
    upgrade(url)
    database = Database(url)
    yield database
    database.dispose()


def draft(thread: str, reply: str, relevance: int = 2, flags: tuple[str, ...] = ()) -> ExampleDraft:
    return ExampleDraft(thread_key=thread, reply_key=reply, lang="ru", request={"text": f"request {thread}"},
                        reply={"id": reply, "text": f"reply {reply}", "attachments": []}, relevance=relevance,
                        flags=list(flags), source="thread")


def count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_migrations_create_every_table_and_are_idempotent(db: Database) -> None:
    upgrade(db.url)  # second run: a no-op
    tables = set(inspect(db.engine).get_table_names())
    assert {"api_keys", "screenings", "examples", "idempotency_keys", "training_jobs", "models",
            "model_activations", "alembic_version"} <= tables


def test_screening_round_trip_keeps_unicode_and_results(db: Database) -> None:
    sid = repositories.save_screening(db, request={"text": "Коллеги, есть лид — مرحبا"},
                                      replies=[{"id": "r1", "text": "Добрый день", "attachments": []}],
                                      results=[{"id": "r1", "rank": 1, "score": 0.5, "flags": []}],
                                      model_version="v1", key_id=None, engine_ms=12.5)
    row, labels = repositories.get_screening(db, sid)
    assert row.request["text"] == "Коллеги, есть лид — مرحبا" and row.results[0]["score"] == 0.5 and labels == []
    assert row.created_at.tzinfo is not None
    items, total = repositories.list_screenings(db, 10, 0)
    assert total == 1 and items[0][0].id == sid and items[0][1] == 0
    with pytest.raises(ApiError) as err:
        repositories.get_screening(db, "scr_missing")
    assert err.value.status_code == 404


def test_relabeling_updates_instead_of_duplicating(db: Database) -> None:
    first = repositories.store_examples(db, [draft("t1", "r1", 1)], owner="k", idempotency_key=None,
                                        request_hash="a")
    second = repositories.store_examples(db, [draft("t1", "r1", 3, ("no_greeting",))], owner="k",
                                         idempotency_key=None, request_hash="b")
    assert first.body["created"] == 1 and second.body["updated"] == 1 and first.body["ids"] == second.body["ids"]
    rows, total = repositories.list_examples(db, 10, 0)
    assert total == 1 and rows[0].relevance == 3 and rows[0].flags == ["no_greeting"]


def test_idempotency_replays_and_conflicts(db: Database) -> None:
    one = repositories.store_examples(db, [draft("t1", "r1")], owner="k", idempotency_key="K1", request_hash="h")
    again = repositories.store_examples(db, [draft("t1", "r1")], owner="k", idempotency_key="K1", request_hash="h")
    assert one == again and count(db, Example) == 1
    with pytest.raises(ApiError) as err:
        repositories.store_examples(db, [draft("t1", "r2")], owner="k", idempotency_key="K1", request_hash="other")
    assert err.value.status_code == 409 and count(db, Example) == 1
    other_owner = repositories.store_examples(db, [draft("t2", "r1")], owner="k2", idempotency_key="K1",
                                              request_hash="x")
    assert other_owner.body["created"] == 1  # keys are scoped per API key


def test_failed_batch_leaves_nothing_behind(db: Database) -> None:
    bad = ExampleDraft(thread_key="t9", reply_key="r2", lang="ru", request={"text": "x"}, reply={"text": "y"},
                       relevance=None, flags=[], source="thread")  # type: ignore[arg-type]  # NOT NULL violation
    with pytest.raises(Exception):
        repositories.store_examples(db, [draft("t9", "r1"), bad], owner="k", idempotency_key="K-bad",
                                    request_hash="h")
    assert count(db, Example) == 0
    assert repositories.idempotent_replay(db, "k", "K-bad", "h") is None


def test_concurrent_labels_are_neither_lost_nor_duplicated(db: Database) -> None:
    """16 threads × 15 labels, with overlapping (thread, reply) keys and replayed idempotency keys."""
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(15):
                repositories.store_examples(db, [draft(f"t{i % 5}", f"w{n}-{i}"), draft("shared", f"s{i % 3}", n % 4)],
                                            owner="k", idempotency_key=f"w{n}-{i}", request_hash=f"h{n}-{i}")
                repositories.store_examples(db, [draft(f"t{i % 5}", f"w{n}-{i}"), draft("shared", f"s{i % 3}", n % 4)],
                                            owner="k", idempotency_key=f"w{n}-{i}", request_hash=f"h{n}-{i}")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    assert count(db, Example) == 16 * 15 + 3
    exported = repositories.export_threads(db)
    assert sum(len(t["replies"]) for t in exported) == 16 * 15 + 3
    reply_ids = [r["id"] for t in exported for r in t["replies"]]
    assert len(reply_ids) == len(set(reply_ids))


def test_registry_activation_and_rollback(db: Database, tmp_path: Path) -> None:
    with db.write() as session:
        for v, t in (("v1", "2026-01-01T00:00:00Z"), ("v2", "2026-02-01T00:00:00Z")):
            repositories.register_model(session, {"version": v, "created_at": t, "metrics": {"ndcg@3": 0.9}},
                                        tmp_path / v, "found")
    assert repositories.active_version(db) is None
    assert repositories.activate(db, "v2", None) is None
    assert repositories.activate(db, "v1", "key") == "v2"
    assert repositories.active_version(db) == "v1"
    with pytest.raises(ApiError) as err:
        repositories.activate(db, "v3", None)
    assert err.value.status_code == 404
    rows, active = repositories.list_models(db)
    assert active == "v1" and [r.version for r in rows] == ["v2", "v1"]
    assert count(db, ModelActivation) == 2 and count(db, ModelRecord) == 2


def test_registry_sync_registers_artifacts_and_activates_newest(db: Database, default_artifact: Path,
                                                                tmp_path: Path) -> None:
    import shutil

    models = tmp_path / "models"
    shutil.copytree(default_artifact, models / default_artifact.name)
    assert repositories.sync_registry(db, models) == [default_artifact.name]
    assert repositories.active_version(db) == default_artifact.name
    assert repositories.sync_registry(db, models) == []


def test_only_one_training_job_at_a_time(db: Database) -> None:
    job = repositories.create_job(db, {"activate": False}, None)
    with pytest.raises(ApiError) as err:
        repositories.create_job(db, {}, None)
    assert err.value.status_code == 409
    repositories.update_job(db, job.id, status="succeeded")
    assert repositories.create_job(db, {}, None).status == "queued"


def test_orphaned_jobs_are_failed_at_startup(db: Database) -> None:
    job = repositories.create_job(db, {}, None)
    repositories.update_job(db, job.id, status="running", pid=2**22 + 12345)  # no such process
    repositories.fail_orphaned_jobs(db)
    assert repositories.get_job(db, job.id).status == "failed"


def test_screening_delete_keeps_labels(db: Database) -> None:
    sid = repositories.save_screening(db, request={"text": "x"}, replies=[], results=[], model_version="v",
                                      key_id=None, engine_ms=1)
    d = ExampleDraft(thread_key=sid, reply_key="r1", lang="en", request={"text": "x"}, reply={"text": "y"},
                     relevance=1, flags=[], source="screening", screening_id=sid)
    repositories.store_examples(db, [d], owner="k", idempotency_key=None, request_hash="h")
    with db.write() as session:
        session.delete(session.get(Screening, sid))
    rows, _ = repositories.list_examples(db, 10, 0)
    assert len(rows) == 1 and rows[0].screening_id is None


def test_vanished_active_model_is_replaced_by_newest_existing(db: Database, tmp_path: Path) -> None:
    from service.startup import _replace_vanished_active_model

    (tmp_path / "v2").mkdir()
    with db.write() as session:
        for v, t in (("v1", "2026-03-01T00:00:00Z"), ("v2", "2026-02-01T00:00:00Z")):
            repositories.register_model(session, {"version": v, "created_at": t}, tmp_path / v, "found")
    repositories.activate(db, "v1", None)  # v1's directory does not exist
    _replace_vanished_active_model(db)
    assert repositories.active_version(db) == "v2"
    _replace_vanished_active_model(db)  # nothing to do now
    assert repositories.active_version(db) == "v2"


def test_training_keeps_a_stored_thread_named_like_a_sample(db: Database, tmp_path: Path) -> None:
    """A community's "t01" is another thread than the samples' "t01": renamed for training, never dropped."""
    from replyscreen.settings import Settings
    from service.train_job import STORED_PREFIX, load_training_threads

    samples = tmp_path / "samples"
    samples.mkdir()
    (samples / "s.jsonl").write_text('{"id": "t01", "lang": "ru", "request": {"text": "sample request"}, '
                                     '"replies": [{"id": "t01r1", "text": "sample reply", "relevance": 1, '
                                     '"flags": []}]}\n', "utf-8")
    repositories.store_examples(db, [draft("t01", "r1", 3), draft("t02", "r1", 0, ("off_topic",))], owner="k",
                                idempotency_key=None, request_hash="h")
    threads, community = load_training_threads(db, Settings(samples_dir=samples), {})
    assert community == {f"{STORED_PREFIX}t01", "t02"}
    assert sorted(t.id for t in threads) == sorted(["t01", f"{STORED_PREFIX}t01", "t02"])
    stored = next(t for t in threads if t.id == f"{STORED_PREFIX}t01")
    assert stored.request.text == "request t01" and stored.relevance == (3,)

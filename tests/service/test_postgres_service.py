"""The service over a real PostgreSQL: screenings, labels under concurrency, idempotency, registry."""
from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.service.conftest import Service, make_keys, sample_threads, screen_body
from tests.support.postgres import fresh_database
from tests.support.servers import running_service

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture(scope="module")
def pg_service(tmp_path_factory: pytest.TempPathFactory, pg_server: str, models_dir: Path) -> Iterator[Service]:
    tmp = tmp_path_factory.mktemp("pgsvc")
    env = {"REPLYSCREEN_DATABASE_URL": fresh_database(pg_server), "REPLYSCREEN_MODELS_DIR": str(models_dir),
           "REPLYSCREEN_RATE_LIMIT_PER_MINUTE": "100000"}
    keys = make_keys(tmp, env)
    with running_service(tmp, env) as url:
        yield Service(url, tmp, env, keys)


def test_screen_label_and_export_on_postgres(pg_service: Service) -> None:
    thread = sample_threads(1)[0]
    with pg_service.client("admin") as c:
        ready = c.get("/readyz").json()
        assert ready["database"] == "ok" and ready["model_version"]
        out = c.post("/v1/screen", json=screen_body(thread)).json()
        stored = c.get(f"/v1/screenings/{out['screening_id']}").json()
        assert stored["results"] == out["results"]
        label = {"screening_id": out["screening_id"], "reply_id": out["results"][0]["id"], "relevance": 3}
        first = c.post("/v1/examples", json=label, headers={"Idempotency-Key": "pg-1"})
        assert first.status_code == 201
        assert c.post("/v1/examples", json=label, headers={"Idempotency-Key": "pg-1"}).json() == first.json()
        assert c.post("/v1/examples", json={**label, "relevance": 1},
                      headers={"Idempotency-Key": "pg-1"}).status_code == 409
        # NUL characters must be a 422 on PostgreSQL as well, not a database error
        assert c.get("/v1/examples", params={"screening_id": "a\x00b"}).status_code == 422


def test_concurrent_labels_on_postgres(pg_service: Service) -> None:
    threads = [t for t in sample_threads(10) if all(len(a.get("pages", ())) <= 5 for r in t["replies"]
                                                     for a in r.get("attachments", ()))][:4]

    def client(n: int) -> int:
        errors = 0
        with pg_service.client("label") as c:
            for i in range(12):
                same_reply = {"request": threads[i % 4]["request"], "thread_id": "shared", "relevance": n % 4,
                              "reply": {"id": f"s{i % 3}", "text": "общий ответ"}}
                own = {"threads": [{**threads[i % 4], "id": f"p{n}-{i}"}]}
                for body, key in ((same_reply, None), (own, f"p{n}-{i}"), (own, f"p{n}-{i}")):
                    headers = {"Idempotency-Key": key} if key else {}
                    errors += c.post("/v1/examples", json=body, headers=headers).status_code != 201
        return errors

    with ThreadPoolExecutor(10) as pool:
        assert sum(pool.map(client, range(10))) == 0
    with pg_service.client("label") as c:
        exported = [json.loads(line) for line in c.get("/v1/examples", params={"format": "jsonl"}).text.splitlines()]
    by_id = {t["id"]: t for t in exported}
    assert len(by_id["shared"]["replies"]) == 3
    for n in range(10):
        for i in range(12):
            assert len(by_id[f"p{n}-{i}"]["replies"]) == len(threads[i % 4]["replies"])

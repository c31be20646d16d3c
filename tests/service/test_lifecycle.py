"""Two workers over one SQLite file: concurrent clients, train → evaluate → activate → rollback.

The training job runs as a real child process on stored examples; screening keeps answering meanwhile, and
activations made through one worker are followed by the other without failing a single request in flight.
"""
from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.service.conftest import Service, make_keys, sample_threads, screen_body
from tests.support.servers import running_service

pytestmark = pytest.mark.slow
TRAIN_TIMEOUT = 900.0


@pytest.fixture(scope="module")
def duo(tmp_path_factory: pytest.TempPathFactory, models_dir: Path) -> Iterator[Service]:
    tmp = tmp_path_factory.mktemp("duo")
    private_models = tmp / "models"
    private_models.mkdir()
    for artifact in models_dir.iterdir():
        if artifact.is_dir() and (artifact / "card.json").exists():
            (private_models / artifact.name).symlink_to(artifact, target_is_directory=True)
    env = {"REPLYSCREEN_MODELS_DIR": str(private_models), "REPLYSCREEN_RATE_LIMIT_PER_MINUTE": "100000"}
    keys = make_keys(tmp, env)
    with running_service(tmp, env, workers=2) as url:
        # a worker accepts connections only after loading its model: fresh connections all find one ready
        assert all(httpx.get(url + "/readyz", timeout=30).status_code == 200 for _ in range(10))
        yield Service(url, tmp, env, keys)


def small_threads(n: int) -> list[dict]:
    """Sample threads without long decks (fast to featurize), languages interleaved."""
    out = [t for t in sample_threads() if all(len(a.get("pages", ())) <= 5 for r in t["replies"]
                                               for a in r.get("attachments", ()))]
    return out[:n]


def test_concurrent_screenings_and_labels_lose_nothing(duo: Service) -> None:
    """12 clients at once: screenings, labels (single, by screening, batches, idempotent replays)."""
    threads = small_threads(4)
    n_clients, per_client = 12, 10

    failures: list[str] = []

    def failed(resp: httpx.Response, expected: int) -> bool:
        if resp.status_code != expected:
            failures.append(f"{resp.request.method} {resp.request.url.path} -> {resp.status_code} {resp.text[:300]}")
            return True
        return False

    def client(n: int) -> dict[str, int]:
        stats = {"labels": 0, "errors": 0}
        with duo.client("admin") as c:
            for i in range(per_client):
                thread = threads[(n + i) % len(threads)]
                if i % 5 == 0:
                    resp = c.post("/v1/screen", json=screen_body(thread, 4))
                    if failed(resp, 200):
                        stats["errors"] += 1
                        continue
                    sid = resp.json()["screening_id"]
                    for r in resp.json()["results"][:2]:
                        lab = c.post("/v1/examples", json={"screening_id": sid, "reply_id": r["id"], "relevance": 2},
                                     headers={"Idempotency-Key": f"{sid}-{r['id']}"})
                        stats["errors"] += failed(lab, 201)
                        stats["labels"] += lab.status_code == 201
                    continue
                body = {"request": thread["request"], "thread_id": f"c{n}-t{i}",
                        "reply": {"id": f"c{n}-r{i}", "text": f"Client {n} reply {i}: добрый день, кейс"},
                        "relevance": i % 4, "flags": ["no_greeting"] if i % 2 else []}
                key = f"c{n}-{i}"
                for _ in range(2):  # a retry with the same key must not store twice
                    lab = c.post("/v1/examples", json=body, headers={"Idempotency-Key": key})
                    stats["errors"] += failed(lab, 201)
                stats["labels"] += 1
        return stats

    with ThreadPoolExecutor(n_clients) as pool:
        results = list(pool.map(client, range(n_clients)))
    assert sum(r["errors"] for r in results) == 0, failures[:5]
    expected = sum(r["labels"] for r in results)
    with duo.client("label") as c:
        total = c.get("/v1/examples", params={"limit": 1}).json()["total"]
        exported = [json.loads(line) for line in c.get("/v1/examples", params={"format": "jsonl"}).text.splitlines()]
    assert total == expected
    ids = [(t["id"], r["id"]) for t in exported for r in t["replies"]]
    assert len(ids) == len(set(ids)) == expected

    # /metrics aggregates both workers (prometheus multiprocess mode)
    screenings = n_clients * len(range(0, per_client, 5))
    text = httpx.get(duo.url + "/metrics").text
    total = next(float(line.split()[-1]) for line in text.splitlines()
                 if line.startswith("replyscreen_screenings_total"))
    assert total >= screenings
    assert re.search(r'replyscreen_model_info\{[^}]*version="[^"]+"[^}]*\} 1\.0', text)


def test_train_evaluate_activate_rollback(duo: Service) -> None:
    threads = small_threads(8)
    with duo.client("admin") as c:
        imported = c.post("/v1/examples", json={"threads": threads})
        assert imported.status_code == 201, imported.text
        before = c.get("/v1/models").json()
        old = before["active"]
        assert old

        job = c.post("/v1/models/train", json={"include_samples": False, "include_examples": True})
        assert job.status_code == 202, job.text
        job_id = job.json()["job_id"]
        assert job.json()["status"] in ("queued", "running")
        conflict = c.post("/v1/models/train", json={})
        assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "training_in_progress"

        # Screening goes on while the child process trains.
        latencies, progress = [], []
        deadline = time.monotonic() + TRAIN_TIMEOUT
        while True:
            t0 = time.perf_counter()
            check = c.post("/v1/check", json={"request": threads[0]["request"],
                                               "draft": {"text": f"Добрый день! Проверка {len(latencies)}"}})
            latencies.append(time.perf_counter() - t0)
            assert check.status_code == 200, check.text
            status = c.get(f"/v1/models/jobs/{job_id}").json()
            progress.append(status["progress"])
            if status["status"] in ("succeeded", "failed"):
                break
            assert time.monotonic() < deadline, f"training did not finish: {status}"
            time.sleep(0.5)
        assert status["status"] == "succeeded", status
        assert progress == sorted(progress) and status["progress"] == 1.0
        assert max(latencies) < 10.0, "screening stalled during training"
        new = status["model_version"]

        models = c.get("/v1/models").json()
        assert models["active"] == old  # a trained candidate is not served until activated
        candidate = next(m for m in models["models"] if m["version"] == new)
        assert candidate["source"] == "training" and candidate["job_id"] == job_id
        assert {"ndcg@3", "top1"} <= set(candidate["metrics"]), candidate["metrics"]  # evaluated by CV

        served = switch_under_load(duo, new, old)
        assert served == {new}
        served = switch_under_load(duo, old, new)  # rollback
        assert served == {old}

        assert c.post("/v1/models/nope-version/activate").status_code == 404
        assert c.get("/v1/models/jobs/job_nope").status_code == 404


def switch_under_load(duo: Service, target: str, expected_previous: str) -> set[str]:
    """Activate `target` while 4 clients keep screening; none may fail. Returns versions served afterwards."""
    body = screen_body(small_threads(1)[0], 5)
    stop = threading.Event()
    failures: list[str] = []
    count = [0]

    def hammer() -> None:
        with duo.client("screen") as c:
            while not stop.is_set():
                resp = c.post("/v1/screen", json=body)
                count[0] += 1
                if resp.status_code != 200:
                    failures.append(f"{resp.status_code} {resp.text[:200]}")

    workers = [threading.Thread(target=hammer) for _ in range(4)]
    for w in workers:
        w.start()
    try:
        time.sleep(1.0)
        with duo.client("admin") as c:
            resp = c.post(f"/v1/models/{target}/activate")
            assert resp.status_code == 200, resp.text
            assert resp.json() == {"active": target, "previous": expected_previous}
        time.sleep(3.0)  # the other worker polls the registry about once a second
    finally:
        stop.set()
        for w in workers:
            w.join()
    assert not failures, failures[:3]
    assert count[0] > 0
    # Every worker follows within seconds; probe on fresh connections so both workers answer.
    headers = {"Authorization": f"Bearer {duo.keys['screen']}"}
    deadline = time.monotonic() + 60
    while True:
        served = {httpx.post(duo.url + "/v1/screen", json=body, headers=headers, timeout=120).json()["model_version"]
                  for _ in range(12)}
        if served == {target} or time.monotonic() > deadline:
            return served
        time.sleep(1.0)

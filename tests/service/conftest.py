"""Fixtures for the service tests: real uvicorn servers, real SQLite and PostgreSQL, the real engine."""
from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.postgres import PostgresUnavailable, in_ci, postgres_server
from tests.support.servers import REPO_ROOT, create_key, running_service

SAMPLES = REPO_ROOT / "data" / "samples"


@dataclass
class Service:
    """A running service with one key per scope set."""

    url: str
    tmp: Path
    env: dict[str, str]
    keys: dict[str, str]

    def client(self, scope: str | None = "admin", **kwargs: object) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.keys[scope]}"} if scope else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=kwargs.pop("timeout", 120.0), **kwargs)


def make_keys(tmp: Path, env: dict[str, str]) -> dict[str, str]:
    return {scope: create_key(tmp, scope, env, name=f"test-{scope}") for scope in ("screen", "label", "admin")}


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A PostgreSQL server for the session. Skips without binaries locally; FAILS in CI."""
    try:
        with postgres_server() as url:
            yield url
    except PostgresUnavailable as exc:
        if in_ci():
            pytest.fail(f"PostgreSQL is required in CI: {exc}")
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def default_artifact() -> Path:
    """The default model (`make model` builds it); retrained here once if missing or not usable by this engine."""
    from model.screener import Screener
    from model.types import Reply, Request
    from tests.support.engine import SAMPLES as ENGINE_SAMPLES
    from tests.support.engine import default_model_dir, encoder, engine_settings
    from training.artifacts import save
    from training.dataset import load_threads
    from training.train import train_model

    path = default_model_dir()
    try:  # an artifact from an older feature set may load and still fail on the first screening
        Screener.load(path, encoder()).screen(Request(text="Нужен подрядчик"), [Reply(text="Добрый день!", id="r1")])
        return path
    except Exception:  # noqa: BLE001 - any failure means: train one this engine can serve (CV is cheap)
        trained = train_model(load_threads(ENGINE_SAMPLES), encoder(), evaluate=True)
        return save(trained, engine_settings().models_dir)


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory, default_artifact: Path) -> Path:
    """A private models dir holding a copy of the default model (tests train into it; var/ stays clean)."""
    target = tmp_path_factory.mktemp("models")
    shutil.copytree(default_artifact, target / default_artifact.name)
    return target


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory, models_dir: Path) -> Iterator[Service]:
    """One worker, SQLite, the default model loaded; shared by the session (tests must not activate models)."""
    tmp = tmp_path_factory.mktemp("svc")
    env = {"REPLYSCREEN_MODELS_DIR": str(models_dir), "REPLYSCREEN_RATE_LIMIT_PER_MINUTE": "100000"}
    keys = make_keys(tmp, env)
    with running_service(tmp, env) as url:
        yield Service(url, tmp, env, keys)


@pytest.fixture(scope="module")
def bare_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A service without any model (empty models dir): everything but scoring must work."""
    tmp = tmp_path_factory.mktemp("bare")
    env = {"REPLYSCREEN_MODELS_DIR": str(tmp / "no-models"), "REPLYSCREEN_RATE_LIMIT_PER_MINUTE": "100000",
           "REPLYSCREEN_MAX_BODY_BYTES": str(256 * 1024), "REPLYSCREEN_MAX_TEXT_CHARS": "5000",
           "REPLYSCREEN_MAX_REPLIES": "12", "REPLYSCREEN_MAX_ATTACHMENTS": "2",
           "REPLYSCREEN_MAX_ATTACHMENT_BYTES": str(64 * 1024), "REPLYSCREEN_MAX_ATTACHMENT_PAGES": "5"}
    keys = make_keys(tmp, env)
    with running_service(tmp, env, wait_ready=False) as url:
        yield Service(url, tmp, env, keys)


def sample_threads(limit: int | None = None, files: tuple[str, ...] = ("ru_a.jsonl", "en.jsonl", "ar.jsonl",
                                                                       "ru_b.jsonl")) -> list[dict]:
    """Sample threads of data/samples, interleaving languages."""
    per_file = [[json.loads(line) for line in (SAMPLES / name).read_text("utf-8").splitlines() if line.strip()]
                for name in files]
    out: list[dict] = []
    for i in range(max(len(rows) for rows in per_file)):
        out.extend(rows[i] for rows in per_file if i < len(rows))
    return out[:limit] if limit else out


def screen_body(thread: dict, max_replies: int | None = None) -> dict:
    """A /v1/screen body from a sample thread (labels stripped)."""
    replies = [{k: v for k, v in r.items() if k not in ("relevance", "flags")} for r in thread["replies"]]
    return {"request": thread["request"], "replies": replies[:max_replies] if max_replies else replies}

"""Live fixtures for the UI tests: the real service (local mode) and the real Streamlit UI.

The service comes from tests/support/servers.py and serves a copy of the default model
(tests/support/engine.py: the one `make model` built, or one trained once), so nothing the tests
do reaches var/.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.servers import REPO_ROOT, free_port, running_service, stop_process
from ui.launch import streamlit_command, ui_environment


def _compatible(artifact: Path | None) -> bool:
    """The engine refuses artifacts built for another feature set; don't start a service on one."""
    if artifact is None:
        return False
    try:
        from model.artifact import FORMAT_VERSION, ModelCard
        from model.features import FEATURE_NAMES

        card = ModelCard.read(artifact)
        return card.format == FORMAT_VERSION and tuple(card.feature_names) == tuple(FEATURE_NAMES)
    except Exception:  # noqa: BLE001 - unreadable means unusable
        return False


@pytest.fixture(scope="session")
def service_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A service working dir whose models/ holds a usable model; var/ is never written by these tests.

    Order: UI_TEST_MODEL_DIR (an artifact dir, for quick local runs), then the default model
    (tests/support/engine.py), else one trained here with cross-validation (so the models page
    has metrics to chart).
    """
    from tests.support.engine import default_model_dir

    root = tmp_path_factory.mktemp("ui-service")
    models = root / "models"
    override = os.environ.get("UI_TEST_MODEL_DIR")
    artifact = Path(override) if override else default_model_dir()
    if _compatible(artifact):
        shutil.copytree(artifact, models / artifact.name)
        return root
    from tests.support.engine import SAMPLES, encoder
    from training.artifacts import save
    from training.dataset import load_threads
    from training.train import train_model

    save(train_model(load_threads(SAMPLES), encoder(), evaluate=True), models)
    return root


def _service(service_dir: Path, name: str) -> Iterator[str]:
    root = service_dir / name
    shutil.copytree(service_dir / "models", root / "models")
    env = {"REPLYSCREEN_RATE_LIMIT_PER_MINUTE": "100000"}
    with running_service(root, env, local=True) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def live_service(service_dir: Path) -> Iterator[str]:
    """Base URL of the real service on a loopback port, local mode (no keys), one worker."""
    yield from _service(service_dir, "apptest")


@pytest.fixture(scope="session")
def ui_service(service_dir: Path) -> Iterator[str]:
    """A second, fresh service for the browser tests: empty database and cold caches, so the
    Screen→cards time is what a requester with new replies sees."""
    yield from _service(service_dir, "browser")


def _wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} not ready:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="session")
def live_ui(ui_service: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the real Streamlit UI (started like `replyscreen ui`) talking to ui_service."""
    port = free_port()
    log = tmp_path_factory.mktemp("ui-streamlit") / "streamlit.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            streamlit_command(port), cwd=REPO_ROOT, env=ui_environment(ui_service), stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_http(f"{base}/_stcore/health", proc, log)
        yield base
    finally:
        stop_process(proc)
        if os.environ.get("UI_TEST_SHOW_LOG"):
            print(log.read_text(errors="replace"))

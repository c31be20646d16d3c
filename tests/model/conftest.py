"""Shared fixtures for model tests: one Encoder per session, built into the machine-wide cache (~20 s, once)."""
from __future__ import annotations

import os

# No model hub is reachable here: anything touching a hub name must fail fast instead of retrying for a minute.
# (huggingface_hub reads this once, at import, so it has to be set before anything imports it.)
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402


def shared_cache_dir() -> Path:
    """REPLYSCREEN_CACHE_DIR if set, else the default cache, so the built encoder is reused across runs."""
    return Path(os.environ.get("REPLYSCREEN_CACHE_DIR") or "~/.cache/replyscreen").expanduser()


@pytest.fixture(scope="session")
def encoder():
    """The same instance the engine fixtures use, so a test session loads the model once."""
    from tests.support.engine import encoder as shared_encoder

    return shared_encoder()

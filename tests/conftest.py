"""Root conftest: only makes `tests.support` importable however pytest is invoked."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def default_model_dir() -> Path:
    from tests.support.engine import default_model_dir as build

    return build()


@pytest.fixture(scope="session")
def screener(default_model_dir):
    from model.screener import Screener
    from tests.support.engine import encoder

    return Screener.load(default_model_dir, encoder())

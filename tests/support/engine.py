"""The real engine for tests: the default model `make model` built, or one trained here once."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from model.artifact import ArtifactError, load_model
from model.knowledge import default_knowledge
from replyscreen.settings import Settings
from replyscreen.wiring import build_encoder
from training.artifacts import latest, save
from training.dataset import load_threads
from training.train import train_model

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLES = REPO_ROOT / "data" / "samples"


@lru_cache(maxsize=1)
def engine_settings() -> Settings:
    return Settings(samples_dir=SAMPLES, models_dir=REPO_ROOT / "var" / "models")


@lru_cache(maxsize=1)
def encoder():
    return build_encoder(engine_settings())


def default_model_dir() -> Path:
    """Reuse the artifact `make model` wrote; train (without CV) only when there is none."""
    settings = engine_settings()
    existing = latest(settings.models_dir)
    if existing is not None:
        try:
            load_model(existing, patterns=default_knowledge().fingerprint, encoder=encoder().model_id)
            return existing
        except ArtifactError:
            pass  # built by an older version of the features or on other patterns: train a current one
    trained = train_model(load_threads(SAMPLES), encoder(), evaluate=False)
    return save(trained, settings.models_dir)

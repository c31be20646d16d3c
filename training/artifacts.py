"""The on-disk model registry: one immutable directory per version under `models_dir`."""
from __future__ import annotations

from pathlib import Path

from model.artifact import ArtifactError, ModelCard, save_model
from training.train import TrainedModel


def save(trained: TrainedModel, models_dir: Path) -> Path:
    models_dir = Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    return save_model(models_dir / trained.card.version, trained.grade, trained.flags, trained.card)


def list_versions(models_dir: Path) -> list[ModelCard]:
    """Cards of every complete artifact, oldest first (half-written `.partial` dirs are skipped)."""
    models_dir = Path(models_dir)
    if not models_dir.is_dir():
        return []
    cards = []
    for directory in sorted(models_dir.iterdir()):
        if directory.is_dir() and not directory.name.endswith(".partial"):
            try:
                cards.append(ModelCard.read(directory))
            except ArtifactError:
                continue
    return sorted(cards, key=lambda card: (card.created_at, card.version))


def latest(models_dir: Path) -> Path | None:
    cards = list_versions(models_dir)
    return Path(models_dir) / cards[-1].version if cards else None

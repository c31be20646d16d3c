"""Train the relevance and flag models from labeled threads.

Features are computed once (the encoder is the expensive part); fitting, threshold tuning and
cross-validation then reuse the same matrix.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Mapping, Sequence

from model.artifact import ModelCard
from model.encoder import Encoder
from model.features import Featurizer
from model.relevance import FlagClassifier, GradeClassifier
from model.types import Thread
from training.dataset import fingerprint
from training.evaluate import cross_validate
from training.feature_store import FeatureStore
from training.featureset import FeatureSet, Progress, featurize, fit_models

__all__ = ["FeatureSet", "TrainedModel", "featurize", "fit_models", "new_version", "train_model"]


@dataclass
class TrainedModel:
    grade: GradeClassifier
    flags: FlagClassifier
    card: ModelCard


def new_version(data_fingerprint: str, now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    return f"{now:%Y%m%d-%H%M%S}-{data_fingerprint[:6]}"


def train_model(threads: Sequence[Thread], encoder: Encoder, progress: Progress | None = None,
                evaluate: bool = True, folds: int = 5, featurizer: Featurizer | None = None,
                store: FeatureStore | None = None, weights: Mapping[str, float] | None = None) -> TrainedModel:
    """Fit on all threads; with `evaluate`, the card carries thread-grouped cross-validated metrics.

    With a `store`, threads featurised by an earlier run are read back (the card's `training` says how
    many); `weights` maps thread ids to a row weight other than 1 (a community's own labels).
    """
    if not threads or not all(t.labeled for t in threads):
        raise ValueError("training needs labeled threads (relevance and flags on every reply)")
    featurizer = featurizer or (store.featurizer if store is not None else Featurizer(encoder))
    step = (lambda f, m: progress(0.8 * f, m)) if progress else None
    features = featurize(threads, featurizer, step, store=store, weights=weights)
    metrics: dict = {}
    if evaluate and len(threads) >= 2:
        if progress:
            progress(0.85, "cross-validating")
        metrics = cross_validate(features, threads, folds=folds, baselines=False)["model"]
    if progress:
        progress(0.95, "fitting final model")
    grade, flags = fit_models(features)
    data_fingerprint = fingerprint(threads)
    now = datetime.now(timezone.utc)
    card = ModelCard(version=new_version(data_fingerprint, now), created_at=now.isoformat(timespec="seconds"),
                     encoder=encoder.model_id, data_fingerprint=data_fingerprint, n_threads=len(threads),
                     patterns=featurizer.patterns_fingerprint,
                     n_replies=len(features.grades), metrics=metrics,
                     training={**features.stats, "weighted_threads": sum(1 for w in (weights or {}).values() if w != 1.0)})
    if progress:
        progress(1.0, "done")
    return TrainedModel(grade, flags, card)

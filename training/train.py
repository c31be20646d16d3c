"""Train the relevance and flag models from labeled threads.

Features are computed once (the encoder is the expensive part); fitting, threshold tuning and
cross-validation then reuse the same matrix.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Sequence

import numpy as np

from model.artifact import ModelCard
from model.encoder import Encoder
from model.features import Featurizer
from model.relevance import FlagClassifier, GradeClassifier, out_of_fold_grade_proba, with_grade_features
from model.types import FLAG_CODES, Thread
from training.dataset import fingerprint

Progress = Callable[[float, str], None]


@dataclass
class FeatureSet:
    """Per-reply features and labels of a list of threads; rows grouped by thread."""

    X: np.ndarray
    grades: np.ndarray
    flags: np.ndarray  # (n, 7) bool, FLAG_CODES order
    groups: np.ndarray  # thread id per row
    reply_ids: list[str]


@dataclass
class TrainedModel:
    grade: GradeClassifier
    flags: FlagClassifier
    card: ModelCard


def featurize(threads: Sequence[Thread], featurizer: Featurizer, progress: Progress | None = None) -> FeatureSet:
    rows, grades, flags, groups, ids = [], [], [], [], []
    for index, thread in enumerate(threads):
        X, _, _ = featurizer.thread_features(thread.request, thread.replies)
        rows.append(X)
        grades.extend(thread.relevance or [0] * len(thread.replies))
        for codes in thread.flags or [frozenset()] * len(thread.replies):
            flags.append([code in codes for code in FLAG_CODES])
        groups.extend([thread.id] * len(thread.replies))
        ids.extend(r.id or "" for r in thread.replies)
        if progress:
            progress((index + 1) / len(threads), f"features {index + 1}/{len(threads)}")
    return FeatureSet(np.vstack(rows), np.asarray(grades), np.asarray(flags, dtype=bool), np.asarray(groups), ids)


def fit_models(features: FeatureSet) -> tuple[GradeClassifier, FlagClassifier]:
    grade = GradeClassifier().fit(features.X, features.grades)
    stacked = with_grade_features(features.X, out_of_fold_grade_proba(features.X, features.grades, features.groups))
    flags = FlagClassifier().fit(stacked, features.flags, groups=features.groups)
    return grade, flags


def new_version(data_fingerprint: str, now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    return f"{now:%Y%m%d-%H%M%S}-{data_fingerprint[:6]}"


def train_model(threads: Sequence[Thread], encoder: Encoder, progress: Progress | None = None,
                evaluate: bool = True, folds: int = 5, featurizer: Featurizer | None = None) -> TrainedModel:
    """Fit on all threads; with `evaluate`, the card carries thread-grouped cross-validated metrics."""
    from training.evaluate import cross_validate  # evaluation imports training helpers

    if not threads or not all(t.labeled for t in threads):
        raise ValueError("training needs labeled threads (relevance and flags on every reply)")
    featurizer = featurizer or Featurizer(encoder)
    step = (lambda f, m: progress(0.8 * f, m)) if progress else None
    features = featurize(threads, featurizer, step)
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
                     n_replies=len(features.grades), metrics=metrics)
    if progress:
        progress(1.0, "done")
    return TrainedModel(grade, flags, card)

"""Labeled threads as one feature matrix, and fitting the grade and flag models on it.

Training and evaluation both build on this module; neither imports the other's internals.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from model.features import Featurizer
from model.relevance import FlagClassifier, GradeClassifier, out_of_fold_grade_proba, with_grade_features
from model.types import FLAG_CODES, Thread
from training.feature_store import FeatureStore, ThreadRows, compute_rows

Progress = Callable[[float, str], None]


@dataclass
class FeatureSet:
    """Per-reply features and labels of a list of threads; rows grouped by thread."""

    X: np.ndarray
    grades: np.ndarray
    flags: np.ndarray  # (n, 7) bool, FLAG_CODES order
    groups: np.ndarray  # thread id per row
    reply_ids: list[str]
    weights: np.ndarray | None = None  # per row; None = every row counts once
    request_vectors: np.ndarray | None = None  # (n, dim): the row's request, for the label memory
    reply_vectors: np.ndarray | None = None  # (n, dim)
    stats: dict[str, int] = field(default_factory=dict)  # threads reused from the store / featurised

    def subset(self, rows: np.ndarray) -> "FeatureSet":
        """The given rows (an index array or a boolean mask), every per-row field alike."""
        rows = np.flatnonzero(rows) if rows.dtype == bool else rows
        pick = (lambda a: None if a is None else a[rows])
        return FeatureSet(self.X[rows], self.grades[rows], self.flags[rows], self.groups[rows],
                          [self.reply_ids[i] for i in rows], pick(self.weights), pick(self.request_vectors),
                          pick(self.reply_vectors))


def featurize(threads: Sequence[Thread], featurizer: Featurizer, progress: Progress | None = None,
              store: FeatureStore | None = None, weights: Mapping[str, float] | None = None) -> FeatureSet:
    """Features of every reply; threads already in `store` are read back instead of recomputed.

    `weights` gives a thread id's rows a weight other than 1 (a community's own labels count more
    than the bundled samples: settings.example_weight).
    """
    rows: list[ThreadRows] = []
    grades: list[int] = []
    flags: list[list[bool]] = []
    groups: list[str] = []
    ids: list[str] = []
    row_weights: list[float] = []
    reused_before, computed_before = (store.reused, store.computed) if store is not None else (0, 0)
    for index, thread in enumerate(threads):
        thread_rows = store.rows(thread) if store is not None else compute_rows(featurizer, thread)
        rows.append(thread_rows)
        grades.extend(thread.relevance or [0] * len(thread.replies))
        for codes in thread.flags or [frozenset()] * len(thread.replies):
            flags.append([code in codes for code in FLAG_CODES])
        groups.extend([thread.id] * len(thread.replies))
        ids.extend(r.id or "" for r in thread.replies)
        row_weights.extend([float((weights or {}).get(thread.id, 1.0))] * len(thread.replies))
        if progress:
            progress((index + 1) / len(threads), f"features {index + 1}/{len(threads)}")
    dim = rows[0].request_vector.shape[0] if rows else 0
    request_vectors = np.vstack([np.repeat(r.request_vector[None, :], len(r.X), axis=0) for r in rows]) \
        if rows else np.zeros((0, dim), np.float32)
    stats = {"threads_reused": store.reused - reused_before, "threads_featurized": store.computed - computed_before} \
        if store is not None else {"threads_reused": 0, "threads_featurized": len(threads)}
    weight_array = np.asarray(row_weights) if any(w != 1.0 for w in row_weights) else None
    return FeatureSet(np.vstack([r.X for r in rows]), np.asarray(grades), np.asarray(flags, dtype=bool),
                      np.asarray(groups), ids, weight_array, request_vectors,
                      np.vstack([r.reply_vectors for r in rows]), stats)


def fit_models(features: FeatureSet) -> tuple[GradeClassifier, FlagClassifier]:
    grade = GradeClassifier().fit(features.X, features.grades, sample_weight=features.weights)
    stacked = with_grade_features(features.X, out_of_fold_grade_proba(features.X, features.grades, features.groups,
                                                                      sample_weight=features.weights))
    flags = FlagClassifier().fit(stacked, features.flags, groups=features.groups, sample_weight=features.weights)
    return grade, flags

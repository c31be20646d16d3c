"""A persistent store of per-thread features, so a retrain featurises only threads it has not seen.

The encoder is nearly all the cost of training: 224 threads take about two minutes to featurise, while
fitting the heads takes seconds. Features of a thread depend only on its content (request and replies,
not their labels or ids) and on the feature configuration (encoder and its dtype, feature format and
names, phrase patterns, attachment limits). Both are hashed into the key, so a changed thread or a new
encoder can never be served a stale row.

Rows are `.npz` files of plain float arrays read with `allow_pickle=False`: nothing in the store can
execute code, whoever wrote it. Writes go to a temporary file renamed into place, so a crash never
leaves half a row, and two processes writing the same row write the same bytes.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from model.features import FEATURE_NAMES, Featurizer, reply_vector
from model.types import Thread

STORE_FORMAT = 1


@dataclass(frozen=True)
class ThreadRows:
    """What training and the label memory need of one thread, in reply order."""

    X: np.ndarray  # (n_replies, n_features)
    request_vector: np.ndarray  # (dim,)
    reply_vectors: np.ndarray  # (n_replies, dim); zeros for a reply with neither text nor pages


def feature_config_key(featurizer: Featurizer) -> str:
    """Everything besides a thread's content that its feature values depend on."""
    from model.artifact import FORMAT_VERSION

    encoder = featurizer.encoder
    config: dict[str, Any] = {
        "store": STORE_FORMAT,
        "format": FORMAT_VERSION,
        "features": list(FEATURE_NAMES),
        "encoder": encoder.model_id,
        "dtype": getattr(encoder, "dtype", "?"),
        "patterns": getattr(featurizer, "patterns_fingerprint", ""),
        "limits": [featurizer.limits.max_bytes, featurizer.limits.max_pages],
    }
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode("utf-8")).hexdigest()[:20]


def _time(value: Any) -> str | None:
    return value.isoformat() if value else None


def thread_content_hash(thread: Thread) -> str:
    """A hash of what the features read: texts, times and attachment pages (not labels, not ids)."""
    request = thread.request
    payload = {
        "request": [request.text, _time(request.posted_at), _time(request.closed_at)],
        "replies": [[reply.text, _time(reply.sent_at),
                     [[a.filename, list(a.pages or ()),
                       hashlib.sha256(a.content).hexdigest() if a.content is not None else None]
                      for a in reply.attachments]]
                    for reply in thread.replies],
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


class FeatureStore:
    """`root/<feature config key>/<content hash>.npz`; one directory per feature configuration."""

    def __init__(self, root: Path, featurizer: Featurizer) -> None:
        self.featurizer = featurizer
        self.directory = Path(root) / feature_config_key(featurizer)
        self.reused = 0
        self.computed = 0

    def _path(self, thread: Thread) -> Path:
        return self.directory / f"{thread_content_hash(thread)}.npz"

    def get(self, thread: Thread) -> ThreadRows | None:
        path = self._path(thread)
        try:
            with np.load(path, allow_pickle=False) as data:
                rows = ThreadRows(data["X"], data["request_vector"], data["reply_vectors"])
        except (OSError, KeyError, ValueError):  # absent, or unreadable: recompute (and overwrite)
            return None
        if rows.X.shape != (len(thread.replies), len(FEATURE_NAMES)) or len(rows.reply_vectors) != len(thread.replies):
            return None
        return rows

    def put(self, thread: Thread, rows: ThreadRows) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                np.savez(out, X=rows.X, request_vector=rows.request_vector, reply_vectors=rows.reply_vectors)
            os.replace(temporary, self._path(thread))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def rows(self, thread: Thread) -> ThreadRows:
        """From the store when present, else computed with the featurizer and stored."""
        cached = self.get(thread)
        if cached is not None:
            self.reused += 1
            return cached
        rows = compute_rows(self.featurizer, thread)
        try:
            self.put(thread, rows)
        except OSError:
            pass  # a read-only or full disk slows the next retrain down; it must not fail this one
        self.computed += 1
        return rows


def compute_rows(featurizer: Featurizer, thread: Thread) -> ThreadRows:
    X, request_view, views = featurizer.thread_features(thread.request, thread.replies)
    dim = request_view.vector.shape[0]
    vectors = np.vstack([reply_vector(view, dim) for view in views]) if views else np.zeros((0, dim), np.float32)
    return ThreadRows(X, request_view.vector.astype(np.float32), vectors.astype(np.float32))

"""Keeps this worker's label memory in step with the stored labels and the active model.

Every worker process holds its own `LabelMemory` (an immutable snapshot, swapped by reference). The
snapshot is rebuilt when the labels change (their count or latest update differs: a save, a relabel or
a delete) or when another model is published. The worker that stores or deletes a label rebuilds at
once, before it answers, so the next screening anywhere on that worker sees it; the others follow
within the model poller's second. Features and vectors of each labeled reply come from the feature
store (`settings.feature_store_dir`), so a rebuild encodes only replies it has never seen.
"""
from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import func, select

from replyscreen.settings import Settings
from service.db import Database, Example

log = logging.getLogger("service.label_memory")


def revision(db: Database) -> tuple[int, str]:
    """Changes whenever a label is created, relabeled or deleted."""
    with db.read() as session:
        count, latest = session.execute(select(func.count(Example.id), func.max(Example.updated_at))).one()
    return int(count or 0), str(latest)


class MemorySync:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self._lock = threading.Lock()
        # (screener, labels revision) last built or tried: rebuilt only when one of them changes
        self._attempted: tuple[Any, tuple[int, str]] | None = None
        self.error: str | None = None
        self.last_build_seconds = 0.0

    def sync(self, screener: Any, force: bool = False) -> None:
        """Attach a current memory to `screener` (a Screener), rebuilding only when something changed."""
        if screener is None:
            return
        with self._lock:
            current = revision(self.db)
            attempt = (screener, current)
            if not force and self._attempted is not None and self._attempted[0] is screener \
                    and self._attempted[1] == current:
                return  # built for exactly this, or failed for exactly this: wait for a change, do not spin
            self._attempted = attempt
            try:
                screener.memory = self._build(screener)
                self.error = None
            except Exception as exc:  # noqa: BLE001 - a broken label must not stop screening
                self.error = f"{type(exc).__name__}: {exc}"
                log.exception("label memory rebuild failed; screening goes on with the previous memory")

    def _build(self, screener: Any) -> Any:
        import time

        import numpy as np

        from model.memory import LabelMemory, MemoryItem
        from model.relevance import scale_features
        from service.repositories import labeled_threads
        from training.dataset import DatasetError, thread_from_dict
        from replyscreen.wiring import feature_store, memory_config

        started = time.monotonic()
        s = self.settings
        config = memory_config(s)

        grouped = labeled_threads(self.db)
        newest = sorted((row.updated_at, row.id) for _, members in grouped for row in members)
        keep = {example_id for _, example_id in newest[-s.memory_max_items:]} if s.memory_max_items else set()
        store = feature_store(s, screener.featurizer)
        items, requests, replies, features = [], [], [], []
        for data, members in grouped:
            if not any(row.id in keep for row in members):
                continue
            # the thread as a retrain will read it, so the retrain finds these rows in the store
            try:
                thread_rows = store.rows(thread_from_dict(data, where=f"stored thread {data['id']}"))
            except DatasetError as exc:  # one unreadable thread must not take the others' labels away
                log.warning("label memory skips %s", exc)
                continue
            for index, row in enumerate(members):
                if row.id not in keep:
                    continue
                items.append(MemoryItem(example_id=row.id, thread_id=row.screening_id or row.thread_key,
                                        reply_id=row.reply_key, relevance=int(row.relevance),
                                        flags=tuple(row.flags)))
                requests.append(thread_rows.request_vector)
                replies.append(thread_rows.reply_vectors[index])
                features.append(thread_rows.X[index])
        if not items:
            memory = LabelMemory([], np.zeros((0, 1)), np.zeros((0, 1)), np.zeros((0, 1)), config)
        else:
            memory = LabelMemory(items, np.vstack(requests), np.vstack(replies),
                                 scale_features(screener.grade, np.vstack(features)), config)
        self.last_build_seconds = time.monotonic() - started
        log.info("label memory: %d labels (%d featurised) in %.2f s", len(items), store.computed,
                 self.last_build_seconds)
        return memory


"""Holds the scoring engine of this worker process: loaded once, swapped atomically.

The encoder is built once per process. A Screener for the active version is loaded fully, then published by
replacing one reference; a request takes the reference once at its start (`acquire()`), so requests in flight
finish on the model they started with while new ones get the new model. A background thread polls the
database (~1 s) for the active version, so every worker follows an activation made through any other worker.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable
from typing import Any, TypeVar

from replyscreen.settings import Settings
from service import metrics, repositories
from service.db import Database
from service.errors import ApiError
from service.label_memory import MemorySync

log = logging.getLogger("service.model_holder")
T = TypeVar("T")
POLL_SECONDS = 1.0
RESYNC_SECONDS = 5.0  # how often an empty registry looks at models_dir again


@dataclass(frozen=True)
class Loaded:
    version: str
    screener: Any


class ModelHolder:
    def __init__(self, settings: Settings, db: Database):
        self.settings = settings
        self.db = db
        self._current: Loaded | None = None
        self._previous: Loaded | None = None  # kept loaded so a rollback is instant
        self._encoder: Any = None
        self._encoder_lock = threading.Lock()
        self._load_lock = threading.Lock()  # one load at a time per process (memory)
        self._failed: dict[str, str] = {}   # version -> why it could not be loaded (not retried by the poller)
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.memory = MemorySync(settings, db)  # stored labels that act before a retrain

    # --- what requests use ---------------------------------------------------------------------------------
    @property
    def current(self) -> Loaded | None:
        return self._current

    def acquire(self) -> Loaded:
        """The model a request will use from start to end; 503 while none is loaded."""
        loaded = self._current
        if loaded is None:
            detail = f" ({self.error})" if self.error else ""
            raise ApiError(503, "model_not_loaded", f"model not loaded yet{detail}", None,
                           headers={"Retry-After": "5"})
        return loaded

    # --- loading ---------------------------------------------------------------------------------------------
    def encoder(self) -> Any:
        with self._encoder_lock:
            if self._encoder is None:
                from model.encoder import Encoder, EncoderConfig

                s = self.settings
                self._encoder = Encoder(EncoderConfig(name_or_path=s.encoder, cache_dir=Path(s.cache_dir),
                                                      batch_size=s.encoder_batch_size, dtype=s.encoder_dtype,
                                                      cache_size=s.embedding_cache_size))
            return self._encoder

    def load(self, version: str) -> Loaded:
        """Load `version` completely (without publishing it). Raises ApiError(409) if it cannot be loaded."""
        record = repositories.get_model(self.db, version)
        if record is None:
            raise ApiError(404, "not_found", f"No model version {version!r}.", "version")
        with self._load_lock:
            for kept in (self._current, self._previous):
                if kept is not None and kept.version == version:
                    return kept
            try:
                from model.attachments import AttachmentLimits
                from model.knowledge import load_knowledge
                from model.screener import Screener

                limits = AttachmentLimits(max_bytes=self.settings.max_attachment_bytes,
                                          max_pages=self.settings.max_attachment_pages)
                screener = Screener.load(Path(record.path), self.encoder(), limits,
                                         knowledge=load_knowledge(self.settings.patterns_dir))
            except Exception as exc:  # noqa: BLE001 - any failure means "this version cannot serve"
                reason = f"{type(exc).__name__}: {exc}"
                log.exception("cannot load model %s", version)
                self._failed[version] = reason
                raise ApiError(409, "model_unloadable", f"Model {version} cannot be loaded: {reason}",
                               "version") from exc
            self._failed.pop(version, None)
            _warm_up(screener)
            self.memory.sync(screener)
            return Loaded(version, screener)  # the registry's name is the one every worker compares

    def publish(self, loaded: Loaded) -> None:
        """Swap the reference (atomic in CPython); requests holding the old one are unaffected."""
        old = self._current
        if old is not None and old.version == loaded.version and old.screener is loaded.screener:
            return
        self._current = loaded
        if old is not None and old.version != loaded.version:
            self._previous = old
        self.error = None
        metrics.set_model_version(loaded.version, old.version if old else None)
        log.info("serving model %s (was %s)", loaded.version, old.version if old else None)

    def switch_to(self, version: str, commit: Callable[[], T]) -> T:
        """Activation by this worker: load fully, record it (commit), then publish — under the load lock, so
        the poller cannot load the same version a second time meanwhile. Returns commit()'s result."""
        loaded = self.load(version)
        with self._load_lock:
            result = commit()
            self.publish(loaded)
        return result

    def ensure_active(self) -> None:
        """One poll step: follow the active version recorded in the database."""
        active = repositories.active_version(self.db)
        if active is None:
            self.error = "no model registered; train one (replyscreen train) or POST /v1/models/train"
            return
        current = self._current
        if current is not None and current.version == active:
            return
        if active in self._failed:
            self.error = f"active model {active} cannot be loaded: {self._failed[active]}"
            return
        try:
            loaded = self.load(active)
        except ApiError as exc:
            self.error = exc.message
            return
        with self._load_lock:
            if repositories.active_version(self.db) == active:  # not switched again while we were loading
                self.publish(loaded)

    def ensure_active_safely(self) -> None:
        """ensure_active() for startup: never raises (the poller retries), records why it failed."""
        try:
            self.ensure_active()
        except ImportError as exc:
            self.error = f"scoring engine not available: {exc}"
        except Exception as exc:  # noqa: BLE001
            self.error = f"{type(exc).__name__}: {exc}"
            log.warning("initial model load failed: %s", self.error)

    def sync_memory(self) -> None:
        """Bring the serving model's label memory up to date with the stored labels (no-op when unchanged)."""
        loaded = self._current
        if loaded is not None:
            self.memory.sync(loaded.screener)

    # --- background poller -----------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="model-holder", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        last_sync = 0.0
        while not self._stop.is_set():
            try:
                if self._current is None and time.monotonic() - last_sync > RESYNC_SECONDS:
                    last_sync = time.monotonic()
                    repositories.sync_registry(self.db, Path(self.settings.models_dir))
                self.ensure_active()
                self.sync_memory()
            except ImportError as exc:
                self.error = f"scoring engine not available: {exc}"
            except Exception as exc:  # noqa: BLE001 - the poller must survive DB hiccups
                self.error = f"{type(exc).__name__}: {exc}"
                log.warning("model poll failed: %s", self.error)
            self._stop.wait(POLL_SECONDS)


def _warm_up(screener: Any) -> None:
    """One tiny check so lazy parts (language pipelines, first forward pass) load before real traffic."""
    try:
        from model.types import Reply, Request

        for text in ("Коллеги, нужен подрядчик для мобильного приложения.", "We need a CRM integration partner."):
            screener.check(Request(text=text), Reply(text="Добрый день! Hello, we did a similar project.", id="w"))
    except Exception:  # noqa: BLE001 - warming up is an optimisation only
        log.warning("model warm-up failed", exc_info=True)

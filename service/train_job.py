"""Child process of one training job: `python -m service.train_job <job_id>`.

Reads the sample threads and/or the stored labeled examples, calls training.train.train_model, saves the
artifact, registers it in the model registry with its metrics (and activates it if asked), and keeps the job
row's status/progress current. Runs niced so screening keeps the CPU it needs.
"""
from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import time
import traceback
from dataclasses import replace
from pathlib import Path
from typing import Any

from replyscreen.settings import Settings
from service import repositories
from service.db import Database, ModelActivation, utcnow

log = logging.getLogger("service.train_job")


class Progress:
    """Adapts whatever the trainer reports (a fraction, done/total, a stage text) to throttled DB updates."""

    def __init__(self, db: Database, job_id: str, start: float = 0.1, end: float = 0.9):
        self.db, self.job_id, self.start, self.end = db, job_id, start, end
        self._last = 0.0

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        numbers = [a for a in (*args, *kwargs.values()) if isinstance(a, (int, float)) and not isinstance(a, bool)]
        texts = [a for a in (*args, *kwargs.values()) if isinstance(a, str)]
        fraction: float | None = None
        if len(numbers) >= 2 and numbers[1]:
            fraction = float(numbers[0]) / float(numbers[1])
        elif numbers:
            fraction = float(numbers[0])
            fraction = fraction / 100 if fraction > 1 else fraction
        now = time.monotonic()
        if now - self._last < 0.5 and (fraction is None or fraction < 1):
            return
        self._last = now
        values: dict[str, Any] = {}
        if fraction is not None:
            values["progress"] = self.start + (self.end - self.start) * min(max(fraction, 0.0), 1.0)
        if texts:
            values["stage"] = texts[0][:200]
        if values:
            repositories.update_job(self.db, self.job_id, **values)


STORED_PREFIX = "stored:"


def load_training_threads(db: Database, settings: Settings, params: dict[str, Any]) -> tuple[list[Any], set[str]]:
    """The bundled samples and the stored examples, and the ids of the stored (community) threads among them.

    A stored thread named like a sample is renamed, not dropped.
    """
    from training.dataset import load_threads

    threads: list[Any] = []
    community: set[str] = set()
    if params.get("include_samples", True) and Path(settings.samples_dir).exists():
        threads.extend(load_threads(Path(settings.samples_dir)))
    if params.get("include_examples", True):
        exported = repositories.export_threads(db)
        if exported:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "stored.jsonl"
                path.write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in exported), "utf-8")
                stored = load_threads(path)
            sample_ids = {t.id for t in threads}
            # a community's thread may reuse a sample's id ("be01"): it is another thread, never dropped
            stored = [replace(t, id=f"{STORED_PREFIX}{t.id}") if t.id in sample_ids else t for t in stored]
            threads.extend(stored)
            community = {t.id for t in stored}
    return threads, community


def run(job_id: str, settings: Settings) -> int:
    db = Database(settings.database_url)
    try:
        job = repositories.get_job(db, job_id)
        repositories.update_job(db, job_id, status="running", started_at=utcnow(), stage="loading data",
                                progress=0.02, pid=os.getpid())
        threads, community = load_training_threads(db, settings, job.params)
        if not threads:
            raise RuntimeError("no training data: no sample threads and no stored examples")
        repositories.update_job(db, job_id, stage=f"loading encoder ({len(threads)} threads)", progress=0.05)
        from replyscreen.wiring import build_encoder, build_featurizer, feature_store
        from training.artifacts import list_versions, save
        from training.train import train_model

        encoder = build_encoder(settings)
        repositories.update_job(db, job_id, stage="training", progress=0.1)
        weights = {thread_id: settings.example_weight for thread_id in community}
        store = feature_store(settings, build_featurizer(settings, encoder))
        started = time.monotonic()
        trained = train_model(threads, encoder, progress=Progress(db, job_id), store=store, weights=weights)
        trained.card.training["seconds"] = round(time.monotonic() - started, 1)
        log.info("trained %s: %s", trained.card.version, trained.card.training)
        repositories.update_job(db, job_id, stage="saving", progress=0.92)
        path = Path(save(trained, Path(settings.models_dir)))
        cards = {str(c["version"]): c for c in map(repositories.card_to_dict, list_versions(Path(settings.models_dir)))}
        card = cards.get(path.name) or next((c for c in cards.values() if Path(str(c.get("path", ""))) == path), None)
        if card is None:
            raise RuntimeError(f"saved artifact {path} has no model card in {settings.models_dir}")
        with db.write() as session:
            repositories.register_model(session, card, path, "training", job_id)
            if job.params.get("activate"):
                session.add(ModelActivation(version=str(card["version"]), activated_at=utcnow(), key_id=job.key_id))
        stats = trained.card.training
        summary = (f"done: {stats.get('threads_reused', 0)} threads reused, {stats.get('threads_featurized', 0)} "
                   f"featurised, {stats.get('weighted_threads', 0)} community threads weighted "
                   f"{settings.example_weight:g}x, {stats.get('seconds', 0)} s")
        repositories.update_job(db, job_id, status="succeeded", progress=1.0, stage=summary,
                                model_version=str(card["version"]), finished_at=utcnow())
        return 0
    except Exception as exc:  # noqa: BLE001 - every failure is reported on the job
        traceback.print_exc()
        repositories.update_job(db, job_id, status="failed", error=f"{type(exc).__name__}: {exc}"[:4000],
                                stage="failed", finished_at=utcnow())
        return 1
    finally:
        db.dispose()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m service.train_job <job_id>", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        os.nice(10)
    except OSError:
        pass
    return run(args[0], Settings())


if __name__ == "__main__":
    sys.exit(main())

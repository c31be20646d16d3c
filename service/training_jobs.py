"""Starting training jobs outside the request path.

A job is a row in `training_jobs` plus a child process `python -m service.train_job <job_id>` (niced, own
session) that trains, saves the artifact, registers it and writes status/progress to the database. The request
that starts it returns at once; a waiter thread reaps the child and marks the job failed if the child died
without saying so. Settings are passed to the child through REPLYSCREEN_* environment variables, so a job
sees exactly the configuration of the app that started it.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

from replyscreen.settings import Settings
from service import repositories
from service.db import Database, TrainingJob

log = logging.getLogger("service.training_jobs")
REPO_ROOT = Path(__file__).resolve().parents[1]


def settings_env(settings: Settings) -> dict[str, str]:
    """REPLYSCREEN_* variables reproducing `settings` in a child process."""
    env: dict[str, str] = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        env[f"REPLYSCREEN_{name.upper()}"] = str(value)
    return env


def start_job(db: Database, settings: Settings, params: dict[str, object], key_id: str | None) -> TrainingJob:
    job = repositories.create_job(db, params, key_id)
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(settings_env(settings))
    pythonpath = env.get("PYTHONPATH", "")
    env["PYTHONPATH"] = str(REPO_ROOT) + (os.pathsep + pythonpath if pythonpath else "")
    log_dir = Path(settings.models_dir) / "jobs"
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        with open(log_dir / f"{job.id}.log", "ab") as out:
            proc = subprocess.Popen([sys.executable, "-m", "service.train_job", job.id], env=env, cwd=os.getcwd(),
                                    stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
    except OSError as exc:
        repositories.finish_job_if_active(db, job.id, f"could not start the training process: {exc}")
        raise
    repositories.update_job(db, job.id, pid=proc.pid)
    threading.Thread(target=_reap, args=(db, job.id, proc), name=f"reap-{job.id}", daemon=True).start()
    return repositories.get_job(db, job.id)


def _reap(db: Database, job_id: str, proc: subprocess.Popen[bytes]) -> None:
    code = proc.wait()
    if code != 0:
        try:
            repositories.finish_job_if_active(db, job_id, f"the training process exited with code {code}")
        except Exception:  # noqa: BLE001 - best effort during shutdown
            log.exception("could not mark job %s failed", job_id)

"""Model registry, training jobs, activation and rollback."""
from __future__ import annotations

from pathlib import Path as FsPath
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path

from service import repositories, training_jobs
from service.auth import Principal
from service.db import ModelRecord, TrainingJob
from service.deps import SAFE_ID, DbDep, HolderDep, SettingsDep, require
from service.schemas import ActivateOut, JobOut, ModelList, ModelOut, TrainIn, error_responses

router = APIRouter(tags=["models"])


def model_out(row: ModelRecord, active: str | None) -> ModelOut:
    card = row.card or {}
    encoder = card.get("encoder")
    return ModelOut(version=row.version, created_at=row.created_at, registered_at=row.registered_at,
                    metrics=row.metrics or {}, encoder=None if encoder is None else str(encoder),
                    data_fingerprint=card.get("data_fingerprint"), active=row.version == active,
                    source=row.source, job_id=row.job_id)


def job_out(job: TrainingJob) -> JobOut:
    return JobOut(job_id=job.id, status=job.status, progress=round(job.progress, 4), stage=job.stage,  # type: ignore[arg-type]
                  model_version=job.model_version, error=job.error, params=job.params, created_at=job.created_at,
                  started_at=job.started_at, finished_at=job.finished_at)


@router.get("/v1/models", response_model=ModelList, responses=error_responses(401, 429),
            summary="Model versions with their evaluation metrics, and which one is active")
def list_models(_: Annotated[Principal, Depends(require(None))], db: DbDep, holder: HolderDep,
                settings: SettingsDep) -> ModelList:
    repositories.sync_registry(db, FsPath(settings.models_dir))
    rows, active = repositories.list_models(db)
    loaded = holder.current
    return ModelList(active=active, loaded=loaded.version if loaded else None,
                     models=[model_out(r, active) for r in rows])


@router.post("/v1/models/train", status_code=202, response_model=JobOut,
             responses=error_responses(401, 403, 409, 422, 429),
             summary="Start training a candidate model on samples + stored examples (background job)")
def train(principal: Annotated[Principal, Depends(require("admin"))], db: DbDep, settings: SettingsDep,
          body: Annotated[TrainIn | None, Body()] = None) -> JobOut:
    params = (body or TrainIn()).model_dump()
    return job_out(training_jobs.start_job(db, settings, params, principal.key_id))


@router.get("/v1/models/jobs/{job_id}", response_model=JobOut, responses=error_responses(401, 403, 404, 429),
            summary="Status and progress of a training job")
def get_job(job_id: Annotated[str, Path(max_length=200, pattern=SAFE_ID)],
            _: Annotated[Principal, Depends(require("admin"))], db: DbDep) -> JobOut:
    return job_out(repositories.get_job(db, job_id))


@router.post("/v1/models/{version}/activate", response_model=ActivateOut,
             responses=error_responses(401, 403, 404, 409, 429),
             summary="Make a model active (rollback = activating an older one); requests in flight finish "
                     "on the model they started with")
def activate(version: Annotated[str, Path(max_length=200, pattern=SAFE_ID)],
             principal: Annotated[Principal, Depends(require("admin"))], db: DbDep, holder: HolderDep,
             settings: SettingsDep) -> ActivateOut:
    if repositories.get_model(db, version) is None:
        repositories.sync_registry(db, FsPath(settings.models_dir))
    previous = holder.switch_to(version, lambda: repositories.activate(db, version, principal.key_id))
    return ActivateOut(active=version, previous=previous)

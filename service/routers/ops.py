"""Liveness, readiness and Prometheus metrics (no authentication: for probes and scrapers)."""
from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from service import metrics
from service.deps import DbDep, HolderDep
from service.errors import error_body
from service.schemas import HealthOut, ReadyOut

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=HealthOut, summary="The process is up")
def healthz() -> HealthOut:
    return HealthOut(status="ok")


@router.get("/readyz", response_model=ReadyOut, responses={503: {"description": "Model not loaded yet or "
                                                                 "database unreachable"}},
            summary="Ready to score: model loaded and database reachable")
def readyz(db: DbDep, holder: HolderDep) -> JSONResponse:
    try:
        db.ping()
        database = "ok"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        database = f"error: {type(exc).__name__}"
    loaded = holder.current
    body = {"status": "ready", "model_version": loaded.version if loaded else None, "database": database}
    if loaded is not None and database == "ok":
        return JSONResponse(body)
    if loaded is None:
        reason = "model not loaded yet" + (f" ({holder.error})" if holder.error else "")
        code = "model_not_loaded"
    else:
        reason, code = "database unreachable", "database_unavailable"
    return JSONResponse({**body, "status": "not_ready", **error_body(code, reason)}, status_code=503)


@router.get("/metrics", summary="Prometheus metrics (text exposition format)",
            responses={200: {"content": {"text/plain": {}}}})
def metrics_endpoint() -> Response:
    payload, content_type = metrics.render()
    return Response(payload, media_type=content_type)

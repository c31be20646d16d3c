"""/v1/screen, /v1/check and the stored screenings the review UI labels."""
from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from service import convert, metrics, repositories
from service.auth import Principal
from service.deps import SAFE_ID, DbDep, HolderDep, LimitsDep, require
from service.limits import check_replies_count, check_request, prepare_reply
from service.schemas import (
    CheckIn,
    CheckOut,
    ScreeningList,
    ScreeningOut,
    ScreeningSummary,
    ScreenIn,
    ScreenOut,
    error_responses,
)
from service.routers.examples import example_out

router = APIRouter(tags=["screening"])
SCORING_ERRORS = error_responses(400, 401, 403, 413, 415, 422, 429, 503)


@router.post("/v1/screen", response_model=ScreenOut, responses=SCORING_ERRORS, response_model_exclude_unset=True,
             summary="Rank replies to one lead request, flag failure patterns; stores the screening")
def screen(body: ScreenIn, principal: Annotated[Principal, Depends(require("screen"))], db: DbDep,
           holder: HolderDep, limits: LimitsDep, response: Response) -> dict[str, Any]:
    check_request(body.request, "request", limits)
    check_replies_count(len(body.replies), "replies", limits)
    ids = convert.assign_ids(body.replies)
    pages = [prepare_reply(r, f"replies[{i}]", limits) for i, r in enumerate(body.replies)]
    loaded = holder.acquire()
    request = convert.to_request(body.request)
    replies = [convert.to_reply(r, rid, p) for r, rid, p in zip(body.replies, ids, pages)]
    start = time.perf_counter()
    results = convert.jsonable(loaded.screener.screen(request, replies))  # the engine is thread-safe
    engine_s = time.perf_counter() - start
    metrics.ENGINE_LATENCY.labels("screen").observe(engine_s)
    response.headers["Server-Timing"] = f"engine;dur={engine_s * 1000:.2f}"  # lets clients see our overhead
    screening_id = repositories.save_screening(
        db, request=convert.request_dict(body.request),
        replies=[convert.reply_dict(r, rid, p) for r, rid, p in zip(body.replies, ids, pages)],
        results=results, model_version=loaded.version, key_id=principal.key_id, engine_ms=engine_s * 1000)
    metrics.SCREENINGS.inc()
    metrics.SCREENED_REPLIES.inc(len(replies))
    metrics.record_flags("screen", results)
    return {"screening_id": screening_id, "model_version": loaded.version, "results": results}


@router.post("/v1/check", response_model=CheckOut, responses=SCORING_ERRORS, response_model_exclude_unset=True,
             summary="Self-check a draft reply before sending: score, flags and suggestions (not stored)")
def check(body: CheckIn, _: Annotated[Principal, Depends(require("screen"))], holder: HolderDep,
          limits: LimitsDep, response: Response) -> dict[str, Any]:
    check_request(body.request, "request", limits)
    rid = convert.assign_ids([body.draft], "draft")[0]
    pages = prepare_reply(body.draft, "draft", limits)
    loaded = holder.acquire()
    start = time.perf_counter()
    result = convert.jsonable(loaded.screener.check(convert.to_request(body.request),
                                                    convert.to_reply(body.draft, rid, pages)))
    engine_s = time.perf_counter() - start
    metrics.ENGINE_LATENCY.labels("check").observe(engine_s)
    response.headers["Server-Timing"] = f"engine;dur={engine_s * 1000:.2f}"
    metrics.CHECKS.inc()
    metrics.record_flags("check", [result])
    return {**result, "model_version": loaded.version}


@router.get("/v1/screenings", response_model=ScreeningList, responses=error_responses(401, 403, 422, 429),
            summary="Stored screenings, newest first (for review and labeling)")
def list_screenings(_: Annotated[Principal, Depends(require("label"))], db: DbDep,
                    limit: Annotated[int, Query(ge=1, le=200)] = 20,
                    offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> ScreeningList:
    rows, total = repositories.list_screenings(db, limit, offset)
    items = [ScreeningSummary(screening_id=r.id, created_at=r.created_at, model_version=r.model_version,
                              request_text=str(r.request.get("text", ""))[:300], n_replies=r.n_replies,
                              n_labeled=n) for r, n in rows]
    return ScreeningList(items=items, total=total, limit=limit, offset=offset)


@router.get("/v1/screenings/{screening_id}", response_model=ScreeningOut,
            responses=error_responses(401, 403, 404, 429),
            summary="One stored screening: request, replies (attachments as pages), results and labels so far")
def get_screening(screening_id: Annotated[str, Path(max_length=200, pattern=SAFE_ID)], _: Annotated[Principal, Depends(require("label"))],
                  db: DbDep) -> ScreeningOut:
    row, labels = repositories.get_screening(db, screening_id)
    return ScreeningOut(screening_id=row.id, created_at=row.created_at, model_version=row.model_version,
                        request=row.request, replies=row.replies, results=row.results,
                        labels=[example_out(e) for e in labels])

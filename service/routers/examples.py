"""Labeled examples: store one, label a stored screening's reply, import threads (JSON or JSONL); list/export."""
from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from service import convert, metrics, repositories
from service.auth import Principal
from service.db import Database, Example
from service.deps import SAFE_ID, DbDep, HolderDep, LimitsDep, require
from service.model_holder import ModelHolder
from service.errors import ApiError, loc_to_field
from service.limits import Limits, check_request, prepare_reply
from service.repositories import ExampleDraft
from service.schemas import (ExampleList, ExampleOut, ExamplesDeleted, ExamplesIn, ExamplesOut, ThreadIn,
                             error_responses)

router = APIRouter(tags=["labels"])
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200, pattern=r"^[\x21-\x7e]+$",
                                              description="Replaying the same key with the same body returns the "
                                              "first response and stores nothing twice; another body → 409.")]


def example_out(row: Example) -> ExampleOut:
    return ExampleOut(id=row.id, thread_id=row.thread_key, reply_id=row.reply_key, lang=row.lang,
                      relevance=row.relevance, flags=list(row.flags), request=row.request, reply=row.reply,
                      screening_id=row.screening_id, source=row.source, created_at=row.created_at,
                      updated_at=row.updated_at)


def _hash_id(prefix: str, payload: Any) -> str:
    return prefix + hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:24]


def _thread_drafts(thread: ThreadIn, prefix: str, limits: Limits) -> list[ExampleDraft]:
    """`prefix` locates the thread in error fields: 'threads[2].' (JSON batch) or 'line 3: ' (JSONL)."""
    check_request(thread.request, f"{prefix}request", limits)
    ids = convert.assign_ids(list(thread.replies), f"{prefix}replies")
    request = convert.request_dict(thread.request)
    drafts = []
    for i, (reply, rid) in enumerate(zip(thread.replies, ids)):
        pages = prepare_reply(reply, f"{prefix}replies[{i}]", limits)
        drafts.append(ExampleDraft(thread_key=thread.id, reply_key=rid, lang=thread.lang, request=request,
                                   reply=convert.reply_dict(reply, rid, pages), relevance=reply.relevance,
                                   flags=sorted(set(reply.flags)), source="thread"))
    return drafts


def _single_draft(body: ExamplesIn, db: Database, limits: Limits) -> ExampleDraft:
    if body.relevance is None:
        raise ApiError(422, "invalid_body", "relevance (0-3) is required for a single example.", "relevance")
    flags = sorted(set(body.flags))
    if body.screening_id is not None:
        if body.reply_id is None:
            raise ApiError(422, "invalid_body", "reply_id is required with screening_id.", "reply_id")
        screening, _ = repositories.get_screening(db, body.screening_id)
        reply = next((r for r in screening.replies if r.get("id") == body.reply_id), None)
        if reply is None:
            raise ApiError(404, "not_found", f"Screening {body.screening_id} has no reply {body.reply_id!r}.",
                           "reply_id")
        return ExampleDraft(thread_key=screening.id, reply_key=body.reply_id,
                            lang=body.lang or convert.guess_lang(str(screening.request.get("text", ""))),
                            request=screening.request, reply=reply, relevance=body.relevance, flags=flags,
                            source="screening", screening_id=screening.id)
    if body.request is None:
        raise ApiError(422, "invalid_body", "request is required (or screening_id + reply_id).", "request")
    if body.reply is None:
        raise ApiError(422, "invalid_body", "reply is required (or screening_id + reply_id).", "reply")
    check_request(body.request, "request", limits)
    pages = prepare_reply(body.reply, "reply", limits)
    request = convert.request_dict(body.request)
    reply_content = convert.reply_dict(body.reply, "", pages)
    reply_id = body.reply_id or body.reply.id or _hash_id("rep-", reply_content)
    return ExampleDraft(thread_key=body.thread_id or _hash_id("req-", request), reply_key=reply_id,
                        lang=body.lang or convert.guess_lang(body.request.text), request=request,
                        reply={**reply_content, "id": reply_id}, relevance=body.relevance, flags=flags,
                        source="single")


def _store(db: Database, drafts: list[ExampleDraft], principal: Principal, key: str | None,
           request_hash: str, holder: ModelHolder) -> JSONResponse:
    stored = repositories.store_examples(db, drafts, owner=principal.key_id, idempotency_key=key,
                                         request_hash=request_hash)
    holder.sync_memory()  # the labels act on this worker's next screening; other workers poll
    metrics.LABELS.labels("created").inc(stored.body.get("created", 0))
    metrics.LABELS.labels("updated").inc(stored.body.get("updated", 0))
    return JSONResponse(stored.body, status_code=stored.status_code)


@router.post("/v1/examples", status_code=201, response_model=ExamplesOut,
             responses=error_responses(400, 401, 403, 404, 409, 413, 415, 422, 429),
             summary="Store labeled examples (one, a label for a stored screening's reply, or a batch of threads)")
def add_examples(body: ExamplesIn, principal: Annotated[Principal, Depends(require("label"))], db: DbDep,
                 limits: LimitsDep, holder: HolderDep, idempotency_key: IdempotencyKey = None) -> JSONResponse:
    request_hash = repositories.canonical_hash(body.model_dump(mode="json", exclude_unset=True))
    if idempotency_key is not None:  # a replay must not redo the work (nor fail on data changed since)
        replay = repositories.idempotent_replay(db, principal.key_id, idempotency_key, request_hash)
        if replay is not None:
            return JSONResponse(replay.body, status_code=replay.status_code)
    if body.threads is not None:
        single_fields = ("request", "reply", "relevance", "screening_id", "reply_id")
        clash = next((f for f in single_fields if getattr(body, f) is not None), None)
        if clash:
            raise ApiError(422, "invalid_body", f"Send either threads or a single example, not both ({clash}).", clash)
        if not body.threads:
            raise ApiError(422, "invalid_body", "threads is empty.", "threads")
        drafts = [d for i, t in enumerate(body.threads) for d in _thread_drafts(t, f"threads[{i}].", limits)]
    else:
        drafts = [_single_draft(body, db, limits)]
    return _store(db, drafts, principal, idempotency_key, request_hash, holder)


@router.post("/v1/examples/import", status_code=201, response_model=ExamplesOut,
             responses=error_responses(400, 401, 403, 409, 413, 415, 422, 429),
             openapi_extra={"requestBody": {"required": True, "content": {"application/x-ndjson": {
                 "schema": {"type": "string"},
                 "example": '{"id": "t01", "lang": "ru", "request": {"text": "..."}, "replies": '
                            '[{"id": "t01r1", "text": "...", "relevance": 3, "flags": []}]}\n'}}}},
             summary="Import labeled threads as JSONL (data-format.md), one thread per line")
async def import_jsonl(request: Request, principal: Annotated[Principal, Depends(require("label"))], db: DbDep,
                       limits: LimitsDep, holder: HolderDep, idempotency_key: IdempotencyKey = None) -> JSONResponse:
    raw = await request.body()
    request_hash = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, "bad_request", f"Body is not UTF-8: {exc}") from exc
    threads: list[tuple[int, ThreadIn]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            threads.append((n, ThreadIn.model_validate_json(line)))
        except ValidationError as exc:
            err = exc.errors()[0]
            field = loc_to_field(err.get("loc", ()))
            raise ApiError(422, "invalid_body", f"line {n}: {field or 'thread'}: {err.get('msg')}",
                           f"line {n}" + (f": {field}" if field else "")) from exc
    if not threads:
        raise ApiError(422, "invalid_body", "No threads in the body.", None)
    from starlette.concurrency import run_in_threadpool

    def work() -> JSONResponse:
        drafts = [d for n, t in threads for d in _thread_drafts(t, f"line {n}: ", limits)]
        return _store(db, drafts, principal, idempotency_key, request_hash, holder)

    return await run_in_threadpool(work)


@router.get("/v1/examples", response_model=ExampleList, responses={
    **error_responses(401, 403, 422, 429),
    200: {"description": "A page of examples, or with format=jsonl every label as data-format.md threads",
          "content": {"application/json": {}, "application/x-ndjson": {}}}},
    summary="List labeled examples, or export them all as JSONL threads (?format=jsonl)")
def list_examples(_: Annotated[Principal, Depends(require("label"))], db: DbDep,
                  format: Annotated[Literal["json", "jsonl"], Query()] = "json",
                  limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                  offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
                  screening_id: Annotated[str | None, Query(max_length=200, pattern=SAFE_ID)] = None) -> Any:
    if format == "jsonl":
        threads = repositories.export_threads(db)
        payload = "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in threads)
        return Response(payload, media_type="application/x-ndjson",
                        headers={"Content-Disposition": 'attachment; filename="examples.jsonl"'})
    rows, total = repositories.list_examples(db, limit, offset, screening_id)
    return ExampleList(items=[example_out(r) for r in rows], total=total, limit=limit, offset=offset,
                       since_active_model=repositories.count_examples_since_active(db))



@router.delete("/v1/examples/{example_id}", status_code=200, response_model=ExamplesDeleted,
               responses=error_responses(401, 403, 404, 422, 429),
               summary="Delete one labeled example; the label memory forgets it at once")
def delete_example(example_id: Annotated[str, Path(max_length=40, pattern=SAFE_ID)],
                   _: Annotated[Principal, Depends(require("label"))], db: DbDep, holder: HolderDep) -> ExamplesDeleted:
    if not repositories.delete_examples(db, [example_id]):
        raise ApiError(404, "not_found", f"No labeled example {example_id!r}.", "example_id")
    holder.sync_memory()
    return ExamplesDeleted(deleted=[example_id])


@router.delete("/v1/examples", status_code=200, response_model=ExamplesDeleted,
               responses=error_responses(401, 403, 404, 422, 429),
               summary="Delete every labeled example of one thread (or of one screening)")
def delete_thread_examples(_: Annotated[Principal, Depends(require("label"))], db: DbDep, holder: HolderDep,
                           thread_id: Annotated[str, Query(min_length=1, max_length=200, pattern=SAFE_ID)]
                           ) -> ExamplesDeleted:
    deleted = repositories.delete_thread_examples(db, thread_id)
    if not deleted:
        raise ApiError(404, "not_found", f"No labeled examples for thread or screening {thread_id!r}.", "thread_id")
    holder.sync_memory()
    return ExamplesDeleted(deleted=deleted)

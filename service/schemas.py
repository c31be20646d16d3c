"""Request and response bodies of the HTTP API, mirroring api.md (field names are the contract).

Size limits (text length, reply and attachment counts, attachment bytes and pages) are deliberately NOT
expressed here: violating them must answer 413 (service/limits.py), whereas schema violations answer 422.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from model.types import FLAG_CODES


def _clean_text(value: str) -> str:
    """Reject what no storage or tokenizer accepts: lone surrogates and NUL characters."""
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from exc
    return value


def _utc(value: datetime) -> datetime:
    """Aware UTC datetime; a naive one is taken as UTC (as model.types.parse_time does)."""
    try:
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
    except (OverflowError, ValueError) as exc:
        raise ValueError("datetime out of range") from exc


Text = Annotated[str, AfterValidator(_clean_text)]
Id = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_clean_text)]
Timestamp = Annotated[datetime, AfterValidator(_utc)]
FlagCode = Literal["no_greeting", "bare_link", "off_topic", "deck_without_context", "lead_begging", "late_reply",
                   "generic_pitch"]
Lang = Literal["ru", "en", "ar"]
assert set(FlagCode.__args__) == set(FLAG_CODES), "FlagCode must mirror model.types.FLAG_CODES"  # type: ignore[attr-defined]

REQUEST_EXAMPLE = {
    "text": "Коллеги, есть лид: нужен подрядчик с опытом мобильного приложения для курьерской службы.",
    "author": "Елена",
    "posted_at": "2026-03-02T10:00:00Z",
    "closed_at": None,
}
REPLY_EXAMPLE = {
    "id": "r1",
    "text": "Елена, добрый день! Мы делали приложение для курьерской службы «Быстрее»: трекинг, маршруты, "
            "оплата на месте. Время доставки сократилось на 18%.",
    "sent_at": "2026-03-02T10:14:00Z",
    "author": "ООО Ромашка",
    "attachments": [{"filename": "case.txt", "pages": ["Кейс: приложение курьера", "Результаты: -18% времени"]}],
}


# --- shared shapes ------------------------------------------------------------------------------------------

class AttachmentIn(BaseModel):
    """Either the file itself (`content_base64`: PDF, PPTX, DOCX, TXT/MD) or its extracted `pages`."""

    filename: Annotated[str, Field(min_length=1, max_length=255), AfterValidator(_clean_text)]
    content_base64: str | None = None
    pages: list[Text] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> "AttachmentIn":
        if (self.content_base64 is None) == (self.pages is None):
            raise ValueError("an attachment needs exactly one of content_base64 or pages")
        return self


class RequestIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [REQUEST_EXAMPLE]})
    text: Annotated[str, Field(min_length=1), AfterValidator(_clean_text)]
    author: Text | None = None
    posted_at: Timestamp | None = None
    closed_at: Timestamp | None = None


class ReplyIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [REPLY_EXAMPLE]})
    id: Id | None = Field(None, description="Optional; the server assigns r1, r2, ... when missing.")
    text: Text = ""
    sent_at: Timestamp | None = None
    author: Text | None = None
    attachments: list[AttachmentIn] = Field(default_factory=list)


# --- screening and self-check --------------------------------------------------------------------------------

class ScreenIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "request": REQUEST_EXAMPLE,
        "replies": [REPLY_EXAMPLE, {"id": "r2", "text": "Дайте контакт клиента, обсудим", "attachments": []}],
    }]})
    request: RequestIn
    replies: list[ReplyIn] = Field(min_length=1)


class CheckIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"request": REQUEST_EXAMPLE, "draft": REPLY_EXAMPLE}]})
    request: RequestIn
    draft: ReplyIn


class FlagOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    code: str
    message: str = ""
    evidence: list[dict[str, Any]] = Field(default_factory=list)


class EvidenceOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    text: str = ""
    source: str | None = None
    score: float | None = None
    attachment: str | None = None
    page: int | None = None


class ResultOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    rank: int
    score: float
    relevant: bool
    grade: int
    flags: list[FlagOut] = Field(default_factory=list)
    evidence: list[EvidenceOut] = Field(default_factory=list)
    language: str | None = None


class ScreenOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "screening_id": "scr_4f1c...", "model_version": "2026-03-02T10-00-00-ab12cd",
        "results": [{"id": "r1", "rank": 1, "score": 0.91, "relevant": True, "grade": 3, "flags": [],
                     "evidence": [{"text": "Мы делали приложение для курьерской службы", "source": "text",
                                   "score": 0.88}], "language": "ru"},
                    {"id": "r2", "rank": 2, "score": 0.04, "relevant": False, "grade": 0,
                     "flags": [{"code": "lead_begging", "message": "Ответ просит контакт ...", "evidence": []},
                               {"code": "no_greeting", "message": "Нет приветствия ...", "evidence": []}],
                     "evidence": [], "language": "ru"}]}]})
    screening_id: str
    model_version: str
    results: list[ResultOut]


class SuggestionOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    code: str
    message: str


class CheckOut(BaseModel):
    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{
        "score": 0.12, "relevant": False, "grade": 0, "model_version": "2026-03-02T10-00-00-ab12cd",
        "flags": [{"code": "no_greeting", "message": "Нет приветствия", "evidence": []}], "evidence": [],
        "suggestions": [{"code": "no_greeting", "message": "Начните с приветствия: «Елена, добрый день!»"}]}]})
    score: float
    relevant: bool
    grade: int
    flags: list[FlagOut] = Field(default_factory=list)
    evidence: list[EvidenceOut] = Field(default_factory=list)
    suggestions: list[SuggestionOut] = Field(default_factory=list)
    model_version: str | None = None


# --- labels --------------------------------------------------------------------------------------------------

class LabeledReplyIn(ReplyIn):
    relevance: int = Field(ge=0, le=3)
    flags: list[FlagCode] = Field(default_factory=list)


class ThreadIn(BaseModel):
    """One labeled thread in the format of data-format.md."""

    id: Id
    lang: Lang
    request: RequestIn
    replies: list[LabeledReplyIn] = Field(min_length=1)


class ExamplesIn(BaseModel):
    """A single labeled example, a label for a stored screening's reply, or a batch of threads.

    Single: `request` + `reply` + `relevance` (+ `flags`). From the review UI: `screening_id` + `reply_id` +
    `relevance` (+ `flags`); the request and reply come from the stored screening. Batch: `threads`.
    Labeling the same reply again (same thread and reply id) replaces its label; it is never duplicated.
    """

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"request": REQUEST_EXAMPLE, "reply": REPLY_EXAMPLE, "relevance": 3, "flags": []},
        {"screening_id": "scr_4f1c...", "reply_id": "r2", "relevance": 0, "flags": ["lead_begging", "no_greeting"]},
        {"threads": [{"id": "t01", "lang": "ru", "request": REQUEST_EXAMPLE,
                      "replies": [{**REPLY_EXAMPLE, "relevance": 3, "flags": []}]}]},
    ]})
    request: RequestIn | None = None
    reply: ReplyIn | None = None
    relevance: int | None = Field(None, ge=0, le=3)
    flags: list[FlagCode] = Field(default_factory=list)
    lang: Lang | None = Field(None, description="Language of the request; guessed from its script when missing.")
    thread_id: Id | None = Field(None, description="Groups single examples into one thread (default: by request).")
    screening_id: Id | None = None
    reply_id: Id | None = None
    threads: list[ThreadIn] | None = None


class ExamplesOut(BaseModel):
    ids: list[str]
    created: int
    updated: int


class ExampleOut(BaseModel):
    id: str
    thread_id: str
    reply_id: str
    lang: str
    relevance: int
    flags: list[str]
    request: dict[str, Any]
    reply: dict[str, Any]
    screening_id: str | None
    source: str
    created_at: datetime
    updated_at: datetime


class ExampleList(BaseModel):
    items: list[ExampleOut]
    total: int
    limit: int
    offset: int
    since_active_model: int | None = Field(None, description="Labels created or changed after the active model was "
                                           "trained: what a retrain would add. None without an active model.")


# --- screenings (review UI) ----------------------------------------------------------------------------------

class ScreeningSummary(BaseModel):
    screening_id: str
    created_at: datetime
    model_version: str
    request_text: str
    n_replies: int
    n_labeled: int


class ScreeningList(BaseModel):
    items: list[ScreeningSummary]
    total: int
    limit: int
    offset: int


class ScreeningOut(BaseModel):
    screening_id: str
    created_at: datetime
    model_version: str
    request: dict[str, Any]
    replies: list[dict[str, Any]]
    results: list[dict[str, Any]]
    labels: list[ExampleOut]


# --- models and training -------------------------------------------------------------------------------------

class ModelOut(BaseModel):
    version: str
    created_at: datetime | None
    registered_at: datetime
    metrics: dict[str, Any]
    encoder: str | None = None
    data_fingerprint: str | None = None
    active: bool
    source: str
    job_id: str | None = None


class ModelList(BaseModel):
    active: str | None
    loaded: str | None = Field(None, description="Version this worker is serving right now.")
    models: list[ModelOut]


class ActivateOut(BaseModel):
    active: str
    previous: str | None


class ExamplesDeleted(BaseModel):
    deleted: list[str] = Field(description="Ids of the labeled examples removed.")


class TrainIn(BaseModel):
    include_samples: bool = Field(True, description="Train on the sample threads (settings.samples_dir).")
    include_examples: bool = Field(True, description="Train on the labeled examples stored in the service.")
    activate: bool = Field(False, description="Activate the new model when training succeeds.")


class JobOut(BaseModel):
    job_id: str
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: float
    stage: str
    model_version: str | None
    error: str | None
    params: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


# --- operations ----------------------------------------------------------------------------------------------

class HealthOut(BaseModel):
    status: str


class ReadyOut(BaseModel):
    status: str
    model_version: str | None
    database: str


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorOut(BaseModel):
    """Every error response: `{"error": {"code", "message", "field"}}`."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"error": {"code": "too_many_replies", "message": "150 replies; the limit is 100.", "field": "replies"}}]})
    error: ErrorDetail


_ERROR_TEXT = {
    400: "Body is not JSON", 401: "Missing, unknown or revoked API key", 403: "The key lacks the scope",
    404: "Unknown id", 409: "Conflict", 413: "Too large: body, text, replies, attachments or pages",
    415: "Unsupported attachment type or corrupt file", 422: "Invalid body (the failing field is named)",
    429: "Rate limited (see Retry-After)", 503: "Model not loaded yet or database unavailable",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the error statuses an endpoint can answer."""
    return {code: {"model": ErrorOut, "description": _ERROR_TEXT.get(code, "Error")} for code in codes}

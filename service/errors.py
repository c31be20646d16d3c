"""Every error is JSON `{"error": {"code", "message", "field"}}` with a fitting status (api.md § Errors).

Handlers: our ApiError, Starlette/FastAPI HTTPException (404 unknown route, 405, ...), request validation
(422 with the failing field; 400 for a body that is not JSON at all), database outages (503) and a last
resort that logs the traceback and answers a JSON 500 (tests assert it never fires).
"""
from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("service.errors")

STATUS_CODES: dict[int, str] = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    406: "not_acceptable", 409: "conflict", 411: "length_required", 413: "too_large",
    415: "unsupported_media_type", 422: "invalid_body", 429: "rate_limited", 500: "internal_error",
    503: "unavailable",
}


class ApiError(StarletteHTTPException):
    """An error with a machine-readable code and the offending field (dotted path into the body)."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(status_code=status, detail=message, headers=headers)
        self.code = code
        self.message = message
        self.field = field


def error_body(code: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field, **extra}}


def error_response(status: int, code: str, message: str, field: str | None = None,
                   headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    return JSONResponse(error_body(code, message, field, **extra), status_code=status, headers=headers)


def loc_to_field(loc: tuple[Any, ...] | list[Any]) -> str | None:
    """('body', 'replies', 0, 'text') -> 'replies[0].text'."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or None


def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status_code, exc.code, exc.message, exc.field, headers=exc.headers)


def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = STATUS_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return error_response(exc.status_code, code, message, None, headers=exc.headers)


def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    first = errors[0] if errors else {"loc": (), "msg": "invalid request", "type": "invalid"}
    if first.get("type") == "json_invalid":
        return error_response(400, "invalid_json", f"Body is not valid JSON: {first.get('ctx', {}).get('error', '')}"
                              .rstrip(": "), None)
    details = [{"field": loc_to_field(e.get("loc", ())), "message": str(e.get("msg", "")), "type": e.get("type")}
               for e in errors[:20]]
    field = loc_to_field(first.get("loc", ()))
    message = str(first.get("msg", "invalid value"))
    if field:
        message = f"{field}: {message}"
    return error_response(422, "invalid_body", message, field, details=details)


def _database_error(_: Request, exc: Exception) -> JSONResponse:
    log.error("database error: %s", exc)
    return error_response(503, "database_unavailable", "The database is unavailable; try again shortly.",
                          headers={"Retry-After": "5"})


def _last_resort(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "Internal server error.")


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(OperationalError, _database_error)
    app.add_exception_handler(Exception, _last_resort)

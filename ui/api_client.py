"""Thin HTTP client for the ReplyScreen service.

The UI reaches the engine only through this client. Every failure becomes one of two typed
errors, so pages can show a message a non-engineer understands instead of a traceback:
`ServiceDown` (nothing answered) and `ApiError` (the service answered with an error).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = ["ApiClient", "ApiClientError", "ApiError", "ServiceDown"]


class ApiClientError(Exception):
    """Base of everything the client raises."""


class ServiceDown(ApiClientError):
    """The service could not be reached (refused, DNS, timeout)."""

    def __init__(self, url: str, reason: str, timeout: bool = False) -> None:
        super().__init__(f"service at {url} unreachable: {reason}")
        self.url = url
        self.reason = reason
        self.timeout = timeout


class ApiError(ApiClientError):
    """The service answered with a non-2xx status; fields mirror api.md's error body."""

    def __init__(self, code: str, message: str, status: int, field: str | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.field = field


@dataclass(frozen=True)
class Timeouts:
    """Connect fast (a down service should be reported at once), read slowly (big screenings)."""

    connect: float = 3.0
    read: float = 120.0


class ApiClient:
    """One keep-alive connection pool per (url, key); cached by the app with st.cache_resource."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        timeouts: Timeouts = Timeouts(),
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"Accept": "application/json", "User-Agent": "replyscreen-ui"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeouts.read, connect=timeouts.connect),
            transport=transport,
        )

    # ------------------------------------------------------------------ plumbing
    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> Any:
        """Send one request; return parsed JSON (or text for non-JSON 2xx); raise typed errors."""
        kwargs: dict[str, Any] = {"params": params, "headers": headers}
        if json_body is not None:
            kwargs["json"] = json_body
        if timeout is not None:
            kwargs["timeout"] = httpx.Timeout(timeout, connect=min(timeout, 3.0))
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise ServiceDown(self.base_url, type(exc).__name__, timeout=True) from exc
        except httpx.TransportError as exc:  # refused, DNS, reset, protocol garbage
            raise ServiceDown(self.base_url, type(exc).__name__) from exc
        if response.is_success:
            if not response.content:
                return None
            ctype = response.headers.get("content-type", "")
            if "json" in ctype:
                try:
                    return response.json()
                except ValueError as exc:
                    raise ApiError("bad_response", "The service sent malformed JSON.", response.status_code) from exc
            return response.text
        raise _error_from(response)

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------------ endpoints
    def health(self) -> Any:
        """`GET /healthz` with a short timeout: used for the sidebar status light."""
        return self.request("GET", "/healthz", timeout=2.0)

    def ready(self) -> Any:
        """`GET /readyz`: model loaded and database reachable."""
        return self.request("GET", "/readyz", timeout=3.0)

    def screen(self, request: dict[str, Any], replies: list[dict[str, Any]]) -> dict[str, Any]:
        return self.request("POST", "/v1/screen", json_body={"request": request, "replies": replies})

    def check(self, request: dict[str, Any], draft: dict[str, Any]) -> dict[str, Any]:
        return self.request("POST", "/v1/check", json_body={"request": request, "draft": draft})

    def add_example(
        self,
        request: dict[str, Any],
        reply: dict[str, Any],
        relevance: int,
        flags: list[str],
        idempotency_key: str | None = None,
    ) -> Any:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        body = {"request": request, "reply": reply, "relevance": relevance, "flags": flags}
        return self.request("POST", "/v1/examples", json_body=body, headers=headers)

    def label_reply(
        self,
        screening_id: str,
        reply_id: str,
        relevance: int,
        flags: list[str],
        idempotency_key: str | None = None,
    ) -> Any:
        """Label one reply of a stored screening; the service takes request and reply from storage."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        body = {"screening_id": screening_id, "reply_id": reply_id, "relevance": relevance, "flags": flags}
        return self.request("POST", "/v1/examples", json_body=body, headers=headers)

    def list_examples(self, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", "/v1/examples", params=params)

    def screenings(self, params: dict[str, Any] | None = None) -> Any:
        """Stored screenings, newest first (`{"items", "total", "limit", "offset"}`)."""
        return self.request("GET", "/v1/screenings", params=params)

    def screening(self, screening_id: str) -> Any:
        return self.request("GET", f"/v1/screenings/{screening_id}")

    def train(self, include_samples: bool = True, include_examples: bool = True, activate: bool = False) -> Any:
        body = {"include_samples": include_samples, "include_examples": include_examples, "activate": activate}
        return self.request("POST", "/v1/models/train", json_body=body)

    def job(self, job_id: str) -> Any:
        return self.request("GET", f"/v1/models/jobs/{job_id}")

    def models(self) -> Any:
        return self.request("GET", "/v1/models")

    def activate(self, version: str) -> Any:
        return self.request("POST", f"/v1/models/{version}/activate", json_body={})


def _error_from(response: httpx.Response) -> ApiError:
    """api.md errors are `{"error": {"code", "message", "field"}}`; tolerate anything else."""
    status = response.status_code
    code, message, field = f"http_{status}", "", None
    try:
        body = response.json()
    except (ValueError, json.JSONDecodeError):
        body = None
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            code = str(err.get("code") or code)
            message = str(err.get("message") or "")
            field = err.get("field") if isinstance(err.get("field"), str) else None
        elif isinstance(body.get("detail"), str):  # bare FastAPI/Starlette errors
            message = body["detail"]
    if not message:
        message = response.reason_phrase or f"HTTP {status}"
    # Never let a server-side stack trace through to the page.
    if "Traceback (most recent call last)" in message:
        message = response.reason_phrase or f"HTTP {status}"
    return ApiError(code, message[:500], status, field)

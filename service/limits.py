"""Configurable limits → 413, unreadable attachments → 415, bad base64 → 422 (all JSON errors).

Body size is enforced by an ASGI middleware before anything parses the body: a Content-Length over the limit is
refused at once, and a body streamed without one (chunked) is counted as it arrives. Text length, reply and
attachment counts, attachment bytes and pages are checked on the parsed body. Attachments sent as files are
decoded and extracted HERE, before scoring, so the client gets 413/415 instead of a screening with errors; the
engine then receives the extracted pages and never parses a file twice.
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from replyscreen.settings import Settings
from service.errors import ApiError, error_body
from service.schemas import AttachmentIn, ReplyIn, RequestIn


class BodyTooLarge(ApiError):
    def __init__(self, limit: int):
        super().__init__(413, "body_too_large", f"Request body exceeds {limit} bytes.")


class BodySizeLimitMiddleware:
    """Refuse bodies over `max_bytes` with 413, by Content-Length and by counting streamed bytes."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _send_json(send, 400, error_body("bad_request", "Invalid Content-Length header."))
                    return
                if declared > self.max_bytes:
                    await _send_json(send, 413, error_body("body_too_large",
                                                           f"Request body exceeds {self.max_bytes} bytes."))
                    return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)  # an HTTPException: FastAPI re-raises it to our handler
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge as exc:  # raised outside a route (e.g. while no handler caught it)
            if not started:
                await _send_json(send, 413, error_body(exc.code, exc.message))


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    payload = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": payload})


# --- limits on the parsed body -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Limits:
    max_text_chars: int
    max_replies: int
    max_attachments: int
    max_attachment_bytes: int
    max_attachment_pages: int

    @classmethod
    def from_settings(cls, settings: Settings) -> "Limits":
        return cls(settings.max_text_chars, settings.max_replies, settings.max_attachments,
                   settings.max_attachment_bytes, settings.max_attachment_pages)


@dataclass(frozen=True)
class Pages:
    """An attachment reduced to what we store and score: its name and page texts."""

    filename: str
    pages: tuple[str, ...]


def check_text(text: str | None, field: str, limits: Limits) -> None:
    if text is not None and len(text) > limits.max_text_chars:
        raise ApiError(413, "text_too_long", f"{field} has {len(text)} characters; the limit is "
                       f"{limits.max_text_chars}.", field)


def check_request(request: RequestIn, field: str, limits: Limits) -> None:
    check_text(request.text, f"{field}.text", limits)
    check_text(request.author, f"{field}.author", limits)


def check_replies_count(n: int, field: str, limits: Limits) -> None:
    if n > limits.max_replies:
        raise ApiError(413, "too_many_replies", f"{n} replies; the limit is {limits.max_replies}.", field)


def prepare_reply(reply: ReplyIn, field: str, limits: Limits) -> list[Pages]:
    """Check one reply's limits and turn its attachments into pages (413/415/422 on violations)."""
    check_text(reply.text, f"{field}.text", limits)
    check_text(reply.author, f"{field}.author", limits)
    if len(reply.attachments) > limits.max_attachments:
        raise ApiError(413, "too_many_attachments", f"{len(reply.attachments)} attachments; the limit is "
                       f"{limits.max_attachments}.", f"{field}.attachments")
    return [prepare_attachment(att, f"{field}.attachments[{i}]", limits) for i, att in enumerate(reply.attachments)]


def prepare_attachment(att: AttachmentIn, field: str, limits: Limits) -> Pages:
    if att.pages is not None:
        if len(att.pages) > limits.max_attachment_pages:
            raise ApiError(413, "too_many_pages", f"{att.filename}: {len(att.pages)} pages; the limit is "
                           f"{limits.max_attachment_pages}.", f"{field}.pages")
        for j, page in enumerate(att.pages):
            check_text(page, f"{field}.pages[{j}]", limits)
        return Pages(att.filename, tuple(att.pages))
    content = decode_base64(att.content_base64 or "", f"{field}.content_base64", limits)
    return Pages(att.filename, tuple(extract(att.filename, content, field, limits)))


def decode_base64(data: str, field: str, limits: Limits) -> bytes:
    compact = "".join(data.split())
    if len(compact) // 4 * 3 > limits.max_attachment_bytes + 3:
        raise ApiError(413, "attachment_too_large", f"Attachment exceeds {limits.max_attachment_bytes} bytes.", field)
    try:
        content = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ApiError(422, "invalid_base64", f"content_base64 is not valid base64: {exc}", field) from exc
    if len(content) > limits.max_attachment_bytes:
        raise ApiError(413, "attachment_too_large", f"Attachment has {len(content)} bytes; the limit is "
                       f"{limits.max_attachment_bytes}.", field)
    return content


_ATTACHMENT_STATUS = {"unsupported_type": 415, "corrupt_file": 415, "too_large": 413, "too_many_pages": 413}


def extract(filename: str, content: bytes, field: str, limits: Limits) -> list[str]:
    """model.attachments.extract_pages with the configured limits; its errors become 413/415."""
    try:
        from model.attachments import AttachmentError, AttachmentLimits, extract_pages
    except ImportError as exc:
        raise ApiError(503, "attachments_unavailable", "Attachment extraction is not available yet.", field) from exc
    try:
        pages = extract_pages(filename, content, AttachmentLimits(max_bytes=limits.max_attachment_bytes,
                                                                  max_pages=limits.max_attachment_pages))
    except AttachmentError as exc:
        code = str(getattr(exc, "code", "corrupt_file"))
        message = str(getattr(exc, "message", "") or exc)
        raise ApiError(_ATTACHMENT_STATUS.get(code, 415), code, f"{filename}: {message}", field) from exc
    except Exception as exc:  # a parser bug on a hostile file is still the file's fault: 415, not 500
        raise ApiError(415, "corrupt_file", f"{filename}: the file could not be read ({type(exc).__name__}).",
                       field) from exc
    if len(pages) > limits.max_attachment_pages:
        raise ApiError(413, "too_many_pages", f"{filename}: {len(pages)} pages; the limit is "
                       f"{limits.max_attachment_pages}.", field)
    return list(pages)

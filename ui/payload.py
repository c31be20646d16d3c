"""Build api.md request bodies from what the user typed; validate before the network.

Pure functions (no Streamlit) so they are unit-tested directly. The service stays the authority
on limits; these checks only catch the obvious early with a friendlier message.
"""
from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import PurePath
from typing import Any

ALLOWED_EXTENSIONS: tuple[str, ...] = ("pdf", "pptx", "docx", "txt", "md")
UPLOAD_TYPES: list[str] = list(ALLOWED_EXTENSIONS)
MAX_FILE_MB = 10


@dataclass
class ReplyDraft:
    """One reply as edited in the UI (files are raw bytes until the payload is built)."""

    uid: str
    text: str = ""
    author: str | None = None
    sent_at: datetime | None = None
    files: list[tuple[str, bytes]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.text.strip() and not self.files


def iso(value: datetime | None) -> str | None:
    """Naive local times are sent as-is; the service reads both request and replies the same way."""
    return None if value is None else value.replace(microsecond=0).isoformat()


def combine(day: date | None, moment: time | None) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day, moment or time(0, 0))


def file_problem(name: str, size: int) -> str | None:
    """'bad_type' | 'too_big' | None — checked client-side so the user learns at upload time."""
    ext = PurePath(name).suffix.lower().lstrip(".")
    if ext not in ALLOWED_EXTENSIONS:
        return "bad_type"
    if size > MAX_FILE_MB * 1024 * 1024:
        return "too_big"
    return None


def build_request(text: str, closed_at: datetime | None = None, author: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"text": text.strip()}
    if author and author.strip():
        body["author"] = author.strip()
    if closed_at is not None:
        body["closed_at"] = iso(closed_at)
    return body


def build_reply(draft: ReplyDraft, reply_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"text": draft.text.strip()}
    if reply_id:
        body["id"] = reply_id
    if draft.author and draft.author.strip():
        body["author"] = draft.author.strip()
    if draft.sent_at is not None:
        body["sent_at"] = iso(draft.sent_at)
    if draft.files:
        body["attachments"] = [
            {"filename": name, "content_base64": base64.b64encode(content).decode("ascii")}
            for name, content in draft.files
        ]
    return body


def build_screen(
    request_text: str, closed_at: datetime | None, drafts: list[ReplyDraft]
) -> tuple[dict[str, Any], list[dict[str, Any]], int]:
    """(request, replies, skipped_empty). Reply ids are r1, r2… in list order so cards map back."""
    request = build_request(request_text, closed_at)
    replies: list[dict[str, Any]] = []
    skipped = 0
    for draft in drafts:
        if draft.is_empty:
            skipped += 1
            continue
        replies.append(build_reply(draft, reply_id=f"r{len(replies) + 1}"))
    return request, replies, skipped


def strip_content(reply: dict[str, Any]) -> dict[str, Any]:
    """Copy of a reply without base64 payloads: kept in session/exports, file names only."""
    out = {k: v for k, v in reply.items() if k != "attachments"}
    if reply.get("attachments"):
        out["attachments"] = [
            {k: v for k, v in att.items() if k != "content_base64"} for att in reply["attachments"]
        ]
    return out


def fingerprint(*parts: Any) -> str:
    """Stable short hash: detects stale results and makes label saves idempotent."""
    raw = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]

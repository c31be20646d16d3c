"""Plain data shapes shared by the scoring core and its shells (mirrors ../shared/spec)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

FLAG_CODES: tuple[str, ...] = (
    "no_greeting",
    "bare_link",
    "off_topic",
    "deck_without_context",
    "lead_begging",
    "late_reply",
    "generic_pitch",
)
LANGUAGES: tuple[str, ...] = ("ru", "en", "ar")


@dataclass(frozen=True)
class Attachment:
    """A file on a reply: either raw bytes (`content`) or already-extracted `pages`."""

    filename: str
    pages: tuple[str, ...] | None = None
    content: bytes | None = None


@dataclass(frozen=True)
class Request:
    text: str
    author: str | None = None
    posted_at: datetime | None = None
    closed_at: datetime | None = None


@dataclass(frozen=True)
class Reply:
    text: str = ""
    id: str | None = None
    sent_at: datetime | None = None
    author: str | None = None
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class LabeledReply:
    reply: Reply
    relevance: int
    flags: frozenset[str]


@dataclass(frozen=True)
class Thread:
    """One lead request with its replies; labels present for training/evaluation data."""

    id: str
    lang: str
    request: Request
    replies: tuple[Reply, ...]
    relevance: tuple[int, ...] | None = None
    flags: tuple[frozenset[str], ...] | None = None

    @property
    def labeled(self) -> bool:
        return self.relevance is not None


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 → aware datetime; 'Z' accepted. Raises ValueError on garbage."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    text = str(value).strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        from datetime import timezone

        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed

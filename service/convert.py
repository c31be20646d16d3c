"""Between API bodies, engine types (model.types) and the stored JSON form (data-format.md shapes)."""
from __future__ import annotations

import re
from typing import Any

from model.types import Attachment, Reply, Request
from service.errors import ApiError
from service.limits import Pages
from service.schemas import ReplyIn, RequestIn


def iso(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def request_dict(req: RequestIn) -> dict[str, Any]:
    return {"text": req.text, "author": req.author, "posted_at": iso(req.posted_at), "closed_at": iso(req.closed_at)}


def reply_dict(reply: ReplyIn, reply_id: str, pages: list[Pages]) -> dict[str, Any]:
    return {"id": reply_id, "text": reply.text, "sent_at": iso(reply.sent_at), "author": reply.author,
            "attachments": [{"filename": p.filename, "pages": list(p.pages)} for p in pages]}


def to_request(req: RequestIn) -> Request:
    return Request(text=req.text, author=req.author, posted_at=req.posted_at, closed_at=req.closed_at)


def to_reply(reply: ReplyIn, reply_id: str, pages: list[Pages]) -> Reply:
    return Reply(text=reply.text, id=reply_id, sent_at=reply.sent_at, author=reply.author,
                 attachments=tuple(Attachment(filename=p.filename, pages=p.pages) for p in pages))


def assign_ids(replies: list[ReplyIn], field: str = "replies") -> list[str]:
    """Client ids kept; missing ones become r1, r2, ... (skipping taken ones). Duplicates → 422."""
    given = [r.id for r in replies]
    seen: set[str] = set()
    for i, rid in enumerate(given):
        if rid is not None:
            if rid in seen:
                raise ApiError(422, "duplicate_id", f"Reply id {rid!r} appears twice.", f"{field}[{i}].id")
            seen.add(rid)
    out: list[str] = []
    n = 0
    for rid in given:
        if rid is None:
            n += 1
            while f"r{n}" in seen:
                n += 1
            rid = f"r{n}"
            seen.add(rid)
        out.append(rid)
    return out


_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F]")


def guess_lang(text: str) -> str:
    """Thread language for labels sent without one: by script (the request language of data-format.md)."""
    cyr, ara = len(_CYRILLIC.findall(text)), len(_ARABIC.findall(text))
    if max(cyr, ara) == 0:
        return "en"
    return "ru" if cyr >= ara else "ar"


def jsonable(value: Any) -> Any:
    """Engine output as plain JSON types (numpy scalars and arrays, tuples, sets → Python)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "tolist"):
        return jsonable(value.tolist())
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)

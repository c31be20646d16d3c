"""Labeled JSONL threads (../shared/spec/data-format.md): load with precise errors, write, fingerprint."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterable

from model.types import FLAG_CODES, LANGUAGES, Attachment, Reply, Request, Thread, parse_time


class DatasetError(ValueError):
    """A thread file is not in the data format; the message names the file, line and field."""


def _fail(where: str, message: str) -> DatasetError:
    return DatasetError(f"{where}: {message}")


def thread_from_dict(data: Any, where: str = "thread", require_labels: bool = False) -> Thread:
    if not isinstance(data, dict):
        raise _fail(where, "a thread must be a JSON object")
    thread_id = data.get("id")
    if not isinstance(thread_id, str) or not thread_id:
        raise _fail(where, "'id' must be a non-empty string")
    lang = data.get("lang", "ru")
    if lang not in LANGUAGES:
        raise _fail(where, f"'lang' must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    raw_request = data.get("request")
    if not isinstance(raw_request, dict) or not isinstance(raw_request.get("text"), str) \
            or not raw_request["text"].strip():
        raise _fail(where, "'request.text' is required and must be a non-empty string")
    try:
        request = Request(text=raw_request["text"], author=raw_request.get("author"),
                          posted_at=parse_time(raw_request.get("posted_at")),
                          closed_at=parse_time(raw_request.get("closed_at")))
    except (ValueError, TypeError) as error:
        raise _fail(where, f"bad request timestamp: {error}") from error
    raw_replies = data.get("replies")
    if not isinstance(raw_replies, list):
        raise _fail(where, "'replies' must be a list")
    replies, grades, flags = [], [], []
    labeled = None
    for index, raw in enumerate(raw_replies):
        at = f"{where}, replies[{index}]"
        if not isinstance(raw, dict):
            raise _fail(at, "a reply must be an object")
        text = raw.get("text", "")
        if not isinstance(text, str):
            raise _fail(at, "'text' must be a string")
        attachments = []
        for a_index, raw_attachment in enumerate(raw.get("attachments") or []):
            if not isinstance(raw_attachment, dict) or not isinstance(raw_attachment.get("filename"), str) \
                    or not isinstance(raw_attachment.get("pages"), list) \
                    or not all(isinstance(p, str) for p in raw_attachment["pages"]):
                raise _fail(f"{at}, attachments[{a_index}]", "needs 'filename' and 'pages' (list of strings)")
            attachments.append(Attachment(raw_attachment["filename"], tuple(raw_attachment["pages"])))
        try:
            sent_at = parse_time(raw.get("sent_at"))
        except (ValueError, TypeError) as error:
            raise _fail(at, f"bad 'sent_at': {error}") from error
        replies.append(Reply(text=text, id=raw.get("id") or f"{thread_id}r{index + 1}", sent_at=sent_at,
                             author=raw.get("author"), attachments=tuple(attachments)))
        has_labels = "relevance" in raw
        if labeled is None:
            labeled = has_labels
        elif labeled != has_labels:
            raise _fail(at, "either every reply of a thread is labeled or none is")
        if has_labels:
            grade = raw["relevance"]
            if not isinstance(grade, int) or isinstance(grade, bool) or not 0 <= grade <= 3:
                raise _fail(at, f"'relevance' must be an integer 0-3, got {grade!r}")
            codes = raw.get("flags") or []
            unknown = [c for c in codes if c not in FLAG_CODES]
            if unknown:
                raise _fail(at, f"unknown flag codes {unknown}; allowed: {', '.join(FLAG_CODES)}")
            grades.append(grade)
            flags.append(frozenset(codes))
    if require_labels and not labeled:
        raise _fail(where, "labels ('relevance', 'flags') are required here")
    return Thread(id=thread_id, lang=lang, request=request, replies=tuple(replies),
                  relevance=tuple(grades) if labeled else None, flags=tuple(flags) if labeled else None)


def _files(path: Path) -> list[Path]:
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*.jsonl"))
        if not files:
            raise DatasetError(f"{path}: no *.jsonl files in this directory")
        return files
    if not path.exists():
        raise DatasetError(f"{path}: no such file or directory")
    return [path]


def load_threads(path: Path, require_labels: bool = False) -> list[Thread]:
    """Read a JSONL file or every *.jsonl in a directory; ids must be unique across all of them."""
    threads: list[Thread] = []
    seen_threads: set[str] = set()
    seen_replies: set[str] = set()
    for file in _files(path):
        with file.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                where = f"{file}:{number}"
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as error:
                    raise _fail(where, f"not valid JSON ({error.msg} at column {error.colno})") from error
                thread = thread_from_dict(data, where, require_labels)
                if thread.id in seen_threads:
                    raise _fail(where, f"duplicate thread id {thread.id!r}")
                seen_threads.add(thread.id)
                for reply in thread.replies:
                    if reply.id in seen_replies:
                        raise _fail(where, f"duplicate reply id {reply.id!r}")
                    seen_replies.add(reply.id)
                threads.append(thread)
    if not threads:
        raise DatasetError(f"{path}: no threads found")
    return threads


def _time(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def thread_to_dict(thread: Thread) -> dict:
    replies = []
    for index, reply in enumerate(thread.replies):
        item: dict[str, Any] = {"id": reply.id, "sent_at": _time(reply.sent_at), "text": reply.text}
        if reply.author:
            item["author"] = reply.author
        if reply.attachments:
            item["attachments"] = [{"filename": a.filename, "pages": list(a.pages or ())} for a in reply.attachments]
        if thread.labeled:
            item["relevance"] = thread.relevance[index]
            item["flags"] = sorted(thread.flags[index], key=FLAG_CODES.index)
        replies.append(item)
    request = thread.request
    return {"id": thread.id, "lang": thread.lang,
            "request": {"author": request.author, "text": request.text, "posted_at": _time(request.posted_at),
                        "closed_at": _time(request.closed_at)},
            "replies": replies}


def write_threads(threads: Iterable[Thread], path: Path) -> None:
    with Path(path).open("w", encoding="utf-8") as handle:
        for thread in threads:
            handle.write(json.dumps(thread_to_dict(thread), ensure_ascii=False) + "\n")


def fingerprint(threads: Iterable[Thread]) -> str:
    """Content hash of the labeled data, independent of file layout and key order."""
    digest = hashlib.sha256()
    for thread in sorted(threads, key=lambda t: t.id):
        digest.update(json.dumps(thread_to_dict(thread), ensure_ascii=False, sort_keys=True).encode("utf-8"))
    return digest.hexdigest()

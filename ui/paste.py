"""Split a pasted block of several replies into separate replies.

Requesters copy replies out of Telegram or e-mail, so the splitter understands, in order of
precedence:
1. Telegram-desktop copy/export headers — a line ``Name, [02.03.2026 10:14]`` (or
   ``[02.03.2026 10:14] Name:``) starts a new reply and gives its author and time;
2. separator lines made of ``---`` / ``***`` / ``___`` / ``===`` (three or more);
3. blank lines — two or more in a row when the paste uses them (so single blank lines inside a
   reply survive), otherwise one.
A block that is only a signature ("— Иван, ООО Альфа", "С уважением, …") is glued back to the
reply above it, because a signature is never a reply of its own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

__all__ = ["PastedReply", "format_time", "parse_time_input", "split_replies"]


@dataclass(frozen=True)
class PastedReply:
    text: str
    author: str | None = None
    sent_at: datetime | None = None


_DATE = r"(?P<date>\d{1,2}\.\d{1,2}\.\d{2,4})"
_TIME = r"(?P<time>\d{1,2}:\d{2}(?::\d{2})?)"
# "Name, [02.03.2026 10:14]" — name may itself contain commas; take up to the last ", [".
_HEADER_NAME_FIRST = re.compile(rf"^(?P<name>\S.*?),\s*\[{_DATE}[ ,T]+{_TIME}\]\s*$")
# "[02.03.2026 10:14] Name:" optionally followed by the first line of the message.
_HEADER_TIME_FIRST = re.compile(rf"^\[{_DATE}[ ,T]+{_TIME}\]\s*(?P<name>[^:\n]{{1,80}}?):\s*(?P<rest>.*)$")
_SEPARATOR = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,}|={3,}|—{2,}|–{3,})\s*$")
_SIGNATURE_START = re.compile(
    r"^\s*(?:--\s*$|—|–\s|с уважением|best regards|kind regards|regards,|cheers,|"
    r"всего доброго|всего наилучшего|с наилучшими пожеланиями)",
    re.IGNORECASE,
)
_MAX_SIGNATURE_LINES = 5


def split_replies(text: str) -> list[PastedReply]:
    """Return the replies found in `text`, in order; empty or whitespace-only text gives []."""
    if not text or not text.strip():
        return []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if any(_header(line) for line in lines):
        return _split_by_headers(lines)
    if any(_SEPARATOR.match(line) for line in lines):
        return _clean(_split_on(lines, lambda line: bool(_SEPARATOR.match(line))))
    return _split_by_blank_lines(lines)


# ---------------------------------------------------------------------------- helpers
def _header(line: str) -> tuple[str, datetime | None, str] | None:
    """(author, time, rest-of-line) when `line` is a chat header."""
    stripped = line.strip()
    if len(stripped) > 200:
        return None
    m = _HEADER_NAME_FIRST.match(stripped)
    if m:
        return m.group("name").strip(), _parse_time(m.group("date"), m.group("time")), ""
    m = _HEADER_TIME_FIRST.match(stripped)
    if m:
        return m.group("name").strip(), _parse_time(m.group("date"), m.group("time")), m.group("rest")
    return None


def _parse_time(date: str, time: str) -> datetime | None:
    day, month, year = (int(p) for p in date.split("."))
    if year < 100:
        year += 2000
    parts = [int(p) for p in time.split(":")]
    try:
        return datetime(year, month, day, parts[0], parts[1], parts[2] if len(parts) > 2 else 0)
    except ValueError:  # 31.02 and friends: keep the reply, drop the time
        return None


_TIME_INPUT = re.compile(rf"^\s*{_DATE}(?:[ ,T]+{_TIME})?\s*$")


def parse_time_input(text: str) -> datetime | None:
    """'02.03.2026 10:14' (time optional) → datetime; ValueError when it is not a valid time."""
    if not text or not text.strip():
        return None
    m = _TIME_INPUT.match(text)
    if not m:
        raise ValueError(text)
    parsed = _parse_time(m.group("date"), m.group("time") or "00:00")
    if parsed is None:
        raise ValueError(text)
    return parsed


def format_time(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%d.%m.%Y %H:%M")


def _split_by_headers(lines: list[str]) -> list[PastedReply]:
    replies: list[PastedReply] = []
    author: str | None = None
    sent_at: datetime | None = None
    body: list[str] = []

    def flush() -> None:
        block = _strip_separators("\n".join(body)).strip()
        if block:
            replies.append(PastedReply(block, author, sent_at))

    for line in lines:
        header = _header(line)
        if header is None:
            body.append(line)
            continue
        flush()
        author, sent_at, rest = header
        body = [rest] if rest else []
    flush()
    return replies


def _strip_separators(block: str) -> str:
    return "\n".join(line for line in block.split("\n") if not _SEPARATOR.match(line))


def _split_on(lines: list[str], is_boundary) -> list[str]:  # type: ignore[no-untyped-def]
    blocks: list[str] = []
    current: list[str] = []
    for line in lines:
        if is_boundary(line):
            blocks.append("\n".join(current))
            current = []
        else:
            current.append(line)
    blocks.append("\n".join(current))
    return blocks


def _split_by_blank_lines(lines: list[str]) -> list[PastedReply]:
    """Use runs of ≥2 blank lines as boundaries if the paste has any, else single blank lines."""
    blank = [not line.strip() for line in lines]
    runs: list[tuple[int, int]] = []  # (start, length) of blank runs between content
    i = 0
    while i < len(lines):
        if blank[i]:
            j = i
            while j < len(lines) and blank[j]:
                j += 1
            if i > 0 and j < len(lines):  # only runs between two content lines
                runs.append((i, j - i))
            i = j
        else:
            i += 1
    min_run = 2 if any(length >= 2 for _, length in runs) else 1
    boundaries = {start for start, length in runs if length >= min_run}
    blocks: list[str] = []
    current: list[str] = []
    for index, line in enumerate(lines):
        if index in boundaries:
            blocks.append("\n".join(current))
            current = []
        current.append(line)
    blocks.append("\n".join(current))
    return _clean(blocks)


def _is_signature(block: str) -> bool:
    lines = [line for line in block.strip().split("\n") if line.strip()]
    return bool(lines) and len(lines) <= _MAX_SIGNATURE_LINES and bool(_SIGNATURE_START.match(lines[0]))


def _clean(blocks: list[str]) -> list[PastedReply]:
    """Strip blocks, drop empty ones, glue signature-only blocks to the reply above."""
    texts: list[str] = []
    for raw in blocks:
        block = raw.strip("\n").strip()
        if not block:
            continue
        if texts and _is_signature(block):
            texts[-1] = f"{texts[-1]}\n\n{block}"
        else:
            texts.append(block)
    return [PastedReply(text) for text in texts]

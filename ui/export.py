"""Export a ranking as CSV (for spreadsheets) or JSON (for machines).

CSV is UTF-8 with a BOM so Excel opens Cyrillic correctly, and text cells that start with
a formula character are prefixed with an apostrophe: pasted replies are untrusted and must not
become spreadsheet formulas (CSV injection).
"""
from __future__ import annotations

import csv
import io
import json
from typing import Any

from ui.i18n import flag_label
from ui.payload import strip_content

CSV_COLUMNS: tuple[str, ...] = (
    "rank",
    "id",
    "score",
    "grade",
    "relevant",
    "flags",
    "flag_labels",
    "flag_messages",
    "author",
    "sent_at",
    "attachments",
    "text",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def ranking_rows(results: list[dict[str, Any]], replies: dict[str, dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """One flat row per result in rank order; `replies` maps reply id → the reply sent."""
    rows: list[dict[str, Any]] = []
    for result in sorted(results, key=lambda r: (r.get("rank") is None, r.get("rank") or 0)):
        reply = replies.get(str(result.get("id")), {})
        flags = [f for f in result.get("flags") or [] if isinstance(f, dict)]
        rows.append(
            {
                "rank": result.get("rank"),
                "id": result.get("id"),
                "score": round(float(result.get("score") or 0.0), 4),
                "grade": result.get("grade"),
                "relevant": bool(result.get("relevant")),
                "flags": ";".join(str(f.get("code")) for f in flags),
                "flag_labels": "; ".join(flag_label(str(f.get("code")), lang) for f in flags),
                "flag_messages": " | ".join(str(f.get("message") or "") for f in flags),
                "author": reply.get("author") or "",
                "sent_at": reply.get("sent_at") or "",
                "attachments": ";".join(
                    str(a.get("filename")) for a in reply.get("attachments") or [] if isinstance(a, dict)
                ),
                "text": reply.get("text") or "",
            }
        )
    return rows


def _safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(CSV_COLUMNS), extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _safe_cell(v) for k, v in row.items()})
    return buffer.getvalue().encode("utf-8-sig")


def to_json(
    request: dict[str, Any],
    replies: list[dict[str, Any]],
    response: dict[str, Any],
) -> bytes:
    """The whole screening: request, replies as sent (no file bytes) and the service's answer."""
    by_id = {str(r.get("id")): strip_content(r) for r in replies}
    results = [
        dict(result, reply=by_id.get(str(result.get("id")), {}))
        for result in sorted(response.get("results") or [], key=lambda r: r.get("rank") or 0)
    ]
    document = {
        "screening_id": response.get("screening_id"),
        "model_version": response.get("model_version"),
        "request": request,
        "results": results,
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")

"""Ranking export (ui/export.py): CSV for spreadsheets, JSON for machines."""
from __future__ import annotations

import csv
import io
import json

from ui.export import CSV_COLUMNS, ranking_rows, to_csv, to_json

REQUEST = {"text": "Коллеги, нужен подрядчик: приложение для курьерской службы"}
REPLIES = [
    {"id": "r1", "text": "дайте лид", "author": "Пётр"},
    {
        "id": "r2",
        "text": "Елена, добрый день! Делали приложение для курьеров «Быстрее»; доставка −18 %.",
        "sent_at": "2026-03-02T10:14:00",
        "attachments": [{"filename": "case.pdf", "content_base64": "JVBERi0xLjQK"}],
    },
    {"id": "r3", "text": "=HYPERLINK(\"http://evil\")", "author": "@mallory"},
]
RESPONSE = {
    "screening_id": "scr_1",
    "model_version": "v1",
    "results": [
        {"id": "r3", "rank": 3, "score": 0.01, "relevant": False, "grade": 0, "flags": []},
        {"id": "r2", "rank": 1, "score": 0.912345, "relevant": True, "grade": 3, "flags": [], "evidence": []},
        {
            "id": "r1",
            "rank": 2,
            "score": 0.05,
            "relevant": False,
            "grade": 0,
            "flags": [
                {"code": "lead_begging", "message": "Просит лид", "evidence": []},
                {"code": "no_greeting", "message": "Нет приветствия", "evidence": []},
            ],
        },
    ],
}


def rows(lang: str = "ru") -> list[dict]:
    return ranking_rows(RESPONSE["results"], {r["id"]: r for r in REPLIES}, lang)


def test_rows_in_rank_order_with_readable_flags() -> None:
    out = rows("en")
    assert [r["id"] for r in out] == ["r2", "r1", "r3"]
    assert out[0]["score"] == 0.9123 and out[0]["relevant"] is True and out[0]["attachments"] == "case.pdf"
    assert out[1]["flags"] == "lead_begging;no_greeting"
    assert out[1]["flag_labels"] == "Lead begging; No greeting"
    assert out[1]["flag_messages"] == "Просит лид | Нет приветствия"


def test_csv_opens_in_excel_and_round_trips() -> None:
    data = to_csv(rows())
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8 Cyrillic correctly
    parsed = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(parsed[0]) == list(CSV_COLUMNS)
    assert parsed[0]["text"] == REPLIES[1]["text"]
    assert parsed[1]["flag_labels"] == "Просит лид; Нет приветствия"


def test_csv_neutralises_formulas() -> None:
    parsed = list(csv.DictReader(io.StringIO(to_csv(rows()).decode("utf-8-sig"))))
    assert parsed[2]["text"].startswith("'=HYPERLINK")
    assert parsed[2]["author"] == "'@mallory"
    assert parsed[0]["score"] == "0.9123"  # numbers we produce are untouched


def test_csv_with_no_results_has_header_only() -> None:
    assert to_csv([]).decode("utf-8-sig").strip() == ",".join(CSV_COLUMNS)


def test_json_has_everything_but_file_bytes() -> None:
    doc = json.loads(to_json(REQUEST, REPLIES, RESPONSE))
    assert doc["screening_id"] == "scr_1" and doc["model_version"] == "v1" and doc["request"] == REQUEST
    assert [r["rank"] for r in doc["results"]] == [1, 2, 3]
    first = doc["results"][0]
    assert first["reply"]["attachments"] == [{"filename": "case.pdf"}]
    assert "content_base64" not in json.dumps(doc)
    assert doc["results"][1]["flags"][0]["code"] == "lead_begging"


def test_json_is_utf8_not_escaped() -> None:
    assert "Коллеги".encode() in to_json(REQUEST, REPLIES, RESPONSE)

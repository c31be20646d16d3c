"""Request bodies built from UI input (ui/payload.py)."""
from __future__ import annotations

import base64
from datetime import date, datetime, time

from ui.payload import ReplyDraft, build_reply, build_request, build_screen, combine, file_problem, fingerprint, strip_content


def test_request_body_minimal_and_full() -> None:
    assert build_request("  текст  ") == {"text": "текст"}
    body = build_request("t", closed_at=datetime(2026, 3, 2, 12, 30, 5, 123), author=" Елена ")
    assert body == {"text": "t", "author": "Елена", "closed_at": "2026-03-02T12:30:05"}


def test_reply_with_files_is_base64() -> None:
    draft = ReplyDraft("u1", " hi ", author="A", sent_at=datetime(2026, 3, 2, 10, 14), files=[("c.pdf", b"%PDF-1.4")])
    body = build_reply(draft, reply_id="r1")
    assert body["id"] == "r1" and body["text"] == "hi" and body["author"] == "A"
    assert body["sent_at"] == "2026-03-02T10:14:00"
    assert base64.b64decode(body["attachments"][0]["content_base64"]) == b"%PDF-1.4"
    assert strip_content(body)["attachments"] == [{"filename": "c.pdf"}]
    assert "content_base64" in body["attachments"][0]  # strip_content copies, never mutates


def test_screen_skips_empty_and_numbers_in_order() -> None:
    drafts = [ReplyDraft("a", "one"), ReplyDraft("b", "  "), ReplyDraft("c", "", files=[("x.docx", b"PK")]), ReplyDraft("d", "two")]
    request, replies, skipped = build_screen("req", None, drafts)
    assert request == {"text": "req"}
    assert [r["id"] for r in replies] == ["r1", "r2", "r3"] and skipped == 1
    assert replies[1]["text"] == "" and replies[1]["attachments"][0]["filename"] == "x.docx"


def test_file_checks() -> None:
    assert file_problem("Deck.PPTX", 100) is None
    assert file_problem("notes.md", 1) is None
    assert file_problem("virus.exe", 1) == "bad_type"
    assert file_problem("noext", 1) == "bad_type"
    assert file_problem("big.pdf", 11 * 1024 * 1024) == "too_big"


def test_combine_and_fingerprint() -> None:
    assert combine(None, time(1, 2)) is None
    assert combine(date(2026, 1, 2), None) == datetime(2026, 1, 2, 0, 0)
    assert fingerprint("a", 1) == fingerprint("a", 1) != fingerprint("a", 2)

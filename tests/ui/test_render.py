"""Result cards (ui/render.py): evidence highlighting, and no injection from pasted text."""
from __future__ import annotations

import re

from ui.render import Mark, card_html, evidence_marks, find_span, highlight, score_bar, suggestions_html

TEXT = "Елена, добрый день! Мы делали приложение для курьерской службы «Быстрее»: трекинг, маршруты."
RESULT = {
    "id": "r1",
    "rank": 1,
    "score": 0.91,
    "relevant": True,
    "grade": 3,
    "flags": [],
    "evidence": [
        {"text": "Мы делали приложение для курьерской службы «Быстрее»", "source": "text", "score": 0.88},
        {"text": "Кейс: курьерское приложение, -18% времени", "source": "attachment", "attachment": "case.pdf", "page": 2},
    ],
}


def test_find_span_exact_then_whitespace_insensitive() -> None:
    assert find_span("a  b\nc", "b c") == (3, 6)
    assert find_span("Hello World", "hello   world") == (0, 11)
    assert find_span("abc", "") is None and find_span("abc", "zzz") is None


def test_highlight_escapes_everything() -> None:
    evil = '<script>alert(1)</script> & <img src=x onerror=alert(2)> "quoted"'
    out = highlight(evil, [Mark(0, 8, "flag", '"><b>')])
    assert "<script>" not in out and "<img" not in out
    assert "&lt;script&gt;" in out and "&amp;" in out and "&quot;quoted&quot;" in out
    assert 'title="&quot;&gt;&lt;b&gt;"' in out


def test_highlight_overlaps_flag_wins() -> None:
    out = highlight("abcdef", [Mark(0, 4, "ev"), Mark(2, 6, "flag", "F")])
    assert out == '<mark class="rs-m-ev" title="">ab</mark><mark class="rs-m-flag" title="F">cd</mark><mark class="rs-m-flag" title="F">ef</mark>'


def test_highlight_ignores_out_of_range_marks() -> None:
    assert highlight("abc", [Mark(2, 99, "ev"), Mark(-1, 1, "ev"), Mark(2, 2, "ev")]) == "abc"


def test_marks_from_offsets_and_text() -> None:
    result = dict(RESULT, flags=[{"code": "no_greeting", "message": "m", "evidence": [{"start": 0, "end": 5, "text": "Елена"}]}])
    marks = evidence_marks(TEXT, result, "ru")
    kinds = {(m.kind, TEXT[m.start:m.end]) for m in marks}
    assert ("flag", "Елена") in kinds
    assert ("ev", "Мы делали приложение для курьерской службы «Быстрее»") in kinds


def test_bad_offsets_fall_back_to_quoted_text() -> None:
    result = {"flags": [{"code": "bare_link", "evidence": [{"start": 500, "end": 600, "text": "трекинг"}]}]}
    (mark,) = evidence_marks(TEXT, result, "en")
    assert TEXT[mark.start:mark.end] == "трекинг"


def test_card_has_badges_messages_and_attachment_page() -> None:
    result = dict(RESULT, relevant=False, grade=0, rank=4, flags=[{"code": "lead_begging", "message": "Просит <лид>"}])
    html = card_html(result, {"text": TEXT, "author": "ООО <Ромашка>", "attachments": [{"filename": "case.pdf"}]}, "ru")
    assert 'data-testid="rs-card"' in html and 'data-rank="4"' in html and 'data-flags="lead_begging"' in html
    assert "Просит лид</span>" in html  # readable Russian badge
    assert "Просит &lt;лид&gt;" in html and "ООО &lt;Ромашка&gt;" in html
    assert "case.pdf · стр. 2" in html and "Прикреплено: case.pdf" in html and "Нерелевантен" in html and "0 — не подходит" in html
    assert "<mark" in html


def test_card_english_and_no_flags() -> None:
    html = card_html(RESULT, {"text": TEXT}, "en")
    assert "No problems found" in html and "Relevant" in html and "#1" in html and "p. 2" in html


def test_empty_reply_text_is_labelled() -> None:
    assert "(empty reply)" in card_html(dict(RESULT, evidence=[]), {"text": ""}, "en")


def test_score_bar_clamps() -> None:
    assert "width:100%" in score_bar(7) and "width:0%" in score_bar(-1) and "width:0%" in score_bar("x")
    assert re.search(r">0\.50<", score_bar(0.5))


def test_suggestions_escaped() -> None:
    html = suggestions_html([{"code": "no_greeting", "message": "Начните с <b>приветствия</b>"}, "junk"], "ru")
    assert "Нет приветствия:" in html and "&lt;b&gt;" in html and html.count("rs-suggestion") == 1


def test_md_escape_neutralises_labels() -> None:
    from ui.render import md_escape

    out = md_escape("see [site](javascript:alert(1)) **now** :material/home:\n https://x.ru a@b.ru www.y.ru")
    assert "\\[site\\]" in out and "\\*\\*now" in out
    assert ":material" not in out and "https:" not in out and "www." not in out and "a@b" not in out
    assert out.replace("\\", "").replace("\u2060", "") == (
        "see [site](javascript:alert(1)) **now** :material/home: https://x.ru a@b.ru www.y.ru"
    )

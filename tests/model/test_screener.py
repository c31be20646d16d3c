"""The screening engine end to end: api.md shapes, ranking, evidence, and hostile input."""
import io

import pytest

from model.types import Attachment, Reply, Request

REQUEST = Request(text="Коллеги, добрый день! Есть лид: курьерская служба хочет мобильное приложение для курьеров — "
                       "маршрутный лист, фотофиксация вручения, оплата через СБП, офлайн-режим. Нужны кейсы.",
                  author="Елена")
REPLIES = [
    Reply(id="lead", text="дайте лид"),
    Reply(id="good", text="Елена, добрый день! Делали приложение для курьеров службы доставки «ЭкспрессГрад»: "
                          "маршрут на день из TMS, фото и подпись получателя, оплата по QR СБП, полноценный "
                          "офлайн. Время закрытия заказа сократилось на 35%."),
    Reply(id="link", text="Добрый день! всё на сайте: https://prodvizhenie-plus.ru"),
    # another industry AND another type of work (docs/labeling.md): a mobile bank would be the same task
    Reply(id="offtopic", text="Здравствуйте! Провели SEO-продвижение сайта сети стоматологий «Улыбка»: органический "
                              "трафик +140% за полгода, 30 запросов в топ-3 Яндекса."),
]


def test_results_follow_the_api_shape_and_rank_the_good_case_first(screener):
    results = screener.screen(REQUEST, REPLIES)
    assert [r["rank"] for r in results] == [1, 2, 3, 4]
    assert sorted(r["id"] for r in results) == sorted(r.id for r in REPLIES)
    assert results[0]["id"] == "good"
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    for result in results:
        assert set(result) >= {"id", "rank", "score", "relevant", "grade", "flags", "evidence", "language"}
        assert result["grade"] in (0, 1, 2, 3) and result["relevant"] == (result["grade"] >= 2)
        for flag in result["flags"]:
            assert set(flag) == {"code", "message", "evidence"}
    good = results[0]
    assert good["evidence"][0]["source"] == "text"
    span = good["evidence"][0]
    assert REPLIES[1].text[span["start"]:span["end"]] == span["text"]
    by_id = {r["id"]: {f["code"] for f in r["flags"]} for r in results}
    assert {"no_greeting", "lead_begging"} <= by_id["lead"]
    assert "bare_link" in by_id["link"]
    assert "off_topic" in by_id["offtopic"]


def test_check_gives_suggestions_in_the_drafts_language(screener):
    body = screener.check(REQUEST, Reply(text="дайте лид"))
    assert {"score", "relevant", "grade", "flags", "evidence", "suggestions"} <= set(body)
    codes = {s["code"] for s in body["suggestions"]}
    assert {"no_greeting", "lead_begging"} <= codes
    assert any("приветств" in s["message"] for s in body["suggestions"])
    english = screener.check(REQUEST, Reply(text="send us the lead"))
    assert any("greeting" in s["message"] for s in english["suggestions"])


def _pdf(pages: int) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for number in range(pages):
        pdf.add_page()
        pdf.cell(0, 10, f"Page {number + 1}: courier app case")
    return bytes(pdf.output())


@pytest.mark.parametrize("text", [
    "",
    "🚀🔥👍" * 10,
    "Добрый день! We built a courier app 🚚 для службы доставки, مرحبا, offline mode and СБП payments.",
    "<p>Добрый день!</p><p>Делали <b>приложение для курьеров</b> <a href='https://x.ru'>x.ru</a></p>",
    "курьерское приложение " * 10_000,  # ~220 KB
])
def test_hostile_texts_give_a_result(screener, text):
    result = screener.screen(REQUEST, [Reply(id="x", text=text)])[0]
    assert 0 <= result["score"] <= 1 and result["rank"] == 1


def test_bad_attachments_are_errors_for_that_attachment_only(screener):
    reply = Reply(id="files", text="Добрый день! Кейс во вложении, приложение для курьеров.", attachments=(
        Attachment("broken.pdf", content=b"%PDF-1.7 this is not really a pdf"),
        Attachment("huge.pdf", content=_pdf(300)),
        Attachment("notes.exe", content=b"MZ\x90\x00"),
        Attachment("case.pdf", content=_pdf(2)),
    ))
    result = screener.screen(REQUEST, [reply])[0]
    errors = {e["attachment"]: e["code"] for e in result["attachment_errors"]}
    assert errors == {"broken.pdf": "corrupt_file", "huge.pdf": "too_many_pages", "notes.exe": "unsupported_type"}
    assert all(e["message"] for e in result["attachment_errors"])
    assert any(e.get("attachment") == "case.pdf" for e in result["evidence"])

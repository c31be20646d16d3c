"""Splitting pasted multi-reply text (ui/paste.py)."""
from __future__ import annotations

from datetime import datetime

import pytest

from ui.paste import split_replies


def texts(raw: str) -> list[str]:
    return [r.text for r in split_replies(raw)]


@pytest.mark.parametrize("raw", ["", "   ", "\n\n\n", "\t\n  \n"])
def test_empty_input_gives_no_replies(raw: str) -> None:
    assert split_replies(raw) == []


def test_single_reply_is_kept_whole() -> None:
    assert texts("Добрый день! Мы делали приложение для курьеров.") == ["Добрый день! Мы делали приложение для курьеров."]


def test_blank_line_separated_blocks() -> None:
    raw = "Первый ответ\n\nВторой ответ\nещё строка\n\n\nТретий"
    # a double blank line exists → only double blank lines split, single ones stay inside a reply
    assert texts(raw) == ["Первый ответ\n\nВторой ответ\nещё строка", "Третий"]


def test_single_blank_lines_split_when_no_double_ones() -> None:
    assert texts("один\n\nдва\n\nтри") == ["один", "два", "три"]


def test_crlf_and_surrounding_whitespace() -> None:
    assert texts("\r\n  one\r\n\r\ntwo  \r\n") == ["one", "two"]


@pytest.mark.parametrize("sep", ["---", "-----", "***", "___", "===", "  ---  "])
def test_separator_lines(sep: str) -> None:
    raw = f"Ответ один\n\nс абзацем\n{sep}\nОтвет два\n{sep}\n\n{sep}\nОтвет три"
    assert texts(raw) == ["Ответ один\n\nс абзацем", "Ответ два", "Ответ три"]


def test_dashes_inside_text_are_not_separators() -> None:
    assert texts("Цена — 100 000 ₽ - это --- не так\n---\nдва") == ["Цена — 100 000 ₽ - это --- не так", "два"]


def test_telegram_headers_give_author_and_time() -> None:
    raw = (
        "Иван Петров, [02.03.2026 10:14]\n"
        "Елена, добрый день! Вот кейс.\n\n"
        "Второй абзац того же ответа.\n"
        "ООО «Ромашка», отдел продаж, [02.03.2026 11:05]\n"
        "дайте лид\n"
    )
    replies = split_replies(raw)
    assert [r.author for r in replies] == ["Иван Петров", "ООО «Ромашка», отдел продаж"]
    assert replies[0].sent_at == datetime(2026, 3, 2, 10, 14)
    assert replies[0].text == "Елена, добрый день! Вот кейс.\n\nВторой абзац того же ответа."
    assert replies[1].text == "дайте лид"


def test_time_first_headers_with_inline_message() -> None:
    raw = "[02.03.26 10:14] Alice: Hi! We built a courier app.\nmore\n[02.03.2026 10:20:05] Bob: send us the lead"
    replies = split_replies(raw)
    assert [(r.author, r.text) for r in replies] == [
        ("Alice", "Hi! We built a courier app.\nmore"),
        ("Bob", "send us the lead"),
    ]
    assert replies[1].sent_at == datetime(2026, 3, 2, 10, 20, 5)


def test_text_before_first_header_is_its_own_reply() -> None:
    replies = split_replies("orphan text\nAnna, [01.01.2026 09:00]\nhello")
    assert [(r.author, r.text) for r in replies] == [(None, "orphan text"), ("Anna", "hello")]


def test_invalid_header_date_keeps_reply_without_time() -> None:
    (reply,) = split_replies("Anna, [31.02.2026 09:00]\nhello")
    assert reply.author == "Anna" and reply.sent_at is None and reply.text == "hello"


def test_header_with_empty_body_is_dropped() -> None:
    assert texts("Anna, [01.01.2026 09:00]\n\nBob, [01.01.2026 09:05]\nhi") == ["hi"]


def test_signature_block_glued_to_reply() -> None:
    raw = "Добрый день! Делали курьерское приложение.\n\n—\nИван, ООО Альфа, alfa.ru\n\nВторой ответ"
    assert texts(raw) == ["Добрый день! Делали курьерское приложение.\n\n—\nИван, ООО Альфа, alfa.ru", "Второй ответ"]


def test_regards_signature_glued() -> None:
    assert texts("Hi, here is our case.\n\nBest regards,\nJohn\n\nAnother reply") == [
        "Hi, here is our case.\n\nBest regards,\nJohn",
        "Another reply",
    ]


def test_leading_signature_is_not_glued_to_nothing() -> None:
    assert texts("С уважением, Иван") == ["С уважением, Иван"]


def test_bare_link_and_emoji_survive() -> None:
    raw = "https://example.com/cases\n\n👍 интересно, скиньте контакт"
    assert texts(raw) == ["https://example.com/cases", "👍 интересно, скиньте контакт"]


def test_bullets_inside_reply_not_split() -> None:
    raw = "Добрый день!\n- трекинг\n- маршруты\n- оплата\n\nДругой ответ"
    assert texts(raw) == ["Добрый день!\n- трекинг\n- маршруты\n- оплата", "Другой ответ"]


def test_many_replies_order_preserved() -> None:
    raw = "\n---\n".join(f"reply {i}" for i in range(30))
    assert texts(raw) == [f"reply {i}" for i in range(30)]


def test_arabic_text() -> None:
    assert texts("مرحبا، لدينا حالة مشابهة\n\nأعطونا العميل") == ["مرحبا، لدينا حالة مشابهة", "أعطونا العميل"]


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab -—*_=[]:.,0123456789\n\r\tПр")), max_size=300))
def test_never_raises_never_returns_blank(raw: str) -> None:
    replies = split_replies(raw)
    assert all(r.text.strip() for r in replies)
    assert sum(len(r.text.replace(" ", "").replace("\n", "")) for r in replies) <= len(raw)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("абв xyz.!,?1")), min_size=1, max_size=40).filter(str.strip),
                min_size=1, max_size=12))
def test_separator_join_round_trips(parts: list[str]) -> None:
    assert texts("\n---\n".join(parts)) == [p.strip() for p in parts]


def test_time_input_parsing() -> None:
    from ui.paste import format_time, parse_time_input

    assert parse_time_input("") is None and parse_time_input("  ") is None
    assert parse_time_input("02.03.2026 10:14") == datetime(2026, 3, 2, 10, 14)
    assert parse_time_input(" 2.3.26 ") == datetime(2026, 3, 2, 0, 0)
    for bad in ("yesterday", "31.02.2026 10:00", "02.03.2026 25:00", "2026-03-02"):
        with pytest.raises(ValueError):
            parse_time_input(bad)
    assert format_time(datetime(2026, 3, 2, 10, 14)) == "02.03.2026 10:14" and format_time(None) == ""

"""Streamlit AppTest logic tests: pages, languages, empty input, service down — never a traceback.

These run the real ui/app.py in-process against a closed loopback port (the service is down);
the screening flow against the real service is in test_live.py / test_e2e_browser.py.
"""
from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from replyscreen.settings import get_settings

APP = str(Path(__file__).resolve().parents[2] / "ui" / "app.py")
PAGES = {"screen": "views/screen.py", "check": "views/check.py", "label": "views/label.py"}
TITLES = {
    "ru": {"screen": "Отбор ответов на запрос", "check": "Проверить черновик ответа", "label": "Разметка и переобучение"},
    "en": {"screen": "Screen replies to a request", "check": "Check my draft reply", "label": "Label and retrain"},
}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def down_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point the UI at a port nobody listens on."""
    url = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("REPLYSCREEN_API_URL", url)
    monkeypatch.delenv("REPLYSCREEN_API_KEY", raising=False)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def all_text(at: AppTest) -> str:
    """Every string the page shows (for 'no traceback' checks)."""
    parts: list[str] = []
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "title", "subheader", "html", "code"):
        for el in getattr(at, kind):
            parts.append(str(getattr(el, "value", "") or getattr(el, "body", "")))
    return "\n".join(parts)


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    text = all_text(at)
    for leak in ("Traceback", "File \"", "Exception", "Error:"):
        assert leak not in text, leak


def open_page(page: str, lang: str = "ru") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    if lang != "ru":
        at.session_state["lang"] = lang
    at.run()
    if page != "screen":
        at.switch_page(PAGES[page]).run()
    return at


@pytest.mark.parametrize("lang", ["ru", "en"])
@pytest.mark.parametrize("page", list(PAGES))
def test_pages_render_in_both_languages(down_url: str, page: str, lang: str) -> None:
    at = open_page(page, lang)
    assert_clean(at)
    assert [t.value for t in at.title] == [TITLES[lang][page]]


def test_russian_is_the_default_and_switch_works(down_url: str) -> None:
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert at.title[0].value == TITLES["ru"]["screen"]
    at.radio(key="lang").set_value("en").run()
    assert at.title[0].value == TITLES["en"]["screen"]
    assert at.text_area(key="w_scr_request").label == "Request (the lead text)"
    at.switch_page(PAGES["check"]).run()  # the choice survives page switches
    assert at.title[0].value == TITLES["en"]["check"]


def test_lang_query_param(down_url: str) -> None:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["lang"] = "en"
    at.run()
    assert at.title[0].value == TITLES["en"]["screen"]


def test_screen_empty_input_shows_hints(down_url: str) -> None:
    at = open_page("screen")
    assert "Здесь появится ранжированный список" in at.info[0].value
    at.button(key="scr_go").click().run()
    assert_clean(at)
    assert "Введите текст запроса" in at.warning[0].value
    at.text_area(key="w_scr_request").input("Нужен подрядчик: приложение для курьерской службы").run()
    at.button(key="scr_go").click().run()
    assert "Добавьте хотя бы один ответ" in at.warning[0].value


def test_check_empty_input_shows_hints(down_url: str) -> None:
    at = open_page("check", "en")
    assert "The check result appears here." in at.info[0].value
    at.button(key="chk_go").click().run()
    assert "Enter the request text" in at.warning[0].value
    at.text_area(key="w_chk_request").input("We need a courier app team").run()
    at.button(key="chk_go").click().run()
    assert "Enter the draft text" in at.warning[0].value
    assert_clean(at)


def test_service_down_screen_shows_friendly_message(down_url: str) -> None:
    at = open_page("screen")
    assert any("Сервис недоступен" in e.value for e in at.sidebar.error)
    at.text_area(key="w_scr_request").input("Коллеги, есть лид: приложение для курьерской службы").run()
    at.text_area(key="w_scr_paste").input("Добрый день! Делали курьерское приложение.\n\nдайте лид").run()
    assert "Распознано ответов: 2" in all_text(at)
    at.button(key="scr_go").click().run()
    assert_clean(at)
    errors = [e.value for e in at.main.error]
    assert any(down_url in e and "replyscreen serve" in e for e in errors), errors
    assert len(at.expander) == 2  # pasted replies were kept for the next try


def test_service_down_check_and_label(down_url: str) -> None:
    at = open_page("check", "en")
    at.text_area(key="w_chk_request").input("We need a courier app team").run()
    at.text_area(key="w_chk_draft").input("Hi! We built a courier app for FastCo.").run()
    at.button(key="chk_go").click().run()
    assert_clean(at)
    assert any("not reachable" in e.value for e in at.main.error)
    # the example reply needs no service
    assert "[what we built]" in at.code[0].value
    at.switch_page(PAGES["label"]).run()
    assert_clean(at)
    assert any("not reachable" in e.value for e in at.main.error)


def test_paste_add_and_delete(down_url: str) -> None:
    at = open_page("screen", "en")
    at.text_area(key="w_scr_paste").input("Anna, [02.03.2026 10:14]\nHi! Case below.\nBob, [02.03.2026 10:20]\ngive me the lead").run()
    at.button(key="scr_paste_add").click().run()
    assert [e.label for e in at.expander] == ["Reply 1 · Anna", "Reply 2 · Bob"]
    assert at.text_area(key="w_scr_paste").value == ""
    assert "Replies added: 2" in at.success[0].value
    uid = at.session_state["scr_items"][0]["uid"]
    at.button(key=f"scr_del_{uid}").click().run()
    assert [e.label for e in at.expander] == ["Reply 1 · Bob"]
    at.button(key="scr_add_one").click().run()
    assert len(at.expander) == 2
    at.button(key="scr_clear").click().run()
    assert len(at.expander) == 0 and at.text_area(key="w_scr_request").value == ""


def test_inputs_survive_page_switch(down_url: str) -> None:
    at = open_page("screen")
    at.text_area(key="w_scr_request").input("запрос про CRM").run()
    at.switch_page(PAGES["check"]).run()
    at.switch_page(PAGES["screen"]).run()
    assert at.text_area(key="w_scr_request").value == "запрос про CRM"


def test_unexpected_error_is_caught_by_the_page_guard(down_url: str) -> None:
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["scr_result"] = {"corrupt": True}  # breaks rendering of the results column
    at.run()
    assert not at.exception
    assert any("Что-то пошло не так" in e.value for e in at.error)
    assert "KeyError" not in all_text(at)


# ---------------------------------------------------------------------------- against the real service
@pytest.fixture
def live_url(live_service: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("REPLYSCREEN_API_URL", live_service)
    monkeypatch.delenv("REPLYSCREEN_API_KEY", raising=False)
    get_settings.cache_clear()
    yield live_service
    get_settings.cache_clear()


def card_ids(at: AppTest) -> list[str]:
    import re

    html = "".join(h.proto.body for h in at.main.html)
    return re.findall(r'data-testid="rs-card" data-rank="\d+" data-reply-id="([^"]+)"', html)


@pytest.mark.slow
def test_live_screen_filters_and_export(live_url: str) -> None:
    from ui_scenario import BARE_LINK, BEGGING, GOOD, REPLIES, REQUEST, pasted

    at = open_page("screen", "en")
    at.text_area(key="w_scr_request").input(REQUEST).run()
    at.text_area(key="w_scr_paste").input(pasted()).run()
    at.button(key="scr_go").click().run(timeout=180)
    assert_clean(at)
    results = at.session_state["scr_result"]["response"]["results"]
    assert len(results) == len(REPLIES) and results[0]["id"] == GOOD
    ids = card_ids(at)
    assert ids[0] == GOOD and len(ids) == len(REPLIES)
    assert "Replies added" not in all_text(at) and len(at.expander) == len(REPLIES)

    at.multiselect(key="flt_flags").set_value(["bare_link"]).run()
    filtered = card_ids(at)
    assert BARE_LINK in filtered and GOOD not in filtered
    at.multiselect(key="flt_flags").set_value(["lead_begging", "bare_link"]).run()
    assert {BARE_LINK, BEGGING} <= set(card_ids(at))
    at.multiselect(key="flt_flags").set_value([]).run()
    at.toggle(key="flt_hide").set_value(True).run()
    relevant = {r["id"] for r in results if r["relevant"]}
    assert set(card_ids(at)) == relevant and GOOD in relevant
    assert [d.label for d in at.download_button] == ["Download CSV", "Download JSON"]

    # editing a reply marks the ranking stale until the next screening
    uid = at.session_state["scr_items"][0]["uid"]
    at.text_area(key=f"w_scr_text_{uid}").input("Hello! A changed reply.").run()
    assert any("changed since screening" in w.value for w in at.warning)


@pytest.mark.slow
def test_live_check_and_label(live_url: str) -> None:
    from ui_scenario import BEGGING, DRAFT_BAD, DRAFT_GOOD, REPLIES, REQUEST

    at = open_page("check", "en")
    at.text_area(key="w_chk_request").input(REQUEST).run()
    at.text_area(key="w_chk_draft").input(DRAFT_BAD).run()
    at.button(key="chk_go").click().run(timeout=120)
    assert_clean(at)
    response = at.session_state["chk_result"]["response"]
    assert "no_greeting" in {s["code"] for s in response["suggestions"]}
    at.text_area(key="w_chk_draft").input(DRAFT_GOOD).run(timeout=120)  # auto re-check
    assert "no_greeting" not in {f["code"] for f in at.session_state["chk_result"]["response"]["flags"]}

    with httpx.Client(base_url=live_url, timeout=120) as api:
        replies = [{"id": f"r{i}", "text": text} for i, text in enumerate(REPLIES, start=1)]
        sid = api.post("/v1/screen", json={"request": {"text": REQUEST}, "replies": replies}).json()["screening_id"]
    at.switch_page(PAGES["label"]).run(timeout=60)
    assert_clean(at)
    assert at.selectbox(key="lbl_pick").value == sid
    at.radio(key=f"lblgrade_{sid}_{BEGGING}").set_value(1)
    at.multiselect(key=f"lblflags_{sid}_{BEGGING}").set_value(["lead_begging"])
    submit = next(b for b in at.button if b.label == "Save label" and f"lblform_{sid}_{BEGGING}" in str(b.form_id))
    submit.click().run(timeout=60)
    assert_clean(at)
    assert any(s.value.startswith("Saved (id") for s in at.success)
    with httpx.Client(base_url=live_url, timeout=60) as api:
        stored = api.get(f"/v1/screenings/{sid}").json()["labels"]
    assert [(lbl["reply_id"], lbl["relevance"], lbl["flags"]) for lbl in stored] == [(BEGGING, 1, ["lead_begging"])]


def test_attach_files_to_a_reply(down_url: str) -> None:
    at = open_page("screen", "en")
    at.button(key="scr_add_one").click().run()
    uid = at.session_state["scr_items"][0]["uid"]
    # (other extensions never reach the app: Streamlit's uploader enforces `type=` itself)
    big = b"%PDF-1.4" + b"0" * (10 * 1024 * 1024)
    at.file_uploader(key=f"w_scr_files_{uid}_0").set_value(("huge.pdf", big, "application/pdf")).run()
    assert_clean(at)
    assert any("huge.pdf" in w.value and "larger than 10 MB" in w.value for w in at.warning)
    at.file_uploader(key=f"w_scr_files_{uid}_1").set_value(
        [("case.pdf", b"%PDF-1.4 case", "application/pdf"), ("deck.pptx", b"PK", "application/octet-stream")]
    ).run()
    assert_clean(at)
    assert [name for name, _ in at.session_state["scr_items"][0]["files"]] == ["case.pdf", "deck.pptx"]
    assert "Attached: case.pdf, deck.pptx" in all_text(at)
    # the uploader was reset (new key), the files stay with the reply until removed
    assert at.file_uploader(key=f"w_scr_files_{uid}_2") is not None
    at.button(key=f"scr_rmfiles_{uid}").click().run()
    assert at.session_state["scr_items"][0]["files"] == []


def _docx(paragraphs: list[str]) -> bytes:
    import io

    from docx import Document

    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.slow
def test_live_attachment_evidence_is_shown(live_url: str) -> None:
    from ui_scenario import REQUEST

    at = open_page("screen")
    at.text_area(key="w_scr_request").input(REQUEST).run()
    at.button(key="scr_add_one").click().run()
    at.button(key="scr_add_one").click().run()
    first, second = (i["uid"] for i in at.session_state["scr_items"])
    at.text_area(key=f"w_scr_text_{first}").input("Добрый день! Кейс во вложении — приложение для курьерской службы.").run()
    case = _docx([
        "Кейс: мобильное приложение для курьерской службы «Мигом».",
        "Сделали приложение курьера на iOS и Android: трекинг, маршруты, оплата на месте. "
        "Время доставки сократилось на 20 %.",
    ])
    docx_mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    at.file_uploader(key=f"w_scr_files_{first}_0").set_value(("case.docx", case, docx_mime)).run()
    at.text_area(key=f"w_scr_text_{second}").input("Добрый день! Мы делаем сайты для ресторанов.").run()
    at.button(key="scr_go").click().run(timeout=180)
    assert_clean(at)
    result = next(r for r in at.session_state["scr_result"]["response"]["results"] if r["id"] == "r1")
    assert not result.get("attachment_errors")
    html = "".join(h.proto.body for h in at.main.html)
    assert "Прикреплено: case.docx" in html
    if any(ev.get("attachment") for ev in result.get("evidence") or []):
        assert 'data-testid="rs-att-ev"' in html and "case.docx" in html


def test_reply_time_field(down_url: str) -> None:
    at = open_page("screen", "en")
    at.text_area(key="w_scr_paste").input("Anna, [02.03.2026 10:14]\nHi!").run()
    at.button(key="scr_paste_add").click().run()
    uid = at.session_state["scr_items"][0]["uid"]
    assert at.text_input(key=f"w_scr_sent_{uid}").value == "02.03.2026 10:14"
    at.text_input(key=f"w_scr_sent_{uid}").input("soon").run()
    assert any("Time not recognised" in w.value for w in at.warning)
    at.text_input(key=f"w_scr_sent_{uid}").input("03.03.2026 09:00").run()
    assert not at.warning and at.session_state["scr_items"][0]["sent_at"].day == 3


@pytest.mark.slow
def test_live_closed_request_flags_late_reply(live_url: str) -> None:
    from datetime import date, time

    from ui_scenario import REQUEST

    at = open_page("screen")
    at.text_area(key="w_scr_request").input(REQUEST).run()
    at.checkbox(key="w_scr_closed").check().run()
    at.date_input(key="w_scr_closed_day").set_value(date(2026, 3, 2)).run()
    at.time_input(key="w_scr_closed_time").set_value(time(12, 0)).run()
    paste = (
        "Иван, [02.03.2026 10:14]\n"
        "Добрый день! Делали приложение для курьерской службы: трекинг и маршруты, доставка быстрее на 15 %.\n"
        "Пётр, [02.03.2026 15:30]\n"
        "Добрый день! Делали приложение для курьерской службы: трекинг и маршруты, доставка быстрее на 12 %."
    )
    at.text_area(key="w_scr_paste").input(paste).run()
    at.button(key="scr_go").click().run(timeout=180)
    assert_clean(at)
    request = at.session_state["scr_result"]["request"]
    assert request["closed_at"] == "2026-03-02T12:00:00"
    flags = {r["id"]: {f["code"] for f in r["flags"]} for r in at.session_state["scr_result"]["response"]["results"]}
    assert "late_reply" in flags["r2"] and "late_reply" not in flags["r1"]
    assert "После закрытия" in "".join(h.proto.body for h in at.main.html)


@pytest.mark.parametrize("page", list(PAGES))
def test_english_pages_have_no_russian_left(down_url: str, page: str) -> None:
    import re

    at = open_page(page, "en")
    labels = [w.label for kind in ("text_area", "text_input", "button", "checkbox", "toggle", "radio") for w in getattr(at, kind)]
    shown = all_text(at) + "\n".join(labels) + "\n".join(e.label for e in at.expander)
    assert not re.search("[а-яё]", shown, re.IGNORECASE), re.findall(r"[^\n]*[а-яё][^\n]*", shown, re.IGNORECASE)[:3]

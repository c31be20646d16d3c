"""End-to-end: real headless Chromium (Debian's) → real Streamlit UI → real service → real engine.

Selectors are Streamlit's per-key classes (`.st-key-<widget key>`) and the cards' own
`data-testid`/`data-*` attributes, so the tests do not depend on generated CSS class names.
Screenshots of each page go to docs/screenshots/. The Screen→cards time is printed, not asserted.
"""
from __future__ import annotations

import csv
import io
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ui_scenario import BARE_LINK, BEGGING, DRAFT_BAD, DRAFT_GOOD, GOOD, OFF_TOPIC, REPLIES, REQUEST, pasted

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORT = {"width": 1440, "height": 900}  # a laptop screen
WAIT_MS = 60_000  # generous: the first screening may warm the encoder up


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_ui: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=VIEWPORT, locale="ru-RU", accept_downloads=True)
    context.set_default_timeout(WAIT_MS)
    pg = context.new_page()
    pg.console_errors = []  # type: ignore[attr-defined]
    pg.on("pageerror", lambda exc: pg.console_errors.append(str(exc)))  # type: ignore[attr-defined]
    yield pg
    context.close()


# ---------------------------------------------------------------------------- helpers
def settle(pg) -> None:  # type: ignore[no-untyped-def]
    """Wait until Streamlit has finished the rerun an action triggered (if it started at all)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        pg.wait_for_selector('[data-testid="stApp"][data-test-script-state="running"]', timeout=1500)
    except PlaywrightTimeout:
        pass  # the rerun was quicker than we looked, or none was needed
    pg.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=WAIT_MS)


def open_page(pg, url: str, ready_selector: str) -> None:  # type: ignore[no-untyped-def]
    pg.goto(url, wait_until="domcontentloaded")
    pg.wait_for_selector(ready_selector, state="visible")
    settle(pg)


def type_text(pg, key: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """Fill a text area and commit it (Ctrl+Enter), as a user finishing an edit."""
    box = pg.locator(f".st-key-{key} textarea")
    box.fill(text)
    box.press("Control+Enter")
    settle(pg)


def cards(pg) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    return pg.eval_on_selector_all(
        '[data-testid="rs-card"]',
        "els => els.map(e => ({rank: e.dataset.rank, id: e.dataset.replyId, flags: e.dataset.flags, text: e.innerText}))",
    )


def no_traceback(pg) -> None:  # type: ignore[no-untyped-def]
    body = pg.inner_text("body")
    assert "Traceback" not in body and 'File "' not in body
    assert pg.locator('[data-testid="stException"]').count() == 0
    assert not pg.console_errors, pg.console_errors


def screenshot(pg, name: str, height: int = 2200) -> None:  # type: ignore[no-untyped-def]
    """Whole page: Streamlit scrolls inside its own container, so grow the viewport instead."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.set_viewport_size({"width": VIEWPORT["width"], "height": height})
    settle(pg)
    pg.evaluate("() => document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; })")
    pg.wait_for_timeout(400)
    pg.screenshot(path=str(SHOTS / name))
    pg.set_viewport_size(VIEWPORT)


# ---------------------------------------------------------------------------- tests
def _warm_up(service: str) -> None:
    """One unrelated screening, as a service that has been up for a while has done: the timing
    below then measures new replies (nothing cached), not the process's first-request set-up."""
    body = {
        "request": {"text": "Ищем команду для BI-отчётности в ритейле"},
        "replies": [{"text": "Добрый день! Делали дашборды для сети магазинов."}, {"text": "см. сайт"}],
    }
    with httpx.Client(base_url=service, timeout=300) as api:
        assert api.post("/v1/screen", json=body).status_code == 200


def test_screen_ranks_flags_filters_exports(  # type: ignore[no-untyped-def]
    page, live_ui: str, ui_service: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _warm_up(ui_service)
    open_page(page, live_ui + "/", ".st-key-w_scr_request textarea")
    assert page.locator("h1").first.inner_text().startswith("Отбор ответов")  # Russian by default
    type_text(page, "w_scr_request", REQUEST)
    type_text(page, "w_scr_paste", pasted())
    assert "Распознано ответов: 10" in page.inner_text("body")

    started = time.perf_counter()
    page.click(".st-key-scr_go button")
    page.wait_for_function("n => document.querySelectorAll('[data-testid=\"rs-card\"]').length === n", arg=len(REPLIES))
    elapsed = time.perf_counter() - started
    settle(page)
    server_ms = re.search(r"(\d+) мс", page.locator('[data-testid="stCaptionContainer"]').all_inner_texts().__str__())
    with capsys.disabled():
        print(
            f"\n[ui-e2e] Screen → ranked cards for {len(REPLIES)} new replies: {elapsed:.2f} s in the browser"
            f" (service call {server_ms.group(1) if server_ms else '?'} ms; target < 2 s)"
        )

    shown = cards(page)
    assert [c["rank"] for c in shown] == [str(i) for i in range(1, len(REPLIES) + 1)]
    by_id = {c["id"]: c for c in shown}
    assert shown[0]["id"] == GOOD, [(c["rank"], c["id"]) for c in shown]
    assert "bare_link" in by_id[BARE_LINK]["flags"].split()
    assert {"lead_begging", "no_greeting"} <= set(by_id[BEGGING]["flags"].split())
    assert "off_topic" in by_id[OFF_TOPIC]["flags"].split()
    assert "no_greeting" not in by_id[GOOD]["flags"].split() and "bare_link" not in by_id[GOOD]["flags"].split()
    # badges are readable words, with the service's message beside them
    begging = page.locator(f'[data-testid="rs-card"][data-reply-id="{BEGGING}"]')
    assert begging.locator('[data-flag="lead_begging"]').inner_text() == "Просит лид"
    assert begging.locator('[data-flag="no_greeting"]').inner_text() == "Нет приветствия"
    assert page.locator(f'[data-testid="rs-card"][data-reply-id="{GOOD}"] mark').count() >= 1  # evidence highlighted
    assert "Проблем не найдено" in by_id[GOOD]["text"]
    no_traceback(page)
    screenshot(page, "screen.png", height=3300)

    # hide irrelevant: only relevant cards remain, the good case among them
    page.click(".st-key-flt_hide label")
    settle(page)
    relevant = cards(page)
    assert 1 <= len(relevant) < len(REPLIES) and relevant[0]["id"] == GOOD
    page.click(".st-key-flt_hide label")
    settle(page)
    assert len(cards(page)) == len(REPLIES)

    # export: the CSV download has every reply in rank order
    with page.expect_download() as download_info:
        page.click(".st-key-dl_csv button")
    data = Path(download_info.value.path()).read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data)))
    assert [r["id"] for r in rows][0] == GOOD and len(rows) == len(REPLIES)
    with page.expect_download() as download_info:
        page.click(".st-key-dl_json button")
    assert download_info.value.suggested_filename.endswith(".json")
    no_traceback(page)


def test_check_draft_suggests_and_rechecks_on_edit(page, live_ui: str) -> None:  # type: ignore[no-untyped-def]
    open_page(page, live_ui + "/check", ".st-key-w_chk_request textarea")
    type_text(page, "w_chk_request", REQUEST)
    type_text(page, "w_chk_draft", DRAFT_BAD)
    page.click(".st-key-chk_go button")
    page.wait_for_selector('[data-testid="rs-suggestion"]')
    settle(page)
    codes = page.eval_on_selector_all('[data-testid="rs-suggestion"]', "els => els.map(e => e.dataset.code)")
    assert "no_greeting" in codes, codes
    flags = page.get_attribute('[data-testid="rs-card"]', "data-flags") or ""
    assert "no_greeting" in flags.split()
    example = page.locator('[data-testid="stCode"]').inner_text()
    assert "[что сделали]" in example and "добрый день" in example.lower()
    no_traceback(page)

    # editing the draft re-checks it without pressing the button again
    type_text(page, "w_chk_draft", DRAFT_GOOD)
    page.wait_for_function(
        "() => { const c = document.querySelector('[data-testid=\"rs-card\"]');"
        " return c && !c.dataset.flags.split(' ').includes('no_greeting'); }"
    )
    settle(page)
    assert "Черновик изменился" not in page.inner_text("body")
    no_traceback(page)
    type_text(page, "w_chk_draft", DRAFT_BAD)  # the screenshot shows suggestions
    page.wait_for_selector('[data-testid="rs-suggestion"][data-code="no_greeting"]')
    screenshot(page, "check.png", height=1400)


def test_label_a_reply_and_see_it_stored(page, live_ui: str, ui_service: str) -> None:  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=ui_service, timeout=120) as api:
        replies = [{"id": f"r{i}", "text": text} for i, text in enumerate(REPLIES, start=1)]
        screening = api.post("/v1/screen", json={"request": {"text": REQUEST}, "replies": replies})
        assert screening.status_code == 200, screening.text
        sid = screening.json()["screening_id"]
        before = api.get("/v1/examples", params={"limit": 500}).json()["total"]

    open_page(page, live_ui + "/label", f".st-key-lblbox_{BEGGING}")
    box = page.locator(f".st-key-lblbox_{BEGGING}")
    # prefilled with the model's prediction: the begging flags are already selected
    assert "Просит лид" in box.locator('[data-testid="stMultiSelect"]').inner_text()
    box.locator('[data-testid="stRadioOption"]').filter(has_text=re.compile(r"^\s*0\s*$")).click()
    box.get_by_role("button", name=re.compile("Сохранить разметку")).click()
    page.wait_for_selector(f".st-key-lblbox_{BEGGING} [data-testid='stAlertContentSuccess']")
    settle(page)
    assert "Сохранено" in box.inner_text()
    no_traceback(page)
    screenshot(page, "label.png", height=3600)

    with httpx.Client(base_url=ui_service, timeout=60) as api:
        stored = api.get("/v1/examples", params={"limit": 500}).json()
    assert stored["total"] == before + 1
    mine = [e for e in stored["items"] if e.get("screening_id") == sid and e.get("reply_id") == BEGGING]
    assert len(mine) == 1 and mine[0]["relevance"] == 0 and "lead_begging" in mine[0]["flags"]
    # the page shows the stored example count too (after a refresh)
    page.click(".st-key-lbl_refresh button")
    settle(page)
    assert f"Всего примеров: {before + 1}" in page.inner_text("body")

    # training & models tab: the models table and the metrics chart render
    page.get_by_role("tab", name=re.compile("Обучение и модели")).click()
    settle(page)
    page.wait_for_selector(".st-key-train_go button")
    page.get_by_role("tabpanel").locator('[data-testid="stDataFrame"]').wait_for()  # the models table
    with httpx.Client(base_url=ui_service, timeout=60) as api:
        active = next(m for m in api.get("/v1/models").json()["models"] if m["active"])
    if active.get("metrics"):  # `make model` cross-validates; a model trained without CV has none
        page.get_by_role("tabpanel").locator('[data-testid="stVegaLiteChart"]').wait_for()
    no_traceback(page)

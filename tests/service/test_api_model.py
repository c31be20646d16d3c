"""Scoring over HTTP with the real engine: /v1/screen, /v1/check, stored screenings, labels, attachments."""
from __future__ import annotations

import base64
import re

import httpx
import pytest

from model.types import FLAG_CODES
from tests.service.conftest import Service, sample_threads, screen_body
from tests.service.test_api_bare import assert_error
from training.sample_files import render_docx, render_pdf, render_pptx

CASE_PAGES = ["Кейс: мобильное приложение для курьерской службы «Быстрее»",
              "Трекинг курьеров, маршруты, оплата на месте", "Результат: доставка быстрее на 18%"]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def assert_result_shape(result: dict) -> None:
    assert 0.0 <= result["score"] <= 1.0 and result["grade"] in (0, 1, 2, 3)
    assert isinstance(result["relevant"], bool) and isinstance(result["evidence"], list)
    for flag in result["flags"]:
        assert flag["code"] in FLAG_CODES and flag["message"]


def test_screen_ranks_every_reply_and_stores_the_screening(service: Service) -> None:
    thread = sample_threads(1)[0]
    body = screen_body(thread)
    with service.client("admin") as c:
        resp = c.post("/v1/screen", json=body)
        assert resp.status_code == 200, resp.text
        out = resp.json()
        assert out["model_version"] and out["screening_id"]
        results = out["results"]
        assert sorted(r["id"] for r in results) == sorted(r["id"] for r in body["replies"])
        assert [r["rank"] for r in results] == list(range(1, len(results) + 1))
        assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
        for result in results:
            assert_result_shape(result)
        stored = c.get(f"/v1/screenings/{out['screening_id']}").json()
        assert stored["request"]["text"] == thread["request"]["text"]
        assert [r["id"] for r in stored["replies"]] == [r["id"] for r in body["replies"]]
        assert stored["results"] == results and stored["model_version"] == out["model_version"]
        listed = c.get("/v1/screenings", params={"limit": 200}).json()
        assert out["screening_id"] in [i["screening_id"] for i in listed["items"]]

        label = {"screening_id": out["screening_id"], "reply_id": results[0]["id"], "relevance": 3, "flags": []}
        first = c.post("/v1/examples", json=label, headers={"Idempotency-Key": f"lbl-{out['screening_id']}"})
        assert first.status_code == 201 and first.json()["created"] == 1
        again = c.post("/v1/examples", json=label, headers={"Idempotency-Key": f"lbl-{out['screening_id']}"})
        assert again.json() == first.json()
        assert_error(c.post("/v1/examples", json={**label, "reply_id": "zzz"}), 404, field="reply_id")
        detail = c.get(f"/v1/screenings/{out['screening_id']}").json()
        assert [(lb["reply_id"], lb["relevance"]) for lb in detail["labels"]] == [(results[0]["id"], 3)]
        summary = next(i for i in c.get("/v1/screenings", params={"limit": 200}).json()["items"]
                       if i["screening_id"] == out["screening_id"])
        assert summary["n_labeled"] == 1


def test_server_assigns_missing_reply_ids(service: Service) -> None:
    body = {"request": {"text": "Need a contractor for a CRM integration with our ERP"},
            "replies": [{"id": "r2", "text": "Hello! We integrated Salesforce with SAP for a retailer."},
                        {"text": "Send us the lead"}, {"text": "Hi, see https://example.com"}]}
    with service.client("screen") as c:
        results = c.post("/v1/screen", json=body).json()["results"]
    assert sorted(r["id"] for r in results) == ["r1", "r2", "r3"]


def test_check_returns_flags_and_suggestions(service: Service) -> None:
    request = {"text": "Коллеги, есть лид: нужен подрядчик на мобильное приложение для курьерской службы",
               "author": "Елена"}
    with service.client("screen") as c:
        resp = c.post("/v1/check", json={"request": request, "draft": {"text": "скиньте контакт клиента"}})
    assert resp.status_code == 200, resp.text
    out = resp.json()
    assert_result_shape(out)
    codes = {f["code"] for f in out["flags"]}
    assert "no_greeting" in codes
    assert out["suggestions"] and all(s["code"] and s["message"] for s in out["suggestions"])
    assert re.search("[а-яА-Я]", " ".join(s["message"] for s in out["suggestions"]))  # in the draft's language


@pytest.mark.parametrize(("filename", "render"), [("case.pdf", render_pdf), ("case.pptx", render_pptx),
                                                  ("case.docx", render_docx)])
def test_real_files_are_extracted_stored_as_pages_and_scored(service: Service, filename: str, render) -> None:  # noqa: ANN001
    request = {"text": "Коллеги, нужен подрядчик с кейсом: мобильное приложение для курьерской службы"}
    reply = {"id": "r1", "text": "Добрый день! Кейс во вложении, стр. 2 — приложение для курьеров.",
             "attachments": [{"filename": filename, "content_base64": b64(render(CASE_PAGES))}]}
    with service.client("admin") as c:
        resp = c.post("/v1/screen", json={"request": request, "replies": [reply, {"id": "r2", "text": "Привет"}]})
        assert resp.status_code == 200, resp.text
        result = next(r for r in resp.json()["results"] if r["id"] == "r1")
        assert not result.get("attachment_errors")
        assert any(e.get("source") == "attachment" and e.get("attachment") == filename for e in result["evidence"])
        stored = c.get(f"/v1/screenings/{resp.json()['screening_id']}").json()
        attachment = stored["replies"][0]["attachments"][0]
        assert attachment["filename"] == filename and "content_base64" not in attachment
        assert [p.strip() for p in attachment["pages"]][:1] == [CASE_PAGES[0]] or len(attachment["pages"]) >= 1
        check = c.post("/v1/check", json={"request": request, "draft": reply})
        assert check.status_code == 200, check.text


def test_corrupt_and_oversized_files_are_refused_before_scoring(service: Service) -> None:
    request = {"text": "Нужен подрядчик"}
    pdf = render_pdf(CASE_PAGES)
    truncated = pdf[: len(pdf) // 3]
    with service.client("screen") as c:
        def post(name: str, content: bytes) -> httpx.Response:
            return c.post("/v1/screen", json={"request": request, "replies": [
                {"text": "см. вложение", "attachments": [{"filename": name, "content_base64": b64(content)}]}]})

        assert_error(post("case.pdf", truncated), 415, "corrupt_file")
        assert_error(post("case.pptx", pdf), 415)
        assert_error(post("case.odt", pdf), 415, "unsupported_type")
        too_many = render_pdf([f"page {i}" for i in range(101)])
        assert_error(post("long.pdf", too_many), 413, "too_many_pages")


def test_screening_metrics(service: Service) -> None:
    with service.client("screen") as c:
        c.post("/v1/check", json={"request": {"text": "Need a courier app"}, "draft": {"text": "send lead"}})
        text = c.get("/metrics").text
    assert re.search(r'replyscreen_model_info\{version="[^"]+"\} 1\.0', text)
    assert re.search(r"replyscreen_checks_total [1-9]", text)
    assert 'replyscreen_flags_total{code="no_greeting",endpoint="check"}' in text
    assert re.search(r'replyscreen_engine_duration_seconds_count\{operation="check"\} [1-9]', text)


def test_models_listing_shows_active_with_metrics(service: Service) -> None:
    with service.client("screen") as c:
        out = c.get("/v1/models").json()
    assert out["active"] == out["loaded"] and out["active"]
    active = next(m for m in out["models"] if m["active"])
    assert active["metrics"] and active["encoder"] and active["data_fingerprint"]

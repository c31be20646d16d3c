"""Everything that needs no model, over HTTP against a real uvicorn: auth, scopes, limits, errors, labels."""
from __future__ import annotations

import base64
import json
import socket

import httpx
import pytest

from tests.service.conftest import Service, sample_threads
from tests.support.servers import run_cli

REQUEST = {"text": "Коллеги, нужен подрядчик: мобильное приложение для курьерской службы"}
REPLY = {"id": "r1", "text": "Елена, добрый день! Делали приложение для курьеров «Быстрее»."}


def assert_error(resp: httpx.Response, status: int, code: str | None = None, field: str | None = None) -> dict:
    assert resp.status_code == status, resp.text
    body = resp.json()["error"]
    assert set(body) >= {"code", "message", "field"} and body["message"]
    if code:
        assert body["code"] == code, body
    if field:
        assert body["field"] == field, body
    return body


def test_health_ready_and_not_loaded(bare_service: Service) -> None:
    with bare_service.client(None) as c:
        assert c.get("/healthz").json() == {"status": "ok"}
        ready = c.get("/readyz")
        assert ready.status_code == 503 and ready.json()["database"] == "ok"
        assert "model not loaded yet" in ready.json()["error"]["message"]
    with bare_service.client("screen") as c:
        body = assert_error(c.post("/v1/screen", json={"request": REQUEST, "replies": [REPLY]}), 503,
                            "model_not_loaded")
        assert "model not loaded yet" in body["message"]
        assert_error(c.post("/v1/check", json={"request": REQUEST, "draft": REPLY}), 503, "model_not_loaded")


def test_auth_missing_wrong_and_revoked_keys(bare_service: Service) -> None:
    with httpx.Client(base_url=bare_service.url) as c:
        assert_error(c.post("/v1/screen", json={"request": REQUEST, "replies": [REPLY]}), 401, "unauthorized")
        assert_error(c.get("/v1/examples", headers={"Authorization": "Bearer rs_nope"}), 401, "unauthorized")
        assert_error(c.get("/v1/examples", headers={"Authorization": "Basic Zm9vOmJhcg=="}), 401)
    created = run_cli(bare_service.tmp, ["keys", "create", "--scopes", "label", "--name", "temp"], bare_service.env)
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip().splitlines()[-1]
    key_id = created.stdout.split()[1]
    listed = run_cli(bare_service.tmp, ["keys", "list", "--json"], bare_service.env)
    infos = [json.loads(line) for line in listed.stdout.splitlines()]
    assert any(i["id"] == key_id and i["scopes"] == ["label"] for i in infos)
    assert secret not in listed.stdout
    with httpx.Client(base_url=bare_service.url, headers={"Authorization": f"Bearer {secret}"}) as c:
        assert c.get("/v1/examples").status_code == 200
        assert run_cli(bare_service.tmp, ["keys", "revoke", key_id], bare_service.env).returncode == 0
        assert_error(c.get("/v1/examples"), 401, "unauthorized")
    assert run_cli(bare_service.tmp, ["keys", "revoke", "key_nope"], bare_service.env).returncode == 1
    bad = run_cli(bare_service.tmp, ["keys", "create", "--scopes", "root"], bare_service.env)
    assert bad.returncode == 2


@pytest.mark.parametrize(("scope", "allowed"), [
    ("screen", {"screen"}), ("label", {"label"}), ("admin", {"screen", "label", "admin"})])
def test_scopes(bare_service: Service, scope: str, allowed: set[str]) -> None:
    with bare_service.client(scope) as c:
        calls = {
            "screen": c.post("/v1/check", json={"request": REQUEST, "draft": REPLY}),
            "label": c.get("/v1/examples"),
            "admin": c.get("/v1/models/jobs/job_nope"),
        }
    for needed, resp in calls.items():
        if needed in allowed:
            assert resp.status_code in (200, 404, 503), (needed, resp.text)
        else:
            assert_error(resp, 403, "forbidden")
    with bare_service.client(scope) as c:
        assert c.get("/v1/models").status_code == 200  # any valid key may read the registry


def test_invalid_bodies(bare_service: Service) -> None:
    with bare_service.client("screen") as c:
        assert_error(c.post("/v1/screen", content=b"{not json", headers={"Content-Type": "application/json"}),
                     400, "invalid_json")
        assert_error(c.post("/v1/screen", json={"replies": [REPLY]}), 422, "invalid_body", "request")
        assert_error(c.post("/v1/screen", json={"request": {"text": ""}, "replies": [REPLY]}), 422,
                     field="request.text")
        assert_error(c.post("/v1/screen", json={"request": REQUEST, "replies": [{"text": 5}]}), 422,
                     field="replies[0].text")
        assert_error(c.post("/v1/screen", json={"request": {**REQUEST, "posted_at": "yesterday"},
                                                "replies": [REPLY]}), 422, field="request.posted_at")
        assert_error(c.post("/v1/screen", json={"request": REQUEST, "replies": [REPLY, REPLY]}), 422,
                     "duplicate_id", "replies[1].id")
        assert_error(c.post("/v1/screen", json={"request": REQUEST, "replies": [
            {"text": "x", "attachments": [{"filename": "a.pdf"}]}]}), 422, field="replies[0].attachments[0]")
        assert_error(c.post("/v1/screen", json={"request": REQUEST, "replies": [
            {"text": "x", "attachments": [{"filename": "a.pdf", "content_base64": "%%%not base64"}]}]}),
            422, "invalid_base64", "replies[0].attachments[0].content_base64")
        assert_error(c.post("/v1/screen", json={"request": {"text": "nul \u0000 char"}, "replies": [REPLY]}), 422,
                     field="request.text")
        assert_error(c.post("/v1/screen", content='{"request": {"text": "\\ud800"}, "replies": [{"text": "x"}]}',
                            headers={"Content-Type": "application/json"}), 422, field="request.text")
        assert_error(c.get("/v1/nothing-here"), 404, "not_found")
        assert_error(c.delete("/v1/screen"), 405, "method_not_allowed")


def test_size_limits_are_413(bare_service: Service) -> None:
    many = [{"text": f"reply {i}"} for i in range(13)]
    long_text = "слово " * 1000
    with bare_service.client("screen") as c:
        assert_error(c.post("/v1/screen", json={"request": REQUEST, "replies": many}), 413, "too_many_replies",
                     "replies")
        assert_error(c.post("/v1/screen", json={"request": {"text": long_text}, "replies": [REPLY]}), 413,
                     "text_too_long", "request.text")
        assert_error(c.post("/v1/check", json={"request": REQUEST, "draft": {"text": long_text}}), 413,
                     "text_too_long", "draft.text")
        three = [{"filename": f"{i}.txt", "pages": ["p"]} for i in range(3)]
        assert_error(c.post("/v1/screen", json={"request": REQUEST, "replies": [{"text": "x", "attachments": three}]}),
                     413, "too_many_attachments", "replies[0].attachments")
        pages = [{"filename": "deck.pdf", "pages": ["p"] * 6}]
        assert_error(c.post("/v1/screen", json={"request": REQUEST, "replies": [{"text": "x", "attachments": pages}]}),
                     413, "too_many_pages")
        big = base64.b64encode(b"A" * 70 * 1024).decode()
        assert_error(c.post("/v1/screen", json={"request": REQUEST, "replies": [
            {"text": "x", "attachments": [{"filename": "big.txt", "content_base64": big}]}]}), 413,
            "attachment_too_large")
        body = json.dumps({"request": {"text": "x" * 300_000}, "replies": [REPLY]}).encode()
        assert_error(c.post("/v1/screen", content=body, headers={"Content-Type": "application/json"}), 413,
                     "body_too_large")

        def chunks():  # no Content-Length: the middleware must count streamed bytes
            for _ in range(40):
                yield b" " * 10_000

        resp = c.post("/v1/screen", content=chunks(), headers={"Content-Type": "application/json"})
        assert_error(resp, 413, "body_too_large")


def test_lying_content_length_is_not_a_500(bare_service: Service) -> None:
    host, port = bare_service.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"POST /v1/screen HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: abc\r\n\r\n{}")
        status_line = sock.recv(200).split(b"\r\n")[0]
    assert b" 400 " in status_line + b" "


def test_unsupported_and_corrupt_attachments_are_415(bare_service: Service) -> None:
    def with_file(name: str, content: bytes) -> dict:
        return {"request": REQUEST, "replies": [{"text": "x", "attachments": [
            {"filename": name, "content_base64": base64.b64encode(content).decode()}]}]}

    with bare_service.client("screen") as c:
        assert_error(c.post("/v1/screen", json=with_file("virus.exe", b"MZ\x90\x00")), 415, "unsupported_type")
        assert_error(c.post("/v1/screen", json=with_file("deck.pdf", b"%PDF-1.4 garbage" * 10)), 415, "corrupt_file")
        assert_error(c.post("/v1/screen", json=with_file("deck.pptx", b"PK\x03\x04broken zip")), 415, "corrupt_file")
        assert_error(c.post("/v1/screen", json=with_file("case.docx", b"not a zip at all")), 415, "corrupt_file")
        assert_error(c.post("/v1/screen", json=with_file("empty.pdf", b"")), 415)


def test_labels_single_batch_idempotent_and_export(bare_service: Service) -> None:
    threads = sample_threads(3)
    with bare_service.client("label") as c:
        single = {"request": REQUEST, "reply": REPLY, "relevance": 3, "flags": ["no_greeting"]}
        first = c.post("/v1/examples", json=single, headers={"Idempotency-Key": "single-1"})
        assert first.status_code == 201 and first.json()["created"] == 1
        replay = c.post("/v1/examples", json=single, headers={"Idempotency-Key": "single-1"})
        assert replay.status_code == 201 and replay.json() == first.json()
        assert_error(c.post("/v1/examples", json={**single, "relevance": 1}, headers={"Idempotency-Key": "single-1"}),
                     409, "idempotency_conflict")
        relabel = c.post("/v1/examples", json={**single, "relevance": 2})
        assert relabel.json() == {"ids": first.json()["ids"], "created": 0, "updated": 1}

        batch = c.post("/v1/examples", json={"threads": threads}, headers={"Idempotency-Key": "batch-1"})
        assert batch.status_code == 201, batch.text
        n_replies = sum(len(t["replies"]) for t in threads)
        assert batch.json()["created"] == n_replies
        assert c.post("/v1/examples", json={"threads": threads}, headers={"Idempotency-Key": "batch-1"}).json() \
            == batch.json()

        listed = c.get("/v1/examples", params={"limit": 1000}).json()
        assert listed["total"] == n_replies + 1
        export = c.get("/v1/examples", params={"format": "jsonl"})
        assert export.headers["content-type"].startswith("application/x-ndjson")
        exported = [json.loads(line) for line in export.text.splitlines()]
        by_id = {t["id"]: t for t in exported}
        for thread in threads:
            got = by_id[thread["id"]]
            assert got["lang"] == thread["lang"] and got["request"]["text"] == thread["request"]["text"]
            assert [(r["id"], r["relevance"], sorted(r["flags"])) for r in got["replies"]] == \
                   [(r["id"], r["relevance"], sorted(r["flags"])) for r in thread["replies"]]

        assert_error(c.post("/v1/examples", json={"request": REQUEST, "reply": REPLY}), 422, field="relevance")
        assert_error(c.post("/v1/examples", json={"reply": REPLY, "relevance": 1}), 422, field="request")
        assert_error(c.post("/v1/examples", json={**single, "flags": ["rude"]}), 422, field="flags[0]")
        assert_error(c.post("/v1/examples", json={**single, "relevance": 4}), 422, field="relevance")
        assert_error(c.post("/v1/examples", json={"screening_id": "scr_nope", "reply_id": "r1", "relevance": 1}),
                     404, "not_found")
        assert_error(c.post("/v1/examples", json={"threads": threads[:1], "relevance": 1}), 422)


def test_import_jsonl(bare_service: Service) -> None:
    threads = [t for t in sample_threads(12)[3:] if all(len(a.get("pages", ())) <= 5 for r in t["replies"]
                                                         for a in r.get("attachments", ()))][:3]
    payload = "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in threads).encode()
    with bare_service.client("label") as c:
        resp = c.post("/v1/examples/import", content=payload, headers={"Content-Type": "application/x-ndjson"})
        assert resp.status_code == 201, resp.text
        assert resp.json()["created"] + resp.json()["updated"] == sum(len(t["replies"]) for t in threads)
        broken = payload + b'{"id": "bad", "lang": "ru", "request": {"text": "x"}, "replies": [{"text": "y"}]}\n'
        body = assert_error(c.post("/v1/examples/import", content=broken), 422)
        assert body["field"].startswith(f"line {len(threads) + 1}")
        assert_error(c.post("/v1/examples/import", content=b"\xff\xfe"), 400)
        big_deck = {**threads[0], "id": "deck", "replies": [{**threads[0]["replies"][0], "attachments": [
            {"filename": "deck.pdf", "pages": ["p"] * 6}]}]}
        line2 = (json.dumps(threads[0]) + "\n" + json.dumps(big_deck) + "\n").encode()
        body = assert_error(c.post("/v1/examples/import", content=line2), 413, "too_many_pages")
        assert body["field"] == "line 2: replies[0].attachments[0].pages"


def test_rate_limit_is_429_with_retry_after(tmp_path) -> None:  # noqa: ANN001
    from tests.service.conftest import make_keys
    from tests.support.servers import running_service

    env = {"REPLYSCREEN_MODELS_DIR": str(tmp_path / "none"), "REPLYSCREEN_RATE_LIMIT_PER_MINUTE": "5"}
    keys = make_keys(tmp_path, env)
    with running_service(tmp_path, env, wait_ready=False) as url:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {keys['label']}"}) as c:
            statuses = [c.get("/v1/examples").status_code for _ in range(7)]
            assert statuses[:5] == [200] * 5
            resp = c.get("/v1/examples")
            assert_error(resp, 429, "rate_limited")
            assert int(resp.headers["Retry-After"]) >= 1
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {keys['admin']}"}) as c:
            assert c.get("/v1/examples").status_code == 200  # limits are per key


def test_local_mode_needs_no_key_and_refuses_public_hosts(tmp_path) -> None:  # noqa: ANN001
    from tests.support.servers import running_service

    env = {"REPLYSCREEN_MODELS_DIR": str(tmp_path / "none")}
    with running_service(tmp_path, env, wait_ready=False, local=True) as url:
        assert httpx.get(url + "/v1/examples").status_code == 200
        assert httpx.post(url + "/v1/examples", json={"request": REQUEST, "reply": REPLY, "relevance": 2}
                          ).status_code == 201
    refused = run_cli(tmp_path, ["serve", "--local", "--host", "0.0.0.0", "--port", "1"], env)
    assert refused.returncode == 2 and "refused" in refused.stderr


def test_metrics_and_docs(bare_service: Service) -> None:
    with bare_service.client(None) as c:
        text = c.get("/metrics").text
        assert "replyscreen_http_requests_total" in text and "replyscreen_http_request_duration_seconds" in text
        assert 'route="/v1/screen"' in text and 'route="/v1/nothing-here"' not in text
        schema = c.get("/openapi.json").json()
        for path in ("/v1/screen", "/v1/check", "/v1/examples", "/v1/models", "/v1/models/train",
                     "/v1/models/jobs/{job_id}", "/v1/models/{version}/activate", "/v1/screenings",
                     "/v1/screenings/{screening_id}", "/healthz", "/readyz", "/metrics"):
            assert path in schema["paths"], path
        assert "examples" in json.dumps(schema["components"]["schemas"]["ScreenIn"])
        assert c.get("/docs").status_code == 200

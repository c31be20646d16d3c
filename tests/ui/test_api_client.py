"""The UI's HTTP client (ui/api_client.py) and its plain-language errors (ui/errors.py)."""
from __future__ import annotations

import socket

import httpx
import pytest

from ui.api_client import ApiClient, ApiError, ServiceDown, _error_from
from ui.errors import friendly_message


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_refused_connection_is_service_down() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    client = ApiClient(url)
    with pytest.raises(ServiceDown) as info:
        client.screen({"text": "x"}, [{"text": "y"}])
    assert info.value.url == url and not info.value.timeout
    message = friendly_message(info.value, "ru")
    assert url in message and "недоступен" in message and "Traceback" not in message


def test_timeout_is_reported_as_such() -> None:
    exc = ServiceDown("http://x", "ReadTimeout", timeout=True)
    assert "in time" in friendly_message(exc, "en")


def _response(status: int, body: object = None, text: str | None = None) -> httpx.Response:
    request = httpx.Request("POST", "http://svc/v1/screen")
    if text is not None:
        return httpx.Response(status, text=text, request=request)
    return httpx.Response(status, json=body, request=request)


def test_contract_error_body_is_parsed() -> None:
    err = _error_from(_response(413, {"error": {"code": "too_large", "message": "Reply text too long", "field": "replies.0.text"}}))
    assert (err.code, err.message, err.status, err.field) == ("too_large", "Reply text too long", 413, "replies.0.text")
    assert friendly_message(err, "en") == (
        "Too large: Reply text too long (field «replies.0.text»). Reduce the text, the number of replies or attachments."
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [(401, "REPLYSCREEN_API_KEY"), (403, "scope"), (429, "Wait a minute"), (500, "internal error"), (502, "internal error"), (503, "not ready yet"),
     (415, "PDF, PPTX"), (422, "rejected the input"), (404, "Not found"), (409, "Conflict"), (418, "returned an error")],
)
def test_every_status_has_a_sentence(status: int, expected: str) -> None:
    err = _error_from(_response(status, {"error": {"code": "c", "message": "m"}}))
    assert expected in friendly_message(err, "en")
    assert friendly_message(err, "ru") != friendly_message(err, "en")


def test_non_json_and_traceback_bodies_never_leak() -> None:
    err = _error_from(_response(502, text="<html>Bad gateway</html>"))
    assert err.code == "http_502" and err.message == "Bad Gateway"
    err = _error_from(_response(500, {"detail": "Traceback (most recent call last):\n  File ..."}))
    assert "Traceback" not in err.message
    err = _error_from(_response(404, {"detail": "Not Found"}))
    assert err.message == "Not Found"


def test_unexpected_exception_gets_generic_message() -> None:
    assert "administrator" in friendly_message(KeyError("x"), "en")


def test_api_key_is_sent_as_bearer() -> None:
    client = ApiClient("http://127.0.0.1:1/", api_key="secret")
    assert client._http.headers["Authorization"] == "Bearer secret"
    assert client.base_url == "http://127.0.0.1:1"
    assert "Authorization" not in ApiClient("http://127.0.0.1:1")._http.headers


def test_api_error_is_an_exception_with_fields() -> None:
    err = ApiError("bad", "msg", 400, "text")
    assert str(err) == "400 bad: msg" and err.field == "text"

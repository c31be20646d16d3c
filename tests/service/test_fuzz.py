"""Property-based fuzzing of the OpenAPI schema against live services (schemathesis): never a 5xx.

Two targets: the service without a model (every validation, limit and storage path; scoring answers 503) and
the service with the default model (bodies that pass validation reach the real engine). Each operation is
fuzzed with schema-valid (positive) and schema-violating (negative) cases. Training is excluded (each example
would start a training process). Requests carry an admin key, so they get past authentication.

The schema is loaded from the running server inside the test (schemathesis' lazy pytest loader does not work
with pytest 9), and hypothesis drives each operation's strategy directly.
"""
from __future__ import annotations

import json

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.service.conftest import Service

pytestmark = pytest.mark.slow
MAX_EXAMPLES = 30


@schemathesis.serializer("application/x-ndjson")
def _ndjson(ctx, value) -> bytes:  # noqa: ANN001 - the JSONL import body is a string in the schema
    if isinstance(value, bytes):
        return value
    return (value if isinstance(value, str) else json.dumps(value)).encode("utf-8", "surrogatepass")


def fuzz(service: Service, allowed_5xx: frozenset[int] = frozenset()) -> list[str]:
    """Run every operation; return one line per operation that produced a server error or a non-JSON error."""
    schema = schemathesis.openapi.from_url(service.url + "/openapi.json").exclude(path="/v1/models/train")
    headers = {"Authorization": f"Bearer {service.keys['admin']}"}
    failures: list[str] = []
    session = requests.Session()  # keep-alive: the fuzzing budget goes to cases, not to TCP handshakes
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @hypothesis.settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                                 suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case) -> None:  # noqa: ANN001 - schemathesis Case
                resp = case.call(headers=headers, timeout=120, session=session)
                where = f"{case.method} {case.formatted_path} -> {resp.status_code}: {resp.text[:300]}"
                assert resp.status_code < 500 or resp.status_code in allowed_5xx, where
                if resp.status_code >= 400:
                    error = resp.json()["error"]
                    assert error["code"] and error["message"] and "field" in error, where

            try:
                run()
            except Unsatisfiable:  # no way to violate a schema without parameters (e.g. GET /healthz)
                continue
            except Exception as exc:  # noqa: BLE001 - collect all operations' failures
                failures.append(f"{operation.label} [{mode.value}]: {str(exc)[:1500]}")
    return failures


def test_no_server_errors_without_model(bare_service: Service) -> None:
    failures = fuzz(bare_service, allowed_5xx=frozenset({503}))  # scoring without a model: 503 by contract
    assert not failures, "\n\n".join(failures)


def engine_calls(service: Service) -> float:
    text = requests.get(service.url + "/metrics", timeout=30).text
    return sum(float(line.split()[-1]) for line in text.splitlines()
               if line.startswith(("replyscreen_screenings_total", "replyscreen_checks_total")))


def test_no_server_errors_with_model(service: Service) -> None:
    before = engine_calls(service)
    failures = fuzz(service)
    assert not failures, "\n\n".join(failures)
    assert engine_calls(service) - before >= 20  # generated bodies did reach the engine

"""Prometheus metrics: HTTP requests and latencies, screenings, flags raised, engine time, model version.

With several workers, `replyscreen serve` points PROMETHEUS_MULTIPROC_DIR at a fresh directory before the
workers start, and /metrics aggregates all workers (prometheus_client multiprocess mode). With one worker the
default in-process registry is used. The variable must be set before prometheus_client is imported.
"""
from __future__ import annotations

import os
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    disable_created_metrics,
    multiprocess,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

disable_created_metrics()  # the *_created series only add noise to every scrape

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_REQUESTS = Counter("replyscreen_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram("replyscreen_http_request_duration_seconds", "HTTP request latency",
                         ["method", "route"], buckets=LATENCY_BUCKETS)
SCREENINGS = Counter("replyscreen_screenings_total", "Screenings stored")
SCREENED_REPLIES = Counter("replyscreen_screened_replies_total", "Replies scored by /v1/screen")
CHECKS = Counter("replyscreen_checks_total", "Drafts self-checked by /v1/check")
FLAGS = Counter("replyscreen_flags_total", "Flags raised", ["endpoint", "code"])
ENGINE_LATENCY = Histogram("replyscreen_engine_duration_seconds", "Time spent in the scoring engine",
                           ["operation"], buckets=LATENCY_BUCKETS)
LABELS = Counter("replyscreen_labels_total", "Labeled examples stored", ["result"])
MODEL_INFO = Gauge("replyscreen_model_info", "1 for the model version this worker serves",
                   ["version"], multiprocess_mode="livemax")
MODEL_SWAPS = Counter("replyscreen_model_swaps_total", "Model versions loaded and swapped in")


def record_flags(endpoint: str, results: list[dict]) -> None:
    for result in results:
        for flag in result.get("flags") or ():
            FLAGS.labels(endpoint, str(flag.get("code", "unknown"))).inc()


def set_model_version(new: str, old: str | None) -> None:
    if old and old != new:
        MODEL_INFO.labels(old).set(0)
    MODEL_INFO.labels(new).set(1)
    MODEL_SWAPS.inc()


def render() -> tuple[bytes, str]:
    """Exposition text: all workers' metrics in multiprocess mode, this process's otherwise."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


class MetricsMiddleware:
    """Counts and times every HTTP request by route template (not raw path: fuzzing must not explode labels)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "GET") if template != "unmatched" else "other"
            HTTP_REQUESTS.labels(method, template, str(status)).inc()
            HTTP_LATENCY.labels(method, template).observe(time.perf_counter() - start)

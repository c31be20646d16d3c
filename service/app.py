"""The FastAPI application factory: `uvicorn service.app:create_app --factory` or `replyscreen serve`."""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from replyscreen.settings import Settings
from service import errors, startup
from service.auth import is_loopback
from service.db import Database
from service.limits import BodySizeLimitMiddleware, Limits
from service.metrics import MetricsMiddleware
from service.model_holder import ModelHolder
from service.ratelimit import RateLimiter
from service.routers import examples, models, ops, screen

log = logging.getLogger("service")

DESCRIPTION = """
Screens partner replies to B2B lead requests: ranks them by relevance, flags failure patterns and helps
partners self-check a draft. Contract: shared/spec/api.md.

**Authentication**: `Authorization: Bearer <api key>`; scopes `screen`, `label`, `admin` (admin implies the
others). Create keys with `replyscreen keys create --scopes screen,label`.
**Errors**: always `{"error": {"code", "message", "field"}}`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    if settings.local_mode and not is_loopback(settings.host):
        raise RuntimeError(f"local mode (no API keys) is only allowed on a loopback host, not {settings.host!r}")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(startup.prepare, settings)
        # Load the active model BEFORE serving: with several workers on one socket, a worker only starts
        # accepting connections when it can score, so no request lands on a worker still loading. Without a
        # registered model the app starts at once and /readyz says why it is not ready.
        await run_in_threadpool(app.state.holder.ensure_active_safely)
        app.state.holder.start()
        try:
            yield
        finally:
            app.state.holder.stop()
            app.state.db.dispose()

    app = FastAPI(title="ReplyScreen", version="1.0", description=DESCRIPTION, lifespan=lifespan)
    db = Database(settings.database_url)
    app.state.settings = settings
    app.state.db = db
    app.state.holder = ModelHolder(settings, db)
    app.state.limiter = RateLimiter(settings.rate_limit_per_minute)
    app.state.limits = Limits.from_settings(settings)
    errors.install(app)
    for router in (screen.router, examples.router, models.router, ops.router):
        app.include_router(router)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(MetricsMiddleware)  # outermost: times everything, 413s included
    return app

"""FastAPI dependencies: settings, database, model holder, limits, and authentication with scopes."""
from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from replyscreen.settings import Settings
from service.auth import LOCAL_PRINCIPAL, Principal, authenticate, is_loopback
from service.db import Database
from service.errors import ApiError
from service.limits import Limits
from service.model_holder import ModelHolder
from service.ratelimit import RateLimiter

SAFE_ID = r"^[^\x00-\x1f\x7f]+$"  # ids in paths and queries: no control characters (PostgreSQL rejects NUL)
bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer <key>`")


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_db(request: Request) -> Database:
    return request.app.state.db


def get_holder(request: Request) -> ModelHolder:
    return request.app.state.holder


def get_limits(request: Request) -> Limits:
    return request.app.state.limits


SettingsDep = Annotated[Settings, Depends(get_settings)]
DbDep = Annotated[Database, Depends(get_db)]
HolderDep = Annotated[ModelHolder, Depends(get_holder)]
LimitsDep = Annotated[Limits, Depends(get_limits)]


def get_principal(request: Request,
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Principal:
    """401 without a valid key. In local mode every loopback client is the all-scopes local principal."""
    settings: Settings = request.app.state.settings
    if settings.local_mode:
        client = request.client.host if request.client else None
        if not is_loopback(client):
            raise ApiError(401, "unauthorized", "Local mode serves loopback clients only.")
        return LOCAL_PRINCIPAL
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise ApiError(401, "unauthorized", "Missing API key: send `Authorization: Bearer <key>`.",
                       headers={"WWW-Authenticate": "Bearer"})
    principal = authenticate(request.app.state.db, credentials.credentials)
    if principal is None:
        raise ApiError(401, "unauthorized", "Unknown or revoked API key.", headers={"WWW-Authenticate": "Bearer"})
    return principal


def require(scope: str | None) -> Callable[..., Principal]:
    """Dependency: a valid key having `scope` (None: any valid key), counted against its rate limit."""

    def dependency(request: Request, principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if scope is not None and not principal.has(scope):
            raise ApiError(403, "forbidden", f"This API key lacks the '{scope}' scope.")
        limiter: RateLimiter = request.app.state.limiter
        client = request.client.host if request.client else "unknown"
        limiter.hit(principal.key_id if principal is not LOCAL_PRINCIPAL else f"local:{client}")
        return principal

    dependency.__name__ = f"require_{scope or 'key'}"
    return dependency

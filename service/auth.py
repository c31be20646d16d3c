"""API keys: random secrets shown once, stored as SHA-256, with scopes and revocation.

Scopes: `screen` (/v1/screen, /v1/check), `label` (examples, screenings), `admin` (training, activation).
`admin` implies the other two, so one operator key can do everything. Local mode (explicit, loopback only)
authenticates every loopback client as the built-in `local` principal with all scopes.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from service.db import ApiKey, Database, utcnow

SCOPES: tuple[str, ...] = ("screen", "label", "admin")
KEY_PREFIX = "rs_"


@dataclass(frozen=True)
class Principal:
    key_id: str
    scopes: frozenset[str]

    def has(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes


LOCAL_PRINCIPAL = Principal("local", frozenset(SCOPES))


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def parse_scopes(raw: str | list[str]) -> list[str]:
    items = raw.split(",") if isinstance(raw, str) else raw
    scopes = sorted({s.strip() for s in items if s.strip()})
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise ValueError(f"scopes must be a non-empty subset of {', '.join(SCOPES)}; got {raw!r}")
    return scopes


def create_key(db: Database, scopes: list[str], name: str = "") -> tuple[ApiKey, str]:
    """Store a new key; returns the row and the secret (the only time it exists in clear)."""
    key_id = "key_" + secrets.token_hex(6)
    secret = f"{KEY_PREFIX}{key_id[4:]}_{secrets.token_urlsafe(32)}"
    row = ApiKey(id=key_id, name=name, key_hash=hash_secret(secret), scopes=parse_scopes(scopes),
                 created_at=utcnow())
    with db.write() as session:
        session.add(row)
    return row, secret


def revoke_key(db: Database, key_id: str) -> bool:
    """Mark a key revoked (kept for the audit trail). False if no such key."""
    with db.write() as session:
        row = session.get(ApiKey, key_id)
        if row is None:
            return False
        if row.revoked_at is None:
            row.revoked_at = utcnow()
        return True


def list_keys(db: Database) -> list[ApiKey]:
    with db.read() as session:
        return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at)))


def authenticate(db: Database, secret: str) -> Principal | None:
    """Principal for a presented secret, or None when unknown or revoked."""
    if not secret or len(secret) > 512:
        return None
    digest = hash_secret(secret)
    with db.read() as session:
        row = session.scalars(select(ApiKey).where(ApiKey.key_hash == digest)).first()
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.key_hash, digest):
        return None
    return Principal(row.id, frozenset(row.scopes))


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def describe(row: ApiKey) -> dict[str, object]:
    return {"id": row.id, "name": row.name, "scopes": row.scopes, "created_at": _iso(row.created_at),
            "revoked_at": _iso(row.revoked_at)}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None

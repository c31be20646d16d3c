"""`serve` and `keys` commands (mounted by replyscreen/cli.py; also `python -m service.cli`)."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from typing import Annotated, Optional

import typer

from replyscreen.settings import Settings
from service.auth import SCOPES, create_key, describe, is_loopback, list_keys, parse_scopes, revoke_key

app = typer.Typer(help="ReplyScreen scoring service.", no_args_is_help=True)
keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


def _database() -> "Database":  # noqa: F821 - imported lazily: `--help` must stay fast
    from service.db import Database
    from service.migrate import upgrade

    settings = Settings()
    upgrade(settings.database_url)
    return Database(settings.database_url)


@app.command()
def serve(
    host: Annotated[Optional[str], typer.Option(help="Bind address (default: settings.host).")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port (default: settings.port).")] = None,
    workers: Annotated[Optional[int], typer.Option(help="Worker processes (default: settings.workers).")] = None,
    local: Annotated[bool, typer.Option("--local", help="Serve without API keys; loopback hosts only.")] = False,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Run the HTTP API with uvicorn (migrations run first, before any worker starts)."""
    import uvicorn

    from service import startup

    settings = Settings()
    host = host or settings.host
    port = port or settings.port
    workers = workers or settings.workers
    local = local or settings.local_mode
    if local and not is_loopback(host):
        typer.echo(f"error: --local (no API keys) is refused on non-loopback host {host!r}", err=True)
        raise typer.Exit(2)
    os.environ.update({"REPLYSCREEN_HOST": host, "REPLYSCREEN_PORT": str(port), "REPLYSCREEN_WORKERS": str(workers),
                       "REPLYSCREEN_LOCAL_MODE": "true" if local else "false"})
    startup.prepare(Settings())
    multiproc_dir = None
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiproc_dir = tempfile.mkdtemp(prefix="replyscreen-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = multiproc_dir
    try:
        uvicorn.run("service.app:create_app", factory=True, host=host, port=port, workers=workers,
                    log_level=log_level, timeout_graceful_shutdown=30, access_log=False)
    finally:
        if multiproc_dir:
            shutil.rmtree(multiproc_dir, ignore_errors=True)


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (alembic upgrade head)."""
    from service.migrate import upgrade

    upgrade(Settings().database_url)
    typer.echo("database is up to date")


@keys_app.command("create")
def keys_create(
    scopes: Annotated[str, typer.Option(help=f"Comma-separated: {', '.join(SCOPES)} (admin implies all).")],
    name: Annotated[str, typer.Option(help="Who or what uses the key.")] = "",
    quiet: Annotated[bool, typer.Option("--quiet", help="Print only the secret.")] = False,
) -> None:
    """Create a key. The secret is printed once and stored only as a SHA-256 hash."""
    try:
        scope_list = parse_scopes(scopes)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    row, secret = create_key(_database(), scope_list, name)
    if not quiet:
        typer.echo(f"created {row.id} ({','.join(row.scopes)}); the secret is shown only now:")
    typer.echo(secret)


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key id (key_...), as in `keys list`.")]) -> None:
    """Revoke a key: requests with it get 401 from then on."""
    if not revoke_key(_database(), key_id):
        typer.echo(f"error: no key {key_id!r}", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked {key_id}")


@keys_app.command("list")
def keys_list(as_json: Annotated[bool, typer.Option("--json", help="JSON lines.")] = False) -> None:
    """Keys with their scopes and state (never the secrets)."""
    for row in list_keys(_database()):
        info = describe(row)
        if as_json:
            typer.echo(json.dumps(info))
        else:
            state = f"revoked {info['revoked_at']}" if info["revoked_at"] else "active"
            typer.echo(f"{info['id']}  {','.join(row.scopes):<20} {state:<40} {info['name']}")


if __name__ == "__main__":
    app()

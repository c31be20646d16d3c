"""A real PostgreSQL for tests: REPLYSCREEN_TEST_POSTGRES_URL if set, else a throwaway local cluster.

The throwaway cluster uses Debian's binaries (/usr/lib/postgresql/*/bin), runs as the `postgres` user when we
are root (initdb refuses root), listens on a free loopback port with trust auth, and is removed afterwards.
Missing binaries skip the tests on a developer machine but FAIL in CI (CI=true): a green CI must mean the
PostgreSQL tests ran.
"""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from tests.support.servers import free_port

ENV_URL = "REPLYSCREEN_TEST_POSTGRES_URL"


class PostgresUnavailable(RuntimeError):
    """No server URL given and no binaries to start one."""


def find_bindir() -> Path | None:
    """Newest Debian PostgreSQL bin dir, or the one holding `initdb` on PATH."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[str]:
    """initdb + pg_ctl start on a free loopback port; yields a SQLAlchemy URL to the `postgres` database."""
    bindir = find_bindir()
    if bindir is None:
        raise PostgresUnavailable("PostgreSQL binaries not found (apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="rs-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(sock, "postgres", "postgres")
        os.chmod(root, 0o700)
    port = free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    try:
        subprocess.run(_as_postgres([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                                     "-E", "UTF8", "--no-sync"]),
                       check=True, capture_output=True, env=env, cwd=root)
        opts = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "log"),
                                     "-w", "-t", "60", "start"]),
                       check=True, capture_output=True, env=env, cwd=root)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                           capture_output=True, env=env, cwd=root)
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """The server URL for the whole test session (env var first, else a throwaway cluster)."""
    url = os.environ.get(ENV_URL)
    if url:
        yield url
        return
    with throwaway_cluster() as started:
        yield started


def fresh_database(server_url: str) -> str:
    """Create an empty database on the server and return its URL (each test module gets its own)."""
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(server_url)
    name = f"rs_test_{uuid.uuid4().hex[:12]}"
    dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
    deadline = time.monotonic() + 30
    while True:
        try:
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    return base.set(database=name).render_as_string(hide_password=False)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}

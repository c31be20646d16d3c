"""Start the real service (uvicorn on a loopback port) for tests, the UI tests and the benchmark.

`running_service(tmp_path, env)` yields the base URL of a live server with a fresh SQLite database (unless
`env` sets REPLYSCREEN_DATABASE_URL) and stops it cleanly afterwards. Server output goes to a log file in
tmp_path so a failing start shows why.
"""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_READY_TIMEOUT = 240.0  # the encoder may need building (first run) and loading


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1 (tiny race window accepted)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def service_env(tmp_path: Path, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Process environment for a test server: fresh SQLite file and models dir unless overridden."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("REPLYSCREEN_")}
    full.pop("PROMETHEUS_MULTIPROC_DIR", None)
    full.update(
        {
            "REPLYSCREEN_DATABASE_URL": f"sqlite:///{tmp_path / 'service.db'}",
            "REPLYSCREEN_MODELS_DIR": str(tmp_path / "models"),
            "REPLYSCREEN_SAMPLES_DIR": str(REPO_ROOT / "data" / "samples"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    # Keep the user's encoder cache: building the builtin encoder is slow and deterministic.
    if "REPLYSCREEN_CACHE_DIR" in os.environ:
        full["REPLYSCREEN_CACHE_DIR"] = os.environ["REPLYSCREEN_CACHE_DIR"]
    if "REPLYSCREEN_ENCODER" in os.environ:
        full["REPLYSCREEN_ENCODER"] = os.environ["REPLYSCREEN_ENCODER"]
    full.update(env or {})
    return full


def wait_until(base_url: str, path: str, proc: subprocess.Popen, timeout: float, log: Path) -> None:
    """Poll `path` until it answers 200; fail early if the server process died."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    with httpx.Client(timeout=5.0) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"service exited with {proc.returncode}:\n{_tail(log)}")
            try:
                resp = client.get(base_url + path)
                if resp.status_code == 200:
                    return
                last = f"{resp.status_code} {resp.text[:500]}"
                if "cannot be loaded" in resp.text:  # the active model is broken: waiting will not help
                    raise RuntimeError(f"service cannot load its model: {last}\n{_tail(log)}")
            except httpx.HTTPError as exc:
                last = repr(exc)
            time.sleep(0.2)
    raise TimeoutError(f"{path} not ready after {timeout:.0f}s (last: {last}):\n{_tail(log)}")


def _tail(log: Path, lines: int = 60) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@contextlib.contextmanager
def running_service(
    tmp_path: Path,
    env: Mapping[str, str] | None = None,
    workers: int = 1,
    *,
    wait_ready: bool = True,
    timeout: float = DEFAULT_READY_TIMEOUT,
    local: bool = False,
) -> Iterator[str]:
    """Run `python -m service.cli serve` on a free loopback port; yield its base URL.

    wait_ready=True waits for /readyz (model loaded, database reachable); False only for /healthz, for tests
    that run without a model. `local=True` serves without API keys (the `make run` mode).
    """
    tmp_path.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = tmp_path / f"service-{port}.log"
    cmd = [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers)]
    if local:
        cmd.append("--local")
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=REPO_ROOT, env=service_env(tmp_path, env), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until(base_url, "/readyz" if wait_ready else "/healthz", proc, timeout, log)
        yield base_url
    finally:
        stop_process(proc)


def stop_process(proc: subprocess.Popen, grace: float = 20.0) -> None:
    """SIGTERM the server's process group (uvicorn workers included), SIGKILL after a grace period."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def run_cli(tmp_path: Path, args: list[str], env: Mapping[str, str] | None = None,
            timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """Run `python -m service.cli ARGS` against the same database a `running_service` would use."""
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args], cwd=REPO_ROOT, env=service_env(tmp_path, env),
        capture_output=True, text=True, timeout=timeout,
    )


def create_key(tmp_path: Path, scopes: str, env: Mapping[str, str] | None = None, name: str = "test") -> str:
    """Create an API key through the real CLI and return the secret (printed once on stdout's last line)."""
    res = run_cli(tmp_path, ["keys", "create", "--scopes", scopes, "--name", name, "--quiet"], env)
    if res.returncode != 0:
        raise RuntimeError(f"keys create failed: {res.stdout}\n{res.stderr}")
    return res.stdout.strip().splitlines()[-1].strip()

"""`replyscreen run`: the service (local mode) and the UI together, stopped together."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx

from replyscreen.settings import Settings


def _wait(url: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return False


def run_product(settings: Settings) -> None:
    api_url = f"http://{settings.host}:{settings.port}"
    env = {**os.environ, "REPLYSCREEN_LOCAL_MODE": "true", "REPLYSCREEN_API_URL": api_url}
    cli = [sys.executable, "-m", "replyscreen.cli"]
    service = subprocess.Popen([*cli, "serve", "--local", "--host", settings.host, "--port", str(settings.port)], env=env)
    ui = subprocess.Popen([*cli, "ui", "--port", str(settings.ui_port), "--api-url", api_url], env=env)
    processes = [service, ui]

    def stop(*_: object) -> None:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if _wait(f"{api_url}/readyz", 180):
        print(f"\nReplyScreen is running:\n  UI       http://127.0.0.1:{settings.ui_port}\n"
              f"  API      {api_url}   (docs: {api_url}/docs)\nPress Ctrl+C to stop.\n", flush=True)
    else:
        print("The service did not become ready within 180 s; see its log above.", file=sys.stderr, flush=True)
    while all(p.poll() is None for p in processes):
        time.sleep(1)
    stop()

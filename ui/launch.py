"""Start the Streamlit UI (mounted by the CLI as `replyscreen ui`)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

APP_PATH = Path(__file__).resolve().parent / "app.py"
REPO_ROOT = APP_PATH.parent.parent


def streamlit_command(port: int, address: str = "127.0.0.1") -> list[str]:
    """argv for `streamlit run`: headless, no telemetry, no tracebacks on the page.

    The same options are in .streamlit/config.toml; passing them here makes them hold when the
    UI is started from any working directory.
    """
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_PATH),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
        "--browser.gatherUsageStats",
        "false",
        "--client.showErrorDetails",
        "none",
        "--client.toolbarMode",
        "viewer",
        "--global.developmentMode",
        "false",
        "--server.maxUploadSize",
        "10",
    ]


def ui_environment(api_url: str, api_key: str | None = None) -> dict[str, str]:
    """Environment for the Streamlit process: settings travel as REPLYSCREEN_* variables."""
    env = dict(os.environ)
    env["REPLYSCREEN_API_URL"] = api_url
    if api_key:
        env["REPLYSCREEN_API_KEY"] = api_key
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH", "")]))
    env.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    return env


def run_ui(port: int, api_url: str, api_key: str | None = None, address: str = "127.0.0.1") -> None:
    """Replace this process with Streamlit serving the UI on `address:port`."""
    argv = streamlit_command(port, address)
    os.execve(argv[0], argv, ui_environment(api_url, api_key))  # noqa: S606 — fixed argv, no shell

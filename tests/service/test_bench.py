"""The load benchmark runs end to end (tiny numbers; the real figures come from `make bench`)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from service import bench

pytestmark = pytest.mark.slow


def test_bench_smoke(models_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "bench.md"
    assert bench.main(["--workers", "1", "--requests", "3", "--concurrency", "2", "--models-dir", str(models_dir),
                       "--out", str(out)]) == 0
    report = json.loads(out.with_suffix(".json").read_text())
    run = report["runs"][0]
    assert run["workers"] == 1 and run["check"]["n"] == 3 and run["screen"]["n"] == 3
    assert run["screen_engine_in_service"]["p50_ms"] > 0 and run["rss_mb_per_worker"][0] > 100
    assert report["engine_alone_screen"]["n"] == 3
    assert "overhead % of engine" in out.read_text()

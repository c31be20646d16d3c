"""The engine benchmark runs end to end on tiny numbers (the real figures come from `make bench`)."""
from __future__ import annotations

import pytest

from training import bench

pytestmark = pytest.mark.slow


def test_engine_bench_reports_the_floor_and_the_label_memory(default_model_dir):
    result = bench.run(repeats=2, throughput_replies=12)
    assert result["replies_screened"] == 12 and result["encoder_p50_ms"] > 0 and result["ratio_p50"] > 0
    assert result["memory_labels"] == bench.MEMORY_LABELS and result["memory_lookup_ms_per_reply"] > 0
    assert result["screen_memory_p50_ms"] > 0
    text = bench.engine_markdown(result)
    assert "label memory of 10,000 labels" in text and "encoder only" in text

"""The adaptation benchmark on a small real set: the curve is computed, and labels in memory move results."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from model.features import Featurizer
from model.memory import MemoryConfig
from tests.support.engine import REPO_ROOT, SAMPLES, encoder
from training.adapt import AdaptConfig, adaptation_curve, markdown_table, memory_from, screen_rows
from training.dataset import load_threads
from training.feature_store import FeatureStore
from training.featureset import featurize, fit_models

COMMUNITY = REPO_ROOT / "data" / "adapt" / "alpha"


@pytest.fixture(scope="module")
def feature_sets(tmp_path_factory: pytest.TempPathFactory):
    featurizer = Featurizer(encoder())
    store = FeatureStore(tmp_path_factory.mktemp("features"), featurizer)
    base = [t for t in load_threads(SAMPLES) if t.id.endswith(("01", "05"))]
    community = load_threads(COMMUNITY)[:8]
    return featurize(base, featurizer, store=store), featurize(community, featurizer, store=store)


def test_the_curve_has_every_mode_and_k(feature_sets):
    base, community = feature_sets
    report = adaptation_curve(base, community, AdaptConfig(ks=(0, 2, 50), n_eval=4, seeds=(0,)))
    assert report["ks"] == [0, 2]  # K beyond the pool is left out, not faked
    for mode in ("memory", "retrain", "retrain+memory"):
        assert set(report["mean"][mode]) == {0, 2}
        assert 0.0 <= report["mean"][mode][2]["macro_f1"] <= 1.0
    # with nothing labeled, every mode is the base model
    assert report["mean"]["memory"][0] == report["mean"]["retrain+memory"][0]
    assert "| memory | 2 |" in markdown_table(report)
    json.dumps(report, default=str)


def test_labels_in_memory_move_the_flags_toward_them(feature_sets):
    base, community = feature_sets
    grade, flags = fit_models(base)
    alone = screen_rows(grade, flags, community)
    # the memory holds these very replies' labels: it must pull the decisions toward them
    remembered = screen_rows(grade, flags, community, memory_from(community, grade, MemoryConfig()))
    assert remembered["macro_f1"] > alone["macro_f1"]
    assert remembered["grade_accuracy"] >= alone["grade_accuracy"]


def test_too_small_a_set_is_refused_with_a_reason(feature_sets):
    base, community = feature_sets
    with pytest.raises(ValueError, match="needs more than"):
        adaptation_curve(base, community, AdaptConfig(ks=(0,), n_eval=8, seeds=(0,)))


@pytest.mark.slow
def test_cli_adapt_reports_a_table_json_and_chart(tmp_path: Path):
    community = tmp_path / "tiny"
    community.mkdir()
    lines = (COMMUNITY / "alpha1.jsonl").read_text("utf-8").splitlines()[:7]
    (community / "tiny.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    base = tmp_path / "base"
    base.mkdir()
    (base / "base.jsonl").write_text("\n".join((SAMPLES / "en.jsonl").read_text("utf-8").splitlines()[:6]) + "\n",
                                     "utf-8")
    out, chart = tmp_path / "adapt.json", tmp_path / "adapt.png"
    env = {"REPLYSCREEN_FEATURE_STORE_DIR": str(tmp_path / "features")}
    import os

    done = subprocess.run([sys.executable, "-m", "replyscreen.cli", "eval", str(community / "tiny.jsonl"), "--adapt",
                           "--ks", "0,2", "--n-eval", "4", "--seeds", "1", "--base", str(base),
                           "--out", str(out), "--chart", str(chart)],
                          cwd=REPO_ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "| retrain+memory | 2 |" in done.stdout
    assert json.loads(out.read_text())["tiny"]["ks"] == [0, 2]
    assert chart.stat().st_size > 1000
    bad = subprocess.run([sys.executable, "-m", "replyscreen.cli", "eval", str(community / "tiny.jsonl"), "--adapt",
                          "--ks", "a,b"], cwd=REPO_ROOT, env={**os.environ, **env}, capture_output=True, text=True,
                         timeout=300)
    assert bad.returncode == 2 and "--ks must be" in (bad.stdout + bad.stderr)

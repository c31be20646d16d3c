"""A small real training run: features, CV metrics in the card, versioned artifact, evaluation report."""
import json

import numpy as np

from model.screener import Screener
from tests.support.engine import SAMPLES, encoder
from training.artifacts import latest, list_versions, save
from training.dataset import load_threads
from training.evaluate import cross_validate, ranking_metrics
from training.report import write_chart
from training.train import featurize, train_model
from model.features import Featurizer


def small_threads():
    threads = load_threads(SAMPLES)
    return [t for t in threads if t.id.endswith(("01", "05", "09"))]


def test_train_writes_a_versioned_artifact_with_a_model_card(tmp_path):
    threads = small_threads()
    progress = []
    trained = train_model(threads, encoder(), progress=lambda f, m: progress.append(f), folds=2)
    assert progress[-1] == 1.0 and progress == sorted(progress)
    card = trained.card
    assert card.n_threads == len(threads) and card.encoder == encoder().model_id
    assert len(card.data_fingerprint) == 64
    assert {"ndcg@3", "roc_auc", "top1", "grade_accuracy", "flags"} <= set(card.metrics)
    path = save(trained, tmp_path)
    assert latest(tmp_path) == path and [c.version for c in list_versions(tmp_path)] == [card.version]
    stored = json.loads((path / "card.json").read_text())
    assert stored["version"] == card.version and stored["metrics"]["ndcg@3"] == card.metrics["ndcg@3"]
    screener = Screener.load(path, encoder())
    thread = threads[0]
    assert len(screener.screen(thread.request, thread.replies)) == len(thread.replies)


def test_cross_validation_reports_model_and_baselines_on_the_same_folds(tmp_path):
    threads = small_threads()
    features = featurize(threads, Featurizer(encoder()))
    report = cross_validate(features, threads, folds=3)
    assert set(report) >= {"model", "tfidf", "e5_cosine"}
    for system in ("model", "tfidf", "e5_cosine"):
        assert 0 <= report[system]["ndcg@3"] <= 1
    assert set(report["model"]["flags"]["per_flag"]) == {
        "no_greeting", "bare_link", "off_topic", "deck_without_context", "lead_begging", "late_reply", "generic_pitch"}
    write_chart(report, tmp_path / "chart.png")
    assert (tmp_path / "chart.png").read_bytes()[:4] == b"\x89PNG"


def test_ranking_metrics_on_known_values():
    groups = np.array(["a", "a", "a", "b", "b"])
    grades = np.array([3, 0, 1, 0, 2])
    perfect = ranking_metrics(groups, grades, np.array([0.9, 0.1, 0.5, 0.2, 0.8]))
    assert perfect["ndcg@3"] == 1.0 and perfect["top1"] == 1.0 and perfect["roc_auc"] == 1.0
    reversed_ = ranking_metrics(groups, grades, np.array([0.1, 0.9, 0.5, 0.8, 0.2]))
    assert reversed_["top1"] == 0.0 and reversed_["roc_auc"] == 0.0

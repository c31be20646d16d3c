"""The feature store: cached rows equal fresh ones, a retrain featurises only what changed, bad files are recomputed."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from model.features import Featurizer
from tests.support.engine import SAMPLES, encoder
from training.dataset import load_threads
from training.feature_store import FeatureStore, compute_rows, feature_config_key, thread_content_hash
from training.featureset import featurize


@pytest.fixture(scope="module")
def featurizer() -> Featurizer:
    return Featurizer(encoder())


@pytest.fixture(scope="module")
def threads():
    return load_threads(SAMPLES / "en.jsonl")[:4]


def test_cached_features_equal_fresh_ones(tmp_path: Path, featurizer: Featurizer, threads):
    store = FeatureStore(tmp_path, featurizer)
    first = featurize(threads, featurizer, store=store)
    assert first.stats == {"threads_reused": 0, "threads_featurized": 4}
    again = featurize(threads, featurizer, store=FeatureStore(tmp_path, featurizer))
    assert again.stats == {"threads_reused": 4, "threads_featurized": 0}
    assert np.array_equal(first.X, again.X)
    assert np.array_equal(first.reply_vectors, again.reply_vectors)
    fresh = compute_rows(featurizer, threads[0])  # no store at all
    assert np.allclose(fresh.X, again.X[: len(threads[0].replies)], atol=1e-5)


def test_only_new_or_changed_threads_are_featurised(tmp_path: Path, featurizer: Featurizer, threads):
    featurize(threads[:3], featurizer, store=FeatureStore(tmp_path, featurizer))
    edited = dataclasses.replace(threads[0], replies=(dataclasses.replace(threads[0].replies[0], text="Hello! Changed."),
                                                      *threads[0].replies[1:]))
    relabeled = dataclasses.replace(threads[1], relevance=tuple(3 for _ in threads[1].replies))
    result = featurize([edited, relabeled, threads[2], threads[3]], featurizer,
                       store=FeatureStore(tmp_path, featurizer))
    # labels are not content: the relabeled thread is reused; the edited one and the new one are computed
    assert result.stats == {"threads_reused": 2, "threads_featurized": 2}


def test_a_corrupt_row_is_recomputed_not_trusted(tmp_path: Path, featurizer: Featurizer, threads):
    store = FeatureStore(tmp_path, featurizer)
    store.rows(threads[0])
    path = store.directory / f"{thread_content_hash(threads[0])}.npz"
    path.write_bytes(b"not an npz file")
    again = FeatureStore(tmp_path, featurizer)
    rows = again.rows(threads[0])
    assert again.computed == 1 and rows.X.shape[0] == len(threads[0].replies)


def test_rows_are_never_unpickled(tmp_path: Path, featurizer: Featurizer, threads):
    store = FeatureStore(tmp_path, featurizer)
    store.directory.mkdir(parents=True)
    path = store.directory / f"{thread_content_hash(threads[0])}.npz"
    objects = np.array([{"evil": 1}] * len(threads[0].replies), dtype=object)
    np.savez(path, X=objects, request_vector=objects, reply_vectors=objects)  # needs pickle to load
    assert store.get(threads[0]) is None


def test_the_key_follows_the_feature_configuration(featurizer: Featurizer):
    from model.attachments import AttachmentLimits

    other = Featurizer(featurizer.encoder, featurizer.text, AttachmentLimits(max_pages=3))
    assert feature_config_key(other) != feature_config_key(featurizer)

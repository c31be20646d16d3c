"""The scikit-learn heads on real features of a few sample threads, and their safe persistence."""
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.svm import SVC

from model.artifact import ArtifactError, ModelCard, load_model, save_model
from model.features import FEATURE_NAMES, Featurizer
from model.relevance import FlagClassifier, GradeClassifier, with_grade_features
from tests.support.engine import SAMPLES, encoder
from training.dataset import load_threads
from training.train import featurize


class Foreign:
    """Stands for any class an attacker could name in a crafted artifact."""


@pytest.fixture(scope="module")
def small_features():
    threads = [t for t in load_threads(SAMPLES) if t.id.endswith(("01", "02", "03", "04"))]
    return featurize(threads, Featurizer(encoder()))


def test_features_are_finite_and_named(small_features):
    assert small_features.X.shape[1] == len(FEATURE_NAMES)
    assert np.isfinite(small_features.X).all()


def test_grade_model_probabilities_scores_and_consistency(small_features):
    model = GradeClassifier().fit(small_features.X, small_features.grades)
    proba = model.predict_proba(small_features.X)
    assert proba.shape == (len(small_features.X), 4) and np.allclose(proba.sum(axis=1), 1)
    scores = model.score_samples(small_features.X)
    assert ((0 <= scores) & (scores <= 1)).all()
    grades = model.predict(small_features.X)
    relevant = proba[:, 2:].sum(axis=1) > 0.5
    assert ((grades >= 2) == relevant).all()
    # the fit is useful: relevant replies score higher than irrelevant ones on average
    truth = small_features.grades >= 2
    assert scores[truth].mean() > scores[~truth].mean() + 0.2
    assert clone(model).get_params() == {"C": model.C}


def test_flag_model_tunes_thresholds_and_respects_gates(small_features):
    model = FlagClassifier(cv=3).fit(small_features.X, small_features.flags, groups=small_features.groups)
    assert model.thresholds_ and all(0 < t < 1 for t in model.thresholds_.values())
    # regularisation is chosen per learned flag from the grid, on out-of-fold F1
    assert set(model.C_) == set(model.heads_) and all(c in model.Cs for c in model.C_.values())
    assert model.heads_["lead_begging"].named_steps["clf"].C == model.C_["lead_begging"]
    predicted = model.predict(small_features.X)
    from model.features import FEATURE_INDEX
    from model.types import FLAG_CODES

    no_deck = small_features.X[:, FEATURE_INDEX["has_deck"]] == 0
    assert not predicted[no_deck, FLAG_CODES.index("deck_without_context")].any()
    no_greeting = predicted[:, FLAG_CODES.index("no_greeting")]
    assert (no_greeting == (small_features.X[:, FEATURE_INDEX["has_greeting"]] == 0)).all()


def test_off_topic_head_does_not_read_company_credentials_or_questions(small_features):
    from model.features import FEATURE_INDEX
    from model.types import FLAG_CODES

    model = FlagClassifier(cv=3).fit(small_features.X, small_features.flags, groups=small_features.groups)
    assert FEATURE_INDEX["credentials"] not in model.columns_["off_topic"]
    assert FEATURE_INDEX["credentials"] in model.columns_["generic_pitch"]
    boasting = small_features.X.copy()
    boasting[:, FEATURE_INDEX["credentials"]] = 4
    column = FLAG_CODES.index("off_topic")
    assert np.allclose(model.predict_proba(boasting)[:, column], model.predict_proba(small_features.X)[:, column])
    asking = small_features.X.copy()
    asking[:, FEATURE_INDEX["question_marks"]] = 2  # "Could you introduce us?" does not make an offer on topic
    assert np.allclose(model.predict_proba(asking)[:, column], model.predict_proba(small_features.X)[:, column])
    everything = FlagClassifier(cv=3, excluded={}).fit(small_features.X, small_features.flags,
                                                       groups=small_features.groups)
    assert len(everything.columns_["off_topic"]) == small_features.X.shape[1]


def test_artifact_round_trip_and_refusal_of_foreign_types(small_features, tmp_path):
    grade = GradeClassifier().fit(small_features.X, small_features.grades)
    stacked = with_grade_features(small_features.X, grade.predict_proba(small_features.X))
    flags = FlagClassifier(cv=3).fit(stacked, small_features.flags, groups=small_features.groups)
    card = ModelCard(version="t1", created_at="2026-01-01T00:00:00+00:00", encoder="e", data_fingerprint="f",
                     n_threads=4, n_replies=len(small_features.X))
    path = save_model(tmp_path / "t1", grade, flags, card)
    grade2, flags2, card2 = load_model(path)
    assert np.allclose(grade2.predict_proba(small_features.X), grade.predict_proba(small_features.X))
    assert (flags2.predict(stacked) == flags.predict(stacked)).all()
    assert card2.version == "t1"
    with pytest.raises(ArtifactError, match="immutable"):
        save_model(tmp_path / "t1", grade, flags, card)
    unstacked = FlagClassifier(cv=3).fit(small_features.X, small_features.flags, groups=small_features.groups)
    with pytest.raises(ArtifactError, match="number of features"):
        load_model(save_model(tmp_path / "t2", grade, unstacked, card))

    import skops.io as sio

    sio.dump(SVC(), path / "grade.skops")  # a safe type, but not ours
    with pytest.raises(ArtifactError, match="does not hold"):
        load_model(path)
    sio.dump(Foreign(), path / "grade.skops")  # a type outside the allow-list is never instantiated
    with pytest.raises(ArtifactError, match="allow-list"):
        load_model(path)
    (path / "flags.skops").write_bytes(b"garbage")
    (path / "grade.skops").unlink()
    with pytest.raises(ArtifactError, match="missing"):
        load_model(path)

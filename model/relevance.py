"""scikit-learn estimators: the relevance grade model and the seven flag heads.

Both follow scikit-learn conventions (constructor stores hyper-parameters only, `fit` learns,
fitted attributes end in `_`) so they cross-validate, clone and persist (skops) like any estimator.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from model.features import FEATURE_INDEX
from model.memory import MEMORY_FLAGS, Neighbours, blend_flags, blend_grades
from model.types import FLAG_CODES

GRADES = np.arange(4)

#: flags decided by a learned head (meaning matters); the rest are rules.
LEARNED_FLAGS: tuple[str, ...] = ("bare_link", "off_topic", "deck_without_context", "lead_begging", "generic_pitch")
#: a learned flag can only fire when its gate feature is on (a bare link needs a link, a deck needs a deck).
GATES: dict[str, str] = {"bare_link": "has_url_outside_signature", "deck_without_context": "has_deck"}
#: features a head does not read, each measured by grouped CV over seven fold seeds. Company credentials
#: ("12 лет, 90 специалистов") are docs/labeling.md's sign of a generic pitch, not of a subject mismatch
#: (off_topic F1 +0.01 without them). Begging is about asking without showing experience, whatever the
#: subject: the taxonomy features only added noise to that head (lead_begging F1 +0.02 without them).
#: Off-topic reads the industry match at sector level only: labeling.md counts neighbouring businesses
#: as one domain, and the finer columns made a warehouse case "another domain" to a courier request.
#: Off-topic is about what a reply offers, not whether it also asks something: on fresh threads a
#: recruiting agency ending "Could you introduce us to the client?" read as on-topic by its question mark
#: (docs/quality.md, seventh session; off_topic F1 on fresh set A 0.787 → 0.839, CV 0.803 → 0.807).
#: Begging is judged on its own (flags.md): a link does not make "скиньте контакт клиента" less of a request for the
#: lead, so the begging head reads no URL columns (docs/quality.md, ninth session).
EXCLUDED_FEATURES: dict[str, tuple[str, ...]] = {
    "off_topic": ("credentials", "tax_industry_match", "tax_industry_miss", "question_marks"),
    "lead_begging": (*(name for name in FEATURE_INDEX if name.startswith("tax_")), "n_urls",
                     "has_url_outside_signature"),
}


def _linear(C: float, balanced: bool) -> Pipeline:
    return Pipeline([
        ("scale", StandardScaler()),
        ("clf", LogisticRegression(C=C, max_iter=5000, class_weight="balanced" if balanced else None)),
    ])


class GradeClassifier(ClassifierMixin, BaseEstimator):
    """Multinomial logistic regression over reply features; probabilities of grades 0–3.

    `score` is the expected grade scaled to [0, 1], which orders replies for graded ranking;
    `relevant` is P(grade ≥ 2) > 0.5, as flags.md defines it.
    """

    def __init__(self, C: float = 0.5) -> None:
        self.C = C

    def fit(self, X: np.ndarray, y: Sequence[int], sample_weight: np.ndarray | None = None) -> "GradeClassifier":
        y = np.asarray(y, dtype=int)
        self.pipeline_ = _linear(self.C, balanced=False).fit(X, y, **_weights(sample_weight))
        self.classes_ = GRADES
        self.n_features_in_ = X.shape[1]
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        proba = np.zeros((X.shape[0], len(GRADES)))
        fitted_classes = self.pipeline_.classes_
        proba[:, fitted_classes] = self.pipeline_.predict_proba(X)
        return proba

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The most likely grade, kept consistent with `relevant` (never 'relevant' with grade 1)."""
        return grades_from_proba(self.predict_proba(X))

    def score_samples(self, X: np.ndarray) -> np.ndarray:
        return self.predict_proba(X) @ GRADES / 3.0


def grades_from_proba(proba: np.ndarray) -> np.ndarray:
    """The most likely grade on the side of 2 that P(grade >= 2) is on."""
    relevant = proba[:, 2:].sum(axis=1) > 0.5
    return np.where(relevant, 2 + proba[:, 2:].argmax(axis=1), proba[:, :2].argmax(axis=1))


STACKED_COLUMNS = 2  # P(relevant) and the expected grade, appended by with_grade_features
OFF_TOPIC_SCORE_CAP = 0.5  # = expected grade 1.5: below anything the model believes relevant


def reconcile(proba: np.ndarray, scores: np.ndarray, grades: np.ndarray, off_topic: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep outputs consistent with flags.md: an off-topic reply is not relevant (grade ≤ 1).

    Returns (scores, grades, relevant). Measured neutral on ranking under grouped CV; it removes
    contradictions such as 'relevant' and 'off_topic' on the same reply.
    """
    relevant = (proba[:, 2:].sum(axis=1) > 0.5) & ~off_topic
    low = proba[:, :2].argmax(axis=1)
    grades = np.where(off_topic, np.minimum(grades, low), grades)
    scores = np.where(off_topic, np.minimum(scores, OFF_TOPIC_SCORE_CAP), scores)
    return scores, grades, relevant


def with_grade_features(X: np.ndarray, grade_proba: np.ndarray) -> np.ndarray:
    """Stack the grade model's view (P(relevant), expected grade) onto the features for the flag heads.

    'Off-topic' is 'offers something AND it does not match'; the grade model already summarises
    the second half, so the flag heads get it as an input. Train with out-of-fold probabilities.
    """
    return np.hstack([X, grade_proba[:, 2:].sum(axis=1, keepdims=True), (grade_proba @ GRADES)[:, None]])


def out_of_fold_grade_proba(X: np.ndarray, grades: np.ndarray, groups: np.ndarray, cv: int = 5,
                            random_state: int = 1, sample_weight: np.ndarray | None = None) -> np.ndarray:
    """Grade probabilities for each row from a model that never saw the row's thread."""
    proba = np.zeros((len(X), len(GRADES)))
    n_splits = min(cv, len(np.unique(groups)))
    if n_splits < 2:
        return GradeClassifier().fit(X, grades, sample_weight).predict_proba(X)
    for train, test in GroupKFold(n_splits=n_splits, shuffle=True, random_state=random_state).split(X, grades, groups):
        weight = None if sample_weight is None else sample_weight[train]
        proba[test] = GradeClassifier().fit(X[train], grades[train], weight).predict_proba(X[test])
    return proba


def _weights(sample_weight: np.ndarray | None) -> dict[str, np.ndarray]:
    """Pipeline keyword for per-row weights; none when every row counts once."""
    return {} if sample_weight is None else {"clf__sample_weight": np.asarray(sample_weight, dtype=float)}


def _best_threshold(y: np.ndarray, proba: np.ndarray, weight: np.ndarray | None = None) -> float:
    """Decision threshold that maximises (weighted) F1 on out-of-fold probabilities (middle of the best plateau)."""
    if y.sum() == 0:
        return 0.5
    candidates = np.linspace(0.05, 0.95, 91)
    scores = np.asarray([_oof_f1(y, proba, t, weight) for t in candidates])
    best = np.flatnonzero(scores >= scores.max() - 1e-9)
    return float(candidates[best].mean())


def _oof_f1(y: np.ndarray, proba: np.ndarray, threshold: float, weight: np.ndarray | None = None) -> float:
    w = np.ones(len(y)) if weight is None else weight
    predicted = proba >= threshold
    tp = float(w[predicted & y].sum())
    return 2 * tp / max(float(w[predicted].sum() + w[y].sum()), 1e-12)


class FlagClassifier(BaseEstimator):
    """All seven flags: rules where rules are right, gated logistic heads where meaning matters.

    Thresholds (the learned heads' decision thresholds and the closed-request acknowledgment
    similarity) are tuned on out-of-fold predictions grouped by thread, never guessed.
    """

    def __init__(self, Cs: tuple[float, ...] = (0.1, 0.3, 1.0, 3.0), cv: int = 5, random_state: int = 0,
                 excluded: dict[str, tuple[str, ...]] | None = None) -> None:
        self.Cs = Cs
        self.cv = cv
        self.random_state = random_state
        self.excluded = excluded

    # -- fitting -----------------------------------------------------------------------------------

    def fit(self, X: np.ndarray, Y: np.ndarray, groups: Sequence[str] | None = None,
            sample_weight: np.ndarray | None = None) -> "FlagClassifier":
        Y = np.asarray(Y, dtype=bool)
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        groups = np.asarray(groups if groups is not None else np.arange(len(X)))
        self.flags_ = FLAG_CODES
        self.heads_: dict[str, Pipeline] = {}
        self.thresholds_: dict[str, float] = {}
        self.C_: dict[str, float] = {}
        self.columns_: dict[str, np.ndarray] = {}
        excluded = EXCLUDED_FEATURES if self.excluded is None else self.excluded
        for flag in LEARNED_FLAGS:
            column = Y[:, FLAG_CODES.index(flag)]
            rows = self._gate(X, flag)
            skip = {FEATURE_INDEX[name] for name in excluded.get(flag, ())}
            self.columns_[flag] = np.array([i for i in range(X.shape[1]) if i not in skip])
            Xg, yg, gg = X[rows][:, self.columns_[flag]], column[rows], groups[rows]
            wg = None if weights is None else weights[rows]
            if yg.sum() < 2 or (~yg).sum() < 2:
                continue  # too few examples to learn; the flag never fires
            # regularisation and threshold per flag, both chosen on out-of-fold F1 grouped by thread
            best = max(((_oof_f1(yg, oof, threshold := _best_threshold(yg, oof, wg), wg), -C, C, threshold)
                        for C in self.Cs for oof in [self._out_of_fold(Xg, yg, gg, C, wg)]))
            _, _, C, threshold = best
            self.C_[flag], self.thresholds_[flag] = C, threshold
            self.heads_[flag] = _linear(C, balanced=True).fit(Xg, yg, **_weights(wg))
        self.ack_threshold_ = self._tune_ack(X, Y[:, FLAG_CODES.index("late_reply")])
        self.n_features_in_ = X.shape[1]
        return self

    def _out_of_fold(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray, C: float,
                     weight: np.ndarray | None = None) -> np.ndarray:
        n_splits = min(self.cv, len(np.unique(groups)))
        oof = np.zeros(len(y))
        if n_splits < 2:
            return _linear(C, True).fit(X, y, **_weights(weight)).predict_proba(X)[:, 1]
        for train, test in GroupKFold(n_splits=n_splits, shuffle=True, random_state=self.random_state).split(X, y, groups):
            if y[train].all() or not y[train].any():
                oof[test] = y[train].mean()
                continue
            model = clone(_linear(C, True)).fit(X[train], y[train],
                                                **_weights(None if weight is None else weight[train]))
            oof[test] = model.predict_proba(X[test])[:, 1]
        return oof

    def _tune_ack(self, X: np.ndarray, late: np.ndarray) -> float:
        """Similarity to 'I see the request is closed' above which a late reply counts as acknowledged."""
        after = X[:, FEATURE_INDEX["is_after_close"]] > 0
        lexical = X[:, FEATURE_INDEX["lex_closed_ack"]] > 0
        sims = X[:, FEATURE_INDEX["proto_closed_ack"]]
        if not after.any():
            return 0.9
        best_threshold, best_f1 = 1.01, -1.0
        for threshold in np.round(np.arange(0.80, 1.011, 0.005), 3):
            predicted = after & ~lexical & (sims < threshold)
            tp = float((predicted & late).sum())
            f1 = 2 * tp / max(predicted.sum() + late.sum(), 1)
            if f1 > best_f1 + 1e-9:
                best_threshold, best_f1 = float(threshold), f1
        return best_threshold

    # -- prediction --------------------------------------------------------------------------------

    @staticmethod
    def _gate(X: np.ndarray, flag: str) -> np.ndarray:
        gate = GATES.get(flag)
        return X[:, FEATURE_INDEX[gate]] > 0 if gate else np.ones(len(X), dtype=bool)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Probability per flag (rules give 0 or 1), columns in FLAG_CODES order."""
        proba = np.zeros((len(X), len(FLAG_CODES)))
        proba[:, FLAG_CODES.index("no_greeting")] = X[:, FEATURE_INDEX["has_greeting"]] == 0
        after = X[:, FEATURE_INDEX["is_after_close"]] > 0
        acknowledged = (X[:, FEATURE_INDEX["lex_closed_ack"]] > 0) | \
                       (X[:, FEATURE_INDEX["proto_closed_ack"]] >= self.ack_threshold_)
        proba[:, FLAG_CODES.index("late_reply")] = after & ~acknowledged
        for flag, head in self.heads_.items():
            rows = self._gate(X, flag)
            if rows.any():
                proba[rows, FLAG_CODES.index(flag)] = head.predict_proba(X[rows][:, self.columns_[flag]])[:, 1]
        return proba

    def decision_scores(self, X: np.ndarray) -> np.ndarray:
        """Per-flag scores rescaled piecewise-linearly so that each head's threshold sits at 0.5.

        A flag fires at >= 0.5, whatever its tuned threshold; that common scale is what the label
        memory blends with.
        """
        proba = self.predict_proba(X)
        scores = proba.copy()
        for flag, threshold in self.thresholds_.items():
            column = FLAG_CODES.index(flag)
            p = proba[:, column]
            scores[:, column] = np.where(p < threshold, 0.5 * p / threshold,
                                         0.5 + 0.5 * (p - threshold) / max(1.0 - threshold, 1e-9))
        return scores

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.decision_scores(X) >= 0.5


@dataclass
class Outputs:
    """What the grade and flag models (and the label memory, when given) say about a batch of replies."""

    proba: np.ndarray  # (n, 4) P(grade)
    scores: np.ndarray  # (n,) in [0, 1]
    grades: np.ndarray  # (n,)
    relevant: np.ndarray  # (n,) bool
    flags: np.ndarray  # (n, 7) bool
    neighbours: Neighbours | None = None
    uncertainty: np.ndarray | None = None  # (n,) in [0, 1]: how much a human label would teach (label_priority)


def scale_features(grade: GradeClassifier, X: np.ndarray) -> np.ndarray:
    """Features standardised as the grade model sees them: the label memory's relation key."""
    return grade.pipeline_.named_steps["scale"].transform(X)


def predict_outputs(grade: GradeClassifier, flags: FlagClassifier, X: np.ndarray,
                    neighbours: Neighbours | None = None, prior: float = 0.5) -> Outputs:
    """Scores, grades, relevance and flags exactly as every door serves them.

    With `neighbours` (the label memory's opinion), the grade distribution and the learned flags' scores
    are blended with the labels of similar stored replies before decisions are taken.
    """
    proba = grade.predict_proba(X)
    decision = flags.decision_scores(with_grade_features(X, proba))
    model_proba, model_decision = proba, decision
    if neighbours is not None:
        proba = blend_grades(proba, neighbours, prior)
        decision = blend_flags(decision, neighbours, prior)
    decided = decision >= 0.5
    scores, grades, relevant = reconcile(proba, proba @ GRADES / 3.0, grades_from_proba(proba),
                                         decided[:, FLAG_CODES.index("off_topic")])
    uncertainty = label_priority(proba, decision, model_proba, model_decision, neighbours)
    return Outputs(proba, scores, grades, relevant, decided, neighbours, uncertainty)


def label_priority(proba: np.ndarray, decision: np.ndarray, model_proba: np.ndarray, model_decision: np.ndarray,
                   neighbours: Neighbours | None) -> np.ndarray:
    """How much a maintainer's label of each reply would teach, in [0, 1]; the UI offers these replies first.

    The largest of: the grade model's doubt about relevance (P(grade >= 2) near 0.5), a learned flag's doubt (its
    score near its threshold), and disagreement between the model and the stored labels near the reply.
    """
    relevant = proba[:, 2:].sum(axis=1)
    doubts = [1.0 - np.abs(2.0 * relevant - 1.0)]
    learned = [FLAG_CODES.index(code) for code in LEARNED_FLAGS]
    doubts.append((1.0 - np.abs(2.0 * decision[:, learned] - 1.0)).clip(0.0, 1.0).max(axis=1))
    if neighbours is not None:
        near = neighbours.weight > 0
        judged = [FLAG_CODES.index(code) for code in MEMORY_FLAGS]
        flag_gap = np.abs(neighbours.flag_rate[:, judged] - (model_decision[:, judged] >= 0.5)).max(axis=1)
        grade_gap = np.abs(neighbours.grade_proba @ GRADES - model_proba @ GRADES) / 3.0
        doubts.append(np.where(near, np.maximum(flag_gap, grade_gap), 0.0))
    return np.vstack(doubts).max(axis=0)

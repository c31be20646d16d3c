"""Evaluation: thread-grouped cross-validation of our model beside two baselines on the same folds.

Baselines: TF-IDF cosine (request vs reply text and attachment pages, vectoriser fitted on the
training folds) and raw encoder cosine (request vs reply text, no learning). They rank only; they
have no grades or flags.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import ndcg_score, precision_recall_fscore_support, roc_auc_score
from sklearn.model_selection import GroupKFold

from model.features import FEATURE_INDEX
from model.relevance import predict_outputs
from model.types import FLAG_CODES, Thread
from training.featureset import FeatureSet, fit_models

SYSTEMS = ("model", "tfidf", "e5_cosine")


def ranking_metrics(groups: np.ndarray, grades: np.ndarray, scores: np.ndarray) -> dict:
    ndcgs, top1 = [], []
    for group in dict.fromkeys(groups):
        rows = groups == group
        true, pred = grades[rows], scores[rows]
        if len(true) < 2:
            continue
        top1.append(float(true[int(np.argmax(pred))] == true.max()))
        if true.max() > 0:
            ndcgs.append(float(ndcg_score([true], [pred], k=3)))
    relevant = grades >= 2
    auc = float(roc_auc_score(relevant, scores)) if 0 < relevant.sum() < len(relevant) else float("nan")
    return {"ndcg@3": float(np.mean(ndcgs)) if ndcgs else float("nan"), "roc_auc": auc,
            "top1": float(np.mean(top1)) if top1 else float("nan"), "threads": len(top1)}


def flag_metrics(truth: np.ndarray, predicted: np.ndarray) -> dict:
    precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, average=None, zero_division=0)
    per_flag = {code: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
                       "support": int(support[i])} for i, code in enumerate(FLAG_CODES)}
    f1s = [per_flag[c]["f1"] for c in FLAG_CODES]
    return {"per_flag": per_flag, "macro_f1": float(np.mean(f1s)), "min_f1": float(np.min(f1s))}


def _reply_document(thread: Thread, index: int) -> str:
    reply = thread.replies[index]
    pages = [page for attachment in reply.attachments for page in (attachment.pages or ())]
    return "\n".join([reply.text, *pages])


def _tfidf_scores(threads: Sequence[Thread], train_ids: set[str], test_threads: Sequence[Thread]) -> list[float]:
    corpus = [t.request.text for t in threads if t.id in train_ids]
    corpus += [_reply_document(t, i) for t in threads if t.id in train_ids for i in range(len(t.replies))]
    vectorizer = TfidfVectorizer(sublinear_tf=True, min_df=1).fit(corpus)
    scores: list[float] = []
    for thread in test_threads:
        request = vectorizer.transform([thread.request.text])
        replies = vectorizer.transform([_reply_document(thread, i) for i in range(len(thread.replies))])
        scores.extend((replies @ request.T).toarray().ravel().tolist())
    return scores


def e5_cosine_scores(features: FeatureSet) -> np.ndarray:
    """The raw-encoder baseline: request vs reply text (vs the best page when the text is empty)."""
    sim_text = features.X[:, FEATURE_INDEX["sim_text"]]
    return np.where(sim_text != 0, sim_text, features.X[:, FEATURE_INDEX["sim_page_max"]])


def cross_validate(features: FeatureSet, threads: Sequence[Thread], folds: int = 5, seed: int = 0,
                   baselines: bool = True) -> dict:
    """Out-of-fold predictions for every reply, then metrics over all of them."""
    n = len(features.grades)
    scores, grades_pred = np.zeros(n), np.zeros(n, dtype=int)
    flags_pred = np.zeros((n, len(FLAG_CODES)), dtype=bool)
    tfidf = np.zeros(n)
    by_id = {t.id: t for t in threads}
    n_splits = min(folds, len(by_id))
    splitter = GroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    for train, test in splitter.split(features.X, features.grades, features.groups):
        grade, flags = fit_models(features.subset(train))
        scores[test], grades_pred[test], flags_pred[test] = predict_all(grade, flags, features.X[test])
        if baselines:
            test_ids = list(dict.fromkeys(features.groups[test]))
            tfidf[test] = _tfidf_scores(threads, set(features.groups[train]), [by_id[i] for i in test_ids])
    report = {"model": {**ranking_metrics(features.groups, features.grades, scores),
                        "grade_accuracy": float((grades_pred == features.grades).mean()),
                        "flags": flag_metrics(features.flags, flags_pred)}}
    if baselines:
        report["tfidf"] = ranking_metrics(features.groups, features.grades, tfidf)
        report["e5_cosine"] = ranking_metrics(features.groups, features.grades, e5_cosine_scores(features))
    report["folds"] = n_splits
    report["replies"] = n
    return report


def predict_all(grade, flags, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scores, grades and flags exactly as the Screener produces them."""
    out = predict_outputs(grade, flags, X)
    return out.scores, out.grades, out.flags


def evaluate_fitted(features: FeatureSet, grade, flags) -> dict:
    """Metrics of an already-trained model on held-out threads (no refitting)."""
    scores, predicted, decided = predict_all(grade, flags, features.X)
    return {**ranking_metrics(features.groups, features.grades, scores),
            "grade_accuracy": float((predicted == features.grades).mean()),
            "flags": flag_metrics(features.flags, decided)}


def holdout_report(features: FeatureSet, threads: Sequence[Thread], grade, flags) -> dict:
    """A trained model on threads it never saw, beside both baselines on the same threads."""
    tfidf = np.asarray(_tfidf_scores(threads, {t.id for t in threads}, threads))
    return {"model": evaluate_fitted(features, grade, flags),
            "tfidf": ranking_metrics(features.groups, features.grades, tfidf),
            "e5_cosine": ranking_metrics(features.groups, features.grades, e5_cosine_scores(features)),
            "replies": len(features.grades)}

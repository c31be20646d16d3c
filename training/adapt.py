"""The adaptation benchmark: how fast a community's own labels teach the model its reading.

A community's labeled threads (written by people the model never saw) are shuffled by thread; the last
`n_eval` are the test threads, the first ones are the pool a maintainer labels from. For each K in
`ks`, the first K pool threads are "labeled": the base model screens the test threads
- with those labels in the label memory only (no retrain), and
- after a retrain on the base data plus the K threads (weighted `example_weight`), with the memory too.
Repeated over several shuffles (seeds) and averaged; the per-seed figures stay in the report.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from model.memory import LabelMemory, MemoryConfig, MemoryItem
from model.relevance import FlagClassifier, GradeClassifier, predict_outputs, scale_features
from model.types import FLAG_CODES
from training.evaluate import flag_metrics, ranking_metrics
from training.featureset import FeatureSet, fit_models

DEFAULT_KS: tuple[int, ...] = (0, 5, 10, 20)
HEADLINE = ("ndcg@3", "roc_auc", "grade_accuracy", "macro_f1", "off_topic", "generic_pitch", "lead_begging")


@dataclass(frozen=True)
class AdaptConfig:
    ks: tuple[int, ...] = DEFAULT_KS
    n_eval: int = 10
    seeds: tuple[int, ...] = (0, 1, 2)
    example_weight: float = 3.0
    memory: MemoryConfig = MemoryConfig()


def memory_from(features: FeatureSet, grade: GradeClassifier, config: MemoryConfig) -> LabelMemory:
    """A label memory holding every row of `features` (its vectors and its labels)."""
    items = [MemoryItem(example_id=rid, thread_id=str(group), reply_id=rid, relevance=int(g),
                        flags=tuple(code for code, on in zip(FLAG_CODES, row) if on))
             for rid, group, g, row in zip(features.reply_ids, features.groups, features.grades, features.flags)]
    scaled = scale_features(grade, features.X) if len(features.X) else features.X
    return LabelMemory(items, features.request_vectors, features.reply_vectors, scaled, config)


def screen_rows(grade: GradeClassifier, flags: FlagClassifier, test: FeatureSet,
                memory: LabelMemory | None = None) -> dict:
    """Metrics of a model (with the memory, when given) on test rows, grouped by their threads."""
    scores = np.zeros(len(test.grades))
    grades = np.zeros(len(test.grades), dtype=int)
    decided = np.zeros((len(test.grades), len(FLAG_CODES)), dtype=bool)
    for group in dict.fromkeys(test.groups):
        rows = np.flatnonzero(test.groups == group)
        X = test.X[rows]
        neighbours = None
        if memory is not None and len(memory):
            neighbours = memory.lookup(test.request_vectors[rows[0]], test.reply_vectors[rows],
                                       scale_features(grade, X))
        out = predict_outputs(grade, flags, X, neighbours, memory.config.prior if memory is not None else 0.5)
        scores[rows], grades[rows], decided[rows] = out.scores, out.grades, out.flags
    metrics = flag_metrics(test.flags, decided)
    return {**ranking_metrics(test.groups, test.grades, scores),
            "grade_accuracy": float((grades == test.grades).mean()), "macro_f1": metrics["macro_f1"],
            **{code: metrics["per_flag"][code]["f1"] for code in FLAG_CODES}}


def _concat(a: FeatureSet, b: FeatureSet, weight_b: float) -> FeatureSet:
    weights = np.concatenate([a.weights if a.weights is not None else np.ones(len(a.grades)),
                              np.full(len(b.grades), weight_b)])
    return FeatureSet(np.vstack([a.X, b.X]), np.concatenate([a.grades, b.grades]), np.vstack([a.flags, b.flags]),
                      np.concatenate([a.groups, b.groups]), a.reply_ids + b.reply_ids,
                      None if weight_b == 1.0 else weights)


def adaptation_curve(base: FeatureSet, community: FeatureSet, config: AdaptConfig = AdaptConfig(),
                     base_model: tuple[GradeClassifier, FlagClassifier] | None = None,
                     progress: Callable[[str], None] | None = None) -> dict:
    """Per K: metrics of memory only and of retrain + memory (and retrain alone), averaged over seeds."""
    threads = list(dict.fromkeys(community.groups))
    if len(threads) < config.n_eval + 1:
        raise ValueError(f"the community set has {len(threads)} threads; the benchmark needs more than "
                         f"n_eval={config.n_eval}")
    ks = tuple(k for k in config.ks if k <= len(threads) - config.n_eval)
    grade, flags = base_model or fit_models(base)
    runs: dict[str, dict[int, list[dict]]] = {"memory": {}, "retrain": {}, "retrain+memory": {}}
    for seed in config.seeds:
        order = list(np.random.default_rng(seed).permutation(threads))
        test_ids, pool = order[-config.n_eval:], order[:-config.n_eval]
        test = community.subset(np.isin(community.groups, test_ids))
        for k in ks:
            labeled = community.subset(np.isin(community.groups, pool[:k]))
            if progress:
                progress(f"seed {seed}, K={k}")
            memory = memory_from(labeled, grade, config.memory) if k else None
            runs["memory"].setdefault(k, []).append(screen_rows(grade, flags, test, memory))
            if k == 0:
                runs["retrain"].setdefault(k, []).append(runs["memory"][k][-1])
                runs["retrain+memory"].setdefault(k, []).append(runs["memory"][k][-1])
                continue
            retrained = fit_models(_concat(base, labeled, config.example_weight))
            runs["retrain"].setdefault(k, []).append(screen_rows(*retrained, test))
            runs["retrain+memory"].setdefault(k, []).append(
                screen_rows(*retrained, test, memory_from(labeled, retrained[0], config.memory)))
    mean = {mode: {k: {name: float(np.nanmean([r[name] for r in results])) for name in results[0]}
                   for k, results in by_k.items()} for mode, by_k in runs.items()}
    return {"ks": list(ks), "n_eval": config.n_eval, "seeds": list(config.seeds), "threads": len(threads),
            "replies": int(len(community.grades)), "example_weight": config.example_weight,
            "memory_config": config.memory.__dict__, "mean": mean, "runs": runs}


def markdown_table(report: dict, metrics: Sequence[str] = HEADLINE) -> str:
    lines = ["| mode | K | " + " | ".join(metrics) + " |", "|---|---|" + "---|" * len(metrics)]
    for mode, by_k in report["mean"].items():
        for k, values in by_k.items():
            lines.append(f"| {mode} | {k} | " + " | ".join(f"{values[m]:.3f}" for m in metrics) + " |")
    return "\n".join(lines)


def write_curve(reports: dict[str, dict], path, metrics: Sequence[str] = ("macro_f1", "off_topic", "generic_pitch",
                                                                          "ndcg@3")) -> None:
    """One panel per metric; a line per community and mode, F1 against K."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3.6), sharex=True)
    for axis, metric in zip(np.atleast_1d(axes), metrics):
        for name, report in reports.items():
            for mode, style in (("memory", "--"), ("retrain+memory", "-")):
                by_k = report["mean"][mode]
                ks = sorted(int(k) for k in by_k)
                axis.plot(ks, [by_k[k][metric] if k in by_k else by_k[str(k)][metric] for k in ks], style,
                          marker="o", label=f"{name}: {mode}")
        axis.set_title(metric)
        axis.set_xlabel("labeled threads K")
        axis.grid(alpha=0.3)
    np.atleast_1d(axes)[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)

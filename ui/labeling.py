"""Pure helpers for the Label & retrain page: prefilled labels, metrics comparison, tables.

Kept apart from Streamlit so the shaping of service answers is unit-tested; every function is
tolerant of missing fields (an older or newer service must not break the page).
"""
from __future__ import annotations

from typing import Any

from ui.i18n import FLAG_CODES, flag_label


def items(payload: Any, key: str = "items") -> list[dict[str, Any]]:
    """`{"items": [...]}` or a bare list → list of dicts."""
    if isinstance(payload, dict):
        payload = payload.get(key, [])
    return [x for x in payload or [] if isinstance(x, dict)] if isinstance(payload, list) else []


def prefill(result: dict[str, Any], label: dict[str, Any] | None) -> tuple[int, list[str]]:
    """(grade, flags) to show: the stored human label if any, else the model's prediction."""
    source = label if label else None
    if source is not None:
        grade = source.get("relevance")
        flags = source.get("flags") or []
    else:
        grade = result.get("grade")
        flags = [f.get("code") for f in result.get("flags") or [] if isinstance(f, dict)]
    try:
        grade_int = min(3, max(0, int(grade)))
    except (TypeError, ValueError):
        grade_int = 0
    return grade_int, [str(f) for f in flags if f in FLAG_CODES]


def labels_by_reply(screening: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(lbl.get("reply_id")): lbl for lbl in items(screening.get("labels"), "labels") if lbl.get("reply_id")}


def flatten_metrics(metrics: Any, prefix: str = "") -> dict[str, float]:
    """Nested metric dicts → {"a.b": value} with numeric leaves only (bools and counts dropped)."""
    flat: dict[str, float] = {}
    if not isinstance(metrics, dict):
        return flat
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten_metrics(value, f"{name}."))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            flat[name] = float(value)
    return flat


def comparable_metrics(active: dict[str, Any], candidate: dict[str, Any], limit: int = 14) -> list[str]:
    """Metric names both models report as scores in [0, 1], headline metrics first.

    Per-flag precision/recall/support are left out (their F1 is kept) so the chart stays
    readable; counts (threads, support) are never on a 0–1 axis.
    """
    a, c = flatten_metrics(active), flatten_metrics(candidate)
    common = [
        k
        for k in a
        if k in c
        and 0.0 <= a[k] <= 1.0
        and 0.0 <= c[k] <= 1.0
        and not k.endswith((".precision", ".recall", ".support"))
    ]
    headline = ("ndcg", "map", "mrr", "auc", "top1", "accuracy", "macro_f1", "min_f1", "f1", "precision", "recall")

    def rank(name: str) -> tuple[int, int, int]:
        low = name.lower()
        hit = next((i for i, h in enumerate(headline) if h in low), len(headline))
        return (low.count("."), hit, common.index(name))

    return sorted(common, key=rank)[:limit]


_METRIC_NAMES: dict[str, dict[str, str]] = {
    "ndcg@3": {"ru": "NDCG@3", "en": "NDCG@3"},
    "roc_auc": {"ru": "ROC AUC", "en": "ROC AUC"},
    "top1": {"ru": "Лучший первым", "en": "Top-1"},
    "grade_accuracy": {"ru": "Точность оценки", "en": "Grade accuracy"},
    "flags.macro_f1": {"ru": "F1 меток (средняя)", "en": "Flags F1 (macro)"},
    "flags.min_f1": {"ru": "F1 меток (худшая)", "en": "Flags F1 (worst)"},
}


def metric_label(name: str, lang: str) -> str:
    """Readable metric name; per-flag F1 gets the flag's badge text."""
    if name in _METRIC_NAMES:
        return _METRIC_NAMES[name].get(lang, name)
    parts = name.split(".")
    if len(parts) >= 2 and parts[-1] == "f1" and parts[-2] in FLAG_CODES:
        return f"F1 · {flag_label(parts[-2], lang)}"
    return name


def headline_metrics(metrics: Any, limit: int = 5) -> dict[str, float]:
    """A few top-level scores for the models table."""
    flat = flatten_metrics(metrics)
    names = [n for n in comparable_metrics(metrics or {}, metrics or {}, limit=limit * 3) if n.count(".") <= 1]
    return {n: flat[n] for n in names[:limit]}


def metrics_long(models: dict[str, dict[str, Any]], names: list[str], lang: str | None = None) -> list[dict[str, Any]]:
    """Long-form rows (metric, model, value) for a grouped bar chart; names readable if `lang`."""
    rows: list[dict[str, Any]] = []
    for label, metrics in models.items():
        flat = flatten_metrics(metrics)
        for name in names:
            if name in flat:
                shown = metric_label(name, lang) if lang else name
                rows.append({"metric": shown, "model": label, "value": round(flat[name], 4)})
    return rows


def _trained_at(model: dict[str, Any]) -> str:
    """When the model was trained (its card), else when the service registered it — ISO strings sort."""
    return str(model.get("created_at") or model.get("registered_at") or "")


def pick_candidate(models: list[dict[str, Any]]) -> str | None:
    """Newest model that is not active (what a maintainer just trained), else None."""
    others = [m for m in models if not m.get("active") and m.get("version")]
    if not others:
        return None
    return str(max(others, key=_trained_at)["version"])


def is_older(models: list[dict[str, Any]], version: str, than: str | None) -> bool:
    """True when `version` was registered before `than` — activating it is a rollback."""
    when = {str(m.get("version")): _trained_at(m) for m in models}
    return than is not None and version in when and than in when and when[version] < when[than]


def preview(text: Any, limit: int = 80) -> str:
    flat = " ".join(str(text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def label_order(results: list[dict[str, Any]], labels: dict[str, dict[str, Any]], useful_first: bool
                ) -> list[dict[str, Any]]:
    """Results by rank, or unlabeled replies first, most uncertain (`uncertainty`) first, rank breaking ties."""
    def rank(result: dict[str, Any]) -> float:
        value = result.get("rank")
        return float(value) if isinstance(value, (int, float)) else float("inf")

    if not useful_first:
        return sorted(results, key=rank)

    def doubt(result: dict[str, Any]) -> float:
        value = result.get("uncertainty")
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0

    return sorted(results, key=lambda r: (str(r.get("id")) in labels, -doubt(r), rank(r)))

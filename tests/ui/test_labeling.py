"""Shaping service answers for the Label & retrain page (ui/labeling.py)."""
from __future__ import annotations

from ui.labeling import comparable_metrics, flatten_metrics, is_older, items, labels_by_reply, metrics_long, pick_candidate, prefill, preview

RESULT = {"id": "r1", "grade": 2, "flags": [{"code": "no_greeting"}, {"code": "unknown_future_flag"}]}


def test_prefill_prefers_stored_label() -> None:
    assert prefill(RESULT, None) == (2, ["no_greeting"])
    assert prefill(RESULT, {"relevance": 0, "flags": ["lead_begging"]}) == (0, ["lead_begging"])
    assert prefill({"grade": 9}, None) == (3, []) and prefill({}, None) == (0, [])


def test_items_and_labels() -> None:
    assert items({"items": [{"a": 1}, "junk"]}) == [{"a": 1}]
    assert items([{"b": 2}]) == [{"b": 2}] and items(None) == [] and items({"items": "x"}) == []
    screening = {"labels": [{"reply_id": "r2", "relevance": 3}, {"relevance": 1}]}
    assert list(labels_by_reply(screening)) == ["r2"]


def test_metrics_flatten_and_compare() -> None:
    active = {"ndcg@3": 0.71, "n_threads": 40, "flags": {"no_greeting": {"f1": 0.9}, "macro_f1": 0.6}, "ok": True}
    cand = {"ndcg@3": 0.75, "n_threads": 44, "flags": {"no_greeting": {"f1": 0.95}, "macro_f1": 0.65}, "mae": 1.4}
    assert flatten_metrics(active) == {"ndcg@3": 0.71, "n_threads": 40.0, "flags.no_greeting.f1": 0.9, "flags.macro_f1": 0.6}
    names = comparable_metrics(active, cand)
    assert names[0] == "ndcg@3" and "n_threads" not in names and "mae" not in names
    rows = metrics_long({"new": cand, "old": active}, names)
    assert {"metric": "ndcg@3", "model": "new", "value": 0.75} in rows and len(rows) == 2 * len(names)


def test_candidate_and_rollback() -> None:
    models = [
        {"version": "v1", "registered_at": "2026-01-01T00:00:00", "active": False},
        {"version": "v2", "registered_at": "2026-02-01T00:00:00", "active": True},
        {"version": "v3", "registered_at": "2026-03-01T00:00:00", "active": False},
    ]
    assert pick_candidate(models) == "v3"
    assert is_older(models, "v1", "v2") and not is_older(models, "v3", "v2") and not is_older(models, "v1", None)
    assert pick_candidate([{"version": "v2", "active": True}]) is None
    # the training time (card) wins over the registration time (both registered at one sync)
    synced = [
        {"version": "old", "created_at": "2026-01-01T00:00:00Z", "registered_at": "2026-05-01T00:00:01Z"},
        {"version": "new", "created_at": "2026-02-01T00:00:00Z", "registered_at": "2026-05-01T00:00:00Z", "active": True},
    ]
    assert is_older(synced, "old", "new") and not is_older(synced, "new", "old")


def test_preview() -> None:
    assert preview("  a\n b  ") == "a b" and preview("x" * 100, 10) == "x" * 9 + "…" and preview(None) == ""


# The shape the service reports (model card metrics), trimmed.
CARD = {
    "ndcg@3": 0.945, "roc_auc": 0.966, "top1": 0.953, "threads": 86, "grade_accuracy": 0.75,
    "flags": {
        "per_flag": {
            "no_greeting": {"precision": 0.98, "recall": 1.0, "f1": 0.99, "support": 184},
            "off_topic": {"precision": 0.4, "recall": 0.64, "f1": 0.49, "support": 67},
        },
        "macro_f1": 0.86,
        "min_f1": 0.49,
    },
}


def test_chart_metrics_for_real_card() -> None:
    from ui.labeling import headline_metrics, metric_label

    names = comparable_metrics(CARD, CARD)
    assert names[:4] == ["ndcg@3", "roc_auc", "top1", "grade_accuracy"]
    assert "flags.per_flag.off_topic.f1" in names and not any(n.endswith(("precision", "recall", "support")) for n in names)
    assert "threads" not in names
    assert metric_label("flags.per_flag.off_topic.f1", "ru") == "F1 · Не по теме"
    assert metric_label("flags.macro_f1", "en") == "Flags F1 (macro)" and metric_label("weird", "en") == "weird"
    assert list(headline_metrics(CARD)) == ["ndcg@3", "roc_auc", "top1", "grade_accuracy", "flags.macro_f1"]
    rows = metrics_long({"a": CARD}, ["flags.min_f1"], "ru")
    assert rows == [{"metric": "F1 меток (худшая)", "model": "a", "value": 0.49}]


def test_label_order_puts_unlabeled_uncertain_replies_first():
    from ui.labeling import label_order

    results = [{"id": "a", "rank": 1, "uncertainty": 0.1}, {"id": "b", "rank": 2, "uncertainty": 0.9},
               {"id": "c", "rank": 3, "uncertainty": 0.95}, {"id": "d", "rank": 4}]
    labels = {"c": {"relevance": 0}}
    assert [r["id"] for r in label_order(results, labels, useful_first=False)] == ["a", "b", "c", "d"]
    # c is the most uncertain but already labeled; d (an older service without the field) counts as certain
    assert [r["id"] for r in label_order(results, labels, useful_first=True)] == ["b", "a", "d", "c"]
    assert label_order([], {}, useful_first=True) == []

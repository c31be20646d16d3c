"""Render an evaluation report: a terminal table, a JSON file and a PNG chart."""
from __future__ import annotations

import json
import math
from pathlib import Path

from rich.console import Console
from rich.table import Table

from model.types import FLAG_CODES

RANKING = (("ndcg@3", "NDCG@3"), ("roc_auc", "ROC-AUC"), ("top1", "top-1 is best"))
LABELS = {"model": "ReplyScreen", "tfidf": "TF-IDF cosine", "e5_cosine": "e5 cosine"}


def _fmt(value) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.3f}"


def print_report(report: dict, console: Console | None = None) -> None:
    console = console or Console()
    systems = [s for s in ("model", "tfidf", "e5_cosine") if s in report]
    table = Table(title=f"Ranking ({report.get('mode', 'cv')}, {report.get('replies', '?')} replies)")
    table.add_column("metric")
    for system in systems:
        table.add_column(LABELS[system], justify="right")
    for key, label in RANKING:
        table.add_row(label, *[_fmt(report[s].get(key)) for s in systems])
    table.add_row("grade accuracy", _fmt(report["model"].get("grade_accuracy")), *["—"] * (len(systems) - 1))
    console.print(table)
    flags = report["model"].get("flags")
    if flags:
        flag_table = Table(title=f"Flags (macro-F1 {flags['macro_f1']:.3f}, min {flags['min_f1']:.3f})")
        for column in ("flag", "precision", "recall", "F1", "support"):
            flag_table.add_column(column, justify="left" if column == "flag" else "right")
        for code in FLAG_CODES:
            m = flags["per_flag"][code]
            flag_table.add_row(code, _fmt(m["precision"]), _fmt(m["recall"]), _fmt(m["f1"]), str(m["support"]))
        console.print(flag_table)


def write_json(report: dict, path: Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")


def write_chart(report: dict, path: Path) -> None:
    """Grouped bars: ranking metrics per system, and F1 per flag for the model."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    systems = [s for s in ("model", "tfidf", "e5_cosine") if s in report]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [1, 1.4]})
    width = 0.8 / len(systems)
    for i, system in enumerate(systems):
        values = [report[system].get(key) or 0.0 for key, _ in RANKING]
        bars = left.bar([x + i * width for x in range(len(RANKING))], values, width, label=LABELS[system])
        left.bar_label(bars, fmt="%.2f", fontsize=7)
    left.set_xticks([x + width * (len(systems) - 1) / 2 for x in range(len(RANKING))], [l for _, l in RANKING])
    left.set_ylim(0, 1.08)
    left.set_title("Ranking")
    left.legend(loc="lower right", fontsize=8)
    flags = report["model"].get("flags")
    if flags:
        f1 = [flags["per_flag"][c]["f1"] for c in FLAG_CODES]
        bars = right.barh(list(FLAG_CODES), f1, color="tab:blue")
        right.bar_label(bars, fmt="%.2f", fontsize=7)
        right.set_xlim(0, 1.08)
        right.invert_yaxis()
        right.set_title(f"Flag F1 (macro {flags['macro_f1']:.2f})")
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)

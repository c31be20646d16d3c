"""A community adopts ReplyScreen, measured through the HTTP API: `python -m service.adapt_bench DATA`.

The issue's bar, as a maintainer would live it, on a real uvicorn worker over loopback:
1. screen the community's test threads with the default model (no labels);
2. import K labeled threads (`POST /v1/examples/import`) and screen again at once (the label memory only);
3. retrain (`POST /v1/models/train`, activate), time the job, and screen again (new heads + memory).
The service gets a private feature store seeded with the bundled samples' rows from
`settings.feature_store_dir`, as on a host where the default model was trained before the community arrived:
the retrain featurises exactly the imported threads, and that time is in the figure.
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from model.types import FLAG_CODES
from replyscreen.settings import Settings
from service.bench import Server
from training.artifacts import latest
from training.dataset import load_threads, thread_to_dict
from training.feature_store import thread_content_hash
from training.evaluate import flag_metrics, ranking_metrics


def _screen_metrics(client: httpx.Client, threads: list[Any]) -> dict[str, float]:
    groups, truth, scores, grades, predicted, flags_true = [], [], [], [], [], []
    for thread in threads:
        body = thread_to_dict(thread)
        replies = [{k: v for k, v in r.items() if k not in ("relevance", "flags")} for r in body["replies"]]
        resp = client.post("/v1/screen", json={"request": body["request"], "replies": replies})
        resp.raise_for_status()
        by_id = {r["id"]: r for r in resp.json()["results"]}
        for reply, grade, codes in zip(thread.replies, thread.relevance, thread.flags):
            result = by_id[reply.id]
            groups.append(thread.id)
            truth.append(grade)
            scores.append(result["score"])
            grades.append(result["grade"])
            got = {f["code"] for f in result["flags"]}
            predicted.append([code in got for code in FLAG_CODES])
            flags_true.append([code in codes for code in FLAG_CODES])
    truth_array = np.asarray(truth)
    flags = flag_metrics(np.asarray(flags_true), np.asarray(predicted))
    return {**ranking_metrics(np.asarray(groups), truth_array, np.asarray(scores)),
            "grade_accuracy": float((np.asarray(grades) == truth_array).mean()), "macro_f1": flags["macro_f1"],
            **{code: flags["per_flag"][code]["f1"] for code in FLAG_CODES}}


def _seed_store(target: Path, source: Path, samples_dir: Path) -> int:
    """A private feature store holding only the bundled samples' rows, as a host where the default model was
    trained before the community arrived: the retrain then featurises exactly the community's threads."""
    wanted = {f"{thread_content_hash(t)}.npz" for t in load_threads(samples_dir)}
    copied = 0
    for directory in (p for p in source.glob("*") if p.is_dir()):
        for row in directory.glob("*.npz"):
            if row.name in wanted:
                (target / directory.name).mkdir(parents=True, exist_ok=True)
                shutil.copy2(row, target / directory.name / row.name)
                copied += 1
    return copied


def run(data: Path, k: int = 20, seed: int = 0) -> dict[str, Any]:
    settings = Settings()
    threads = load_threads(data, require_labels=True)
    order = [threads[i] for i in np.random.default_rng(seed).permutation(len(threads))]
    labeled, test = order[:k], order[k:]
    source = latest(settings.models_dir)
    if source is None:
        raise SystemExit(f"no model in {settings.models_dir}: run `make model` first")
    report: dict[str, Any] = {"data": str(data), "k": k, "seed": seed, "test_threads": len(test)}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        models_dir = tmp / "models"
        shutil.copytree(source, models_dir / source.name)
        store = tmp / "features"
        report["store_rows_seeded"] = _seed_store(store, Path(settings.feature_store_dir), settings.samples_dir)
        server = Server(1, models_dir, tmp, env={"REPLYSCREEN_FEATURE_STORE_DIR": str(store)})
        try:
            admin = server._cli(["keys", "create", "--scopes", "admin", "--name", "maintainer", "--quiet"]).split()[-1]
            server.wait_ready()
            headers = {"Authorization": f"Bearer {admin}"}
            with httpx.Client(base_url=server.url, headers=headers, timeout=600) as client:
                report["no_labels"] = _screen_metrics(client, test)
                body = "".join(json.dumps(thread_to_dict(t), ensure_ascii=False) + "\n" for t in labeled)
                started = time.monotonic()
                imported = client.post("/v1/examples/import", content=body.encode("utf-8"),
                                       headers={"Content-Type": "application/x-ndjson"})
                imported.raise_for_status()
                report["import_seconds"] = round(time.monotonic() - started, 1)
                report["memory_only"] = _screen_metrics(client, test)
                started = time.monotonic()
                job = client.post("/v1/models/train", json={"activate": True}).json()
                while job["status"] in ("queued", "running"):
                    time.sleep(0.5)
                    job = client.get(f"/v1/models/jobs/{job['job_id']}").json()
                report["train_seconds"] = round(time.monotonic() - started, 1)
                report["train_job"] = {key: job[key] for key in ("status", "stage", "model_version", "error")}
                if job["status"] != "succeeded":
                    raise RuntimeError(f"training failed: {job['error']}")
                deadline = time.monotonic() + 120
                while client.get("/readyz").json().get("model_version") != job["model_version"]:
                    if time.monotonic() > deadline:
                        raise TimeoutError("the new model was not served within 120 s")
                    time.sleep(0.5)
                report["retrained_with_memory"] = _screen_metrics(client, test)
        finally:
            server.stop()
    return report


def markdown(report: dict[str, Any]) -> str:
    names = ("ndcg@3", "roc_auc", "grade_accuracy", "macro_f1", "off_topic", "generic_pitch", "lead_begging")
    rows = ["| stage | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for stage in ("no_labels", "memory_only", "retrained_with_memory"):
        rows.append(f"| {stage} | " + " | ".join(f"{report[stage][n]:.3f}" for n in names) + " |")
    return (f"Community `{report['data']}`: {report['k']} threads imported, {report['test_threads']} screened "
            f"(shuffle seed {report['seed']}). Import took {report['import_seconds']} s; the training job took "
            f"{report['train_seconds']} s ({report['train_job']['stage']}).\n\n" + "\n".join(rows) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path)
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="Write the JSON report here.")
    args = parser.parse_args(argv)
    report = run(args.data, args.k, args.seed)
    print(markdown(report))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

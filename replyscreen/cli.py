"""`replyscreen` command line: screen, check, train, eval, serve, ui, run, keys, encoder."""
from __future__ import annotations

import base64
import binascii
import json
import sys
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from replyscreen.settings import get_settings

app = typer.Typer(help="ReplyScreen: rank partner replies to a lead request, flag the time-wasters, "
                       "check a draft before sending, and retrain the model.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
console = Console()
err = Console(stderr=True, soft_wrap=True)


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


def _progress_bar(description: str):
    """A tqdm bar driven by fraction callbacks (training and evaluation report progress that way)."""
    from tqdm import tqdm

    bar = tqdm(total=100, desc=description, unit="%", file=sys.stderr, leave=False)

    def update(fraction: float, message: str) -> None:
        bar.n = int(fraction * 100)
        bar.set_postfix_str(message)
        bar.refresh()

    return bar, update


def _engine(model_dir: Optional[Path] = None):
    from model.artifact import ArtifactError
    from model.encoder import EncoderUnavailable
    from model.knowledge import KnowledgeError
    from replyscreen.wiring import NoModelError, load_screener

    try:
        return load_screener(get_settings(), artifact_dir=model_dir)
    except (EncoderUnavailable, ArtifactError, KnowledgeError, NoModelError) as error:
        _fail(str(error))


# ---- input parsing ---------------------------------------------------------------------------------

def _request(data: Any):
    from model.types import Request, parse_time

    if isinstance(data, str):
        data = {"text": data}
    if not isinstance(data, dict) or not isinstance(data.get("text"), str) or not data["text"].strip():
        _fail("'request.text' is required and must be a non-empty string")
    try:
        return Request(text=data["text"], author=data.get("author"), posted_at=parse_time(data.get("posted_at")),
                       closed_at=parse_time(data.get("closed_at")))
    except ValueError as error:
        _fail(f"bad request timestamp: {error}")


def _reply(data: Any, index: int, base: Path):
    from model.types import Attachment, Reply, parse_time

    if isinstance(data, str):
        data = {"text": data}
    if not isinstance(data, dict):
        _fail(f"replies[{index}] must be an object or a string")
    attachments = []
    for raw in data.get("attachments") or []:
        name = raw.get("filename") if isinstance(raw, dict) else None
        if not name:
            _fail(f"replies[{index}]: every attachment needs a 'filename'")
        if "pages" in raw:
            attachments.append(Attachment(name, tuple(str(p) for p in raw["pages"])))
        elif "content_base64" in raw:
            try:
                attachments.append(Attachment(name, content=base64.b64decode(raw["content_base64"], validate=True)))
            except (binascii.Error, ValueError):
                _fail(f"replies[{index}]: attachment {name!r} is not valid base64")
        elif "path" in raw:
            path = (base / raw["path"]).resolve()
            if not path.is_file():
                _fail(f"replies[{index}]: attachment file {path} not found")
            attachments.append(Attachment(name, content=path.read_bytes()))
        else:
            _fail(f"replies[{index}]: attachment {name!r} needs 'pages', 'content_base64' or 'path'")
    try:
        sent_at = parse_time(data.get("sent_at"))
    except ValueError as error:
        _fail(f"replies[{index}]: bad sent_at: {error}")
    return Reply(text=str(data.get("text") or ""), id=str(data.get("id") or f"r{index + 1}"), sent_at=sent_at,
                 author=data.get("author"), attachments=tuple(attachments))


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        _fail(f"{path}: no such file")
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        _fail(f"{path}: not valid UTF-8 JSON ({error})")


def _screening_input(path: Path, thread_id: Optional[str]):
    """An api.md /v1/screen body in a .json file, or one thread of a data-format .jsonl file."""
    if path.suffix == ".jsonl":
        from training.dataset import DatasetError, load_threads

        try:
            threads = load_threads(path)
        except DatasetError as error:
            _fail(str(error))
        chosen = next((t for t in threads if t.id == thread_id), None) if thread_id else threads[0]
        if chosen is None:
            _fail(f"no thread {thread_id!r} in {path}")
        return chosen.request, list(chosen.replies)
    data = _read_json(path)
    if not isinstance(data, dict) or "request" not in data:
        _fail(f"{path}: expected an object with 'request' and 'replies' (api.md /v1/screen body)")
    replies = data.get("replies")
    if not isinstance(replies, list) or not replies:
        _fail(f"{path}: 'replies' must be a non-empty list")
    return _request(data["request"]), [_reply(r, i, path.parent) for i, r in enumerate(replies)]


# ---- commands ---------------------------------------------------------------------------------------

@app.command()
def screen(path: Path = typer.Argument(..., help="A /v1/screen JSON body, or a .jsonl thread file."),
           thread: Optional[str] = typer.Option(None, help="Thread id inside a .jsonl file (default: the first)."),
           as_json: bool = typer.Option(False, "--json", help="Print the api.md results as JSON."),
           model_dir: Optional[Path] = typer.Option(None, help="A model artifact directory (default: newest).")):
    """Rank the replies to one request and show flags and the passages that matched."""
    request, replies = _screening_input(path, thread)
    results = _engine(model_dir).screen(request, replies)
    if as_json:
        print(json.dumps({"results": results}, ensure_ascii=False, indent=2))
        return
    table = Table(title="Replies, most relevant first", show_lines=True)
    for column in ("#", "id", "score", "grade", "flags", "best evidence"):
        table.add_column(column, overflow="fold")
    for result in results:
        evidence = result["evidence"][0]["text"][:120] if result["evidence"] else ""
        table.add_row(str(result["rank"]), str(result["id"]), f"{result['score']:.2f}", str(result["grade"]),
                      ", ".join(f["code"] for f in result["flags"]) or "—", evidence)
    console.print(table)


@app.command()
def check(path: Path = typer.Argument(..., help="JSON with 'request' and 'draft' (api.md /v1/check body)."),
          as_json: bool = typer.Option(False, "--json"),
          model_dir: Optional[Path] = typer.Option(None)):
    """Self-check a draft reply: score, flags and concrete suggestions before sending."""
    data = _read_json(path)
    if not isinstance(data, dict) or "request" not in data or "draft" not in data:
        _fail(f"{path}: expected an object with 'request' and 'draft'")
    body = _engine(model_dir).check(_request(data["request"]), _reply(data["draft"], 0, path.parent))
    if as_json:
        print(json.dumps(body, ensure_ascii=False, indent=2))
        return
    console.print(f"score [bold]{body['score']:.2f}[/bold]  grade {body['grade']}  relevant {body['relevant']}")
    for flag in body["flags"]:
        console.print(f"[yellow]⚑ {flag['code']}[/yellow]: {flag['message']}")
    for suggestion in body["suggestions"]:
        console.print(f"[green]→[/green] {suggestion['message']}")


@app.command()
def train(data: Path = typer.Option(None, help="JSONL file or directory (default: settings.samples_dir)."),
          models_dir: Path = typer.Option(None, help="Where versions are written (default: settings.models_dir)."),
          if_missing: bool = typer.Option(False, "--if-missing", help="Do nothing when a model already exists."),
          evaluate: bool = typer.Option(True, help="Cross-validate and record metrics in the model card.")):
    """Train a new model version from labeled threads and write it with its model card."""
    from model.encoder import EncoderUnavailable
    from model.knowledge import KnowledgeError
    from replyscreen.wiring import build_encoder, build_featurizer, build_knowledge, feature_store
    from training.artifacts import latest, save
    from training.dataset import DatasetError, load_threads
    from training.train import train_model

    settings = get_settings()
    data = data or settings.samples_dir
    models_dir = models_dir or settings.models_dir
    try:
        knowledge = build_knowledge(settings)
    except KnowledgeError as error:
        _fail(str(error))
    if if_missing and latest(models_dir) is not None:
        from model.artifact import ArtifactError, load_model

        try:
            load_model(latest(models_dir), patterns=knowledge.fingerprint)
            console.print(f"model present: {latest(models_dir)}")
            return
        except ArtifactError as error:
            console.print(f"retraining: {error}")
    try:
        threads = load_threads(data, require_labels=True)
        encoder = build_encoder(settings)
    except (DatasetError, EncoderUnavailable) as error:
        _fail(str(error))
    bar, update = _progress_bar("training")
    store = feature_store(settings, build_featurizer(settings, encoder))
    trained = train_model(threads, encoder, progress=update, evaluate=evaluate, store=store)
    bar.close()
    path = save(trained, models_dir)
    metrics = trained.card.metrics
    summary = ", ".join(f"{k} {metrics[k]:.3f}" for k in ("ndcg@3", "roc_auc", "top1") if k in metrics)
    console.print(f"model [bold]{trained.card.version}[/bold] written to {path}" + (f" — CV: {summary}" if summary else ""))


@app.command("eval")
def evaluate(data: Path = typer.Argument(..., help="Labeled JSONL file or directory."),
             model_dir: Optional[Path] = typer.Option(None, help="Model to evaluate on held-out data."),
             mode: str = typer.Option("auto", help="cv | holdout | auto (cv when DATA is the model's training data)."),
             folds: int = typer.Option(5, min=2),
             out: Path = typer.Option(Path("var/reports/eval.json"), help="JSON report."),
             chart: Path = typer.Option(Path("var/reports/eval.png"), help="PNG chart."),
             adapt: bool = typer.Option(False, "--adapt", help="Adaptation benchmark: DATA is one community's "
                                        "labeled threads, or a directory with one sub-directory per community."),
             ks: str = typer.Option("0,5,10,20", help="--adapt: numbers of labeled threads K."),
             n_eval: int = typer.Option(10, min=1, help="--adapt: test threads per shuffle."),
             seeds: int = typer.Option(3, min=1, help="--adapt: shuffles by thread."),
             base: Optional[Path] = typer.Option(None, help="--adapt: the base training data (default: samples).")):
    """Report NDCG@3, ROC-AUC, top-1, grade accuracy and per-flag P/R/F1 beside two baselines."""
    if adapt:
        _adapt(data, base, ks, n_eval, seeds, out, chart)
        return
    if mode not in ("cv", "holdout", "auto"):
        _fail(f"--mode must be cv, holdout or auto, not {mode!r}")
    from training.dataset import DatasetError, fingerprint, load_threads
    from training.evaluate import cross_validate, holdout_report
    from training.report import print_report, write_chart, write_json
    from training.train import featurize

    try:
        threads = load_threads(data, require_labels=True)
    except DatasetError as error:
        _fail(str(error))
    screener = None
    if mode != "cv":
        screener = _engine(model_dir) if (model_dir or mode == "holdout") else None
        if screener is None:
            from training.artifacts import latest
            settings = get_settings()
            newest = latest(settings.models_dir)
            if newest is not None:
                screener = _engine(newest)
        if mode == "auto":
            mode = "cv" if screener is None or screener.card.data_fingerprint == fingerprint(threads) else "holdout"
    from replyscreen.wiring import feature_store
    featurizer = _featurizer() if screener is None else screener.featurizer
    bar, update = _progress_bar("features")
    features = featurize(threads, featurizer, update, store=feature_store(get_settings(), featurizer))
    bar.close()
    if mode == "cv":
        report = cross_validate(features, threads, folds=folds)
    else:
        report = {**holdout_report(features, threads, screener.grade, screener.flags),
                  "model_version": screener.version}
    report["mode"] = mode
    report["data_fingerprint"] = fingerprint(threads)
    print_report(report, console)
    write_json(report, out)
    write_chart(report, chart)
    console.print(f"report: {out}  chart: {chart}")


def _featurizer():
    """The configured featurizer, or exit 2 with the reason (no encoder, a bad patterns file)."""
    from model.encoder import EncoderUnavailable
    from model.knowledge import KnowledgeError
    from replyscreen.wiring import build_featurizer

    try:
        return build_featurizer(get_settings())
    except (EncoderUnavailable, KnowledgeError) as error:
        _fail(str(error))


def _adapt(data: Path, base: Optional[Path], ks: str, n_eval: int, seeds: int, out: Path, chart: Path) -> None:
    """`eval --adapt`: one adaptation curve per community, a table, a JSON report and a PNG."""
    import json

    from training.adapt import AdaptConfig, adaptation_curve, markdown_table, write_curve
    from replyscreen.wiring import feature_store, memory_config
    from training.dataset import DatasetError, load_threads
    from training.featureset import featurize, fit_models

    settings = get_settings()
    try:
        k_values = tuple(sorted({int(k) for k in ks.split(",") if k.strip()}))
    except ValueError:
        _fail(f"--ks must be comma-separated integers, not {ks!r}")
    communities = sorted(p for p in Path(data).iterdir() if p.is_dir() and any(p.glob("*.jsonl"))) \
        if Path(data).is_dir() else []
    communities = communities or [Path(data)]
    try:
        base_threads = load_threads(base or settings.samples_dir, require_labels=True)
        sets = {path.name.removesuffix(".jsonl"): load_threads(path, require_labels=True) for path in communities}
    except DatasetError as error:
        _fail(str(error))
    featurizer = _featurizer()
    store = feature_store(settings, featurizer)
    console.print(f"featurising {len(base_threads)} base threads (reused from {store.directory} when present)")
    base_features = featurize(base_threads, featurizer, store=store)
    config = AdaptConfig(ks=k_values, n_eval=n_eval, seeds=tuple(range(seeds)), example_weight=settings.example_weight,
                         memory=memory_config(settings))
    base_model = fit_models(base_features)
    reports = {}
    for name, threads in sets.items():
        community = featurize(threads, featurizer, store=store)
        try:
            reports[name] = adaptation_curve(base_features, community, config, base_model,
                                             progress=lambda m, n=name: console.print(f"{n}: {m}"))
        except ValueError as error:
            _fail(f"{name}: {error}")
        console.print(f"\n[bold]{name}[/bold] ({reports[name]['threads']} threads, {reports[name]['replies']} replies; "
                      f"mean of {seeds} shuffles, {n_eval} test threads each)")
        console.print(markdown_table(reports[name]))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(reports, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    tables = [f"## {name}\n\n{r['threads']} threads, {r['replies']} replies; mean of {seeds} shuffles by thread, "
              f"{n_eval} test threads each; community labels weighted {r['example_weight']:g}x in a retrain.\n\n"
              f"{markdown_table(r)}\n" for name, r in reports.items()]
    out.with_suffix(".md").write_text("# Adaptation benchmark\n\n" + "\n".join(tables), encoding="utf-8")
    chart.parent.mkdir(parents=True, exist_ok=True)
    write_curve(reports, chart)
    console.print(f"report: {out}  chart: {chart}")


@app.command("encoder")
def encoder_command(verify: bool = typer.Option(False, help="Re-hash every file of the built encoder.")):
    """Build (once) and load the configured encoder; print where it lives."""
    from model.encoder import EncoderUnavailable
    from replyscreen.wiring import build_encoder

    try:
        encoder = build_encoder(get_settings())
    except EncoderUnavailable as error:
        _fail(str(error))
    if verify:
        from model.encoder_build import builtin_dir, verify_encoder_dir

        try:
            verify_encoder_dir(builtin_dir(Path(get_settings().cache_dir).expanduser()))
        except EncoderUnavailable as error:
            _fail(str(error))
    console.print(f"encoder ready: {encoder.model_id} (dim {encoder.dim})")


def _mount_optional() -> None:
    """Service and UI commands live with their packages; mount them when those are installed."""
    try:
        from service.cli import keys_app, serve

        app.command("serve", help="Start the HTTP API (uvicorn).")(serve)
        app.add_typer(keys_app, name="keys", help="Create, list and revoke API keys.")
    except ImportError:
        pass
    try:
        from ui.launch import run_ui

        @app.command("ui")
        def ui(port: int = typer.Option(None), api_url: str = typer.Option(None)):
            """Start the Streamlit review UI."""
            settings = get_settings()
            run_ui(port or settings.ui_port, api_url or settings.api_url)
    except ImportError:
        pass


_mount_optional()


@app.command()
def run():
    """Start the service (local mode, no keys, loopback) and the UI together; print their URLs."""
    from replyscreen.launcher import run_product

    run_product(get_settings())


if __name__ == "__main__":
    app()

"""Service load benchmark on loopback: latency and throughput of /v1/check and /v1/screen, service overhead.

    python -m service.bench [--workers 1 2] [--requests 40] [--concurrency 4] [--out docs/service-bench.md]

For each worker count it starts `python -m service.cli serve` on a free loopback port with a fresh SQLite
database and the newest model of settings.models_dir, then measures:
- sequential latency (p50/p95/p99) of /v1/check and of /v1/screen with a realistic 10-reply thread built from
  data/samples; every screening and every draft carries unique text, so the embedding cache never answers for
  them (a /v1/check repeats the lead request, as partners checking drafts against one lead do);
- throughput (requests/s) with `--concurrency` client threads;
- service overhead per screening = client latency − engine time the service reports in `Server-Timing`
  (HTTP, auth, validation, storage, serialisation), as a share of the engine time;
- the engine alone, in this process, on the same screenings (for comparison);
- resident memory (RSS) per worker process (psutil).
Loops are bounded by --requests; nothing leaves 127.0.0.1.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psutil

REPO_ROOT = Path(__file__).resolve().parents[1]


# --- workload ------------------------------------------------------------------------------------------------

def ten_reply_thread(samples_dir: Path) -> dict[str, Any]:
    """The first Russian sample thread, topped up to 10 replies with replies of the next one (realistic mix)."""
    files = sorted(samples_dir.glob("ru*.jsonl")) or sorted(samples_dir.glob("*.jsonl"))
    threads = [json.loads(line) for f in files for line in f.read_text("utf-8").splitlines() if line.strip()]
    base, extra = threads[0], [r for t in threads[1:3] for r in t["replies"]]
    replies = (base["replies"] + extra)[:10]
    clean = [{k: v for k, v in r.items() if k not in ("relevance", "flags")} | {"id": f"r{i + 1}"}
             for i, r in enumerate(replies)]
    return {"request": base["request"], "replies": clean}


def unique(body: dict[str, Any], n: int) -> dict[str, Any]:
    """Same thread with a per-request marker in every text: the encoder cache cannot short-cut the engine."""
    request = {**body["request"], "text": f"{body['request']['text']} (#{n})"}
    replies = [{**r, "text": f"{r['text']} (#{n}.{i})"} for i, r in enumerate(body["replies"])]
    return {"request": request, "replies": replies}


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, 100 * q)) if values else float("nan")


def summary(values_s: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values_s]
    return {"n": len(ms), "p50_ms": percentile(ms, 0.5), "p95_ms": percentile(ms, 0.95),
            "p99_ms": percentile(ms, 0.99), "mean_ms": statistics.fmean(ms) if ms else float("nan")}


# --- the service under test ----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """`python -m service.cli serve` on loopback with its own database; stopped by process group."""

    def __init__(self, workers: int, models_dir: Path, tmp: Path, env: dict[str, str] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        self.env.update({"REPLYSCREEN_DATABASE_URL": f"sqlite:///{tmp / f'bench-{workers}.db'}",
                         "REPLYSCREEN_MODELS_DIR": str(models_dir), "REPLYSCREEN_RATE_LIMIT_PER_MINUTE": "1000000"})
        self.env.update(env or {})
        self.key = self._cli(["keys", "create", "--scopes", "screen", "--name", "bench", "--quiet"]).split()[-1]
        self.log = open(tmp / f"server-{workers}.log", "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port",
                                      str(self.port), "--workers", str(workers), "--log-level", "warning"],
                                     cwd=REPO_ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.workers = workers

    def _cli(self, args: list[str]) -> str:
        return subprocess.run([sys.executable, "-m", "service.cli", *args], cwd=REPO_ROOT, env=self.env,
                              capture_output=True, text=True, check=True, timeout=120).stdout

    def wait_ready(self, timeout: float = 300.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}")
            try:  # workers accept connections only once their model is loaded; probe on fresh connections
                if all(httpx.get(self.url + "/readyz", timeout=5).status_code == 200 for _ in range(4 * self.workers)):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise TimeoutError("service not ready")

    def wait_settled(self, timeout: float = 300.0, idle_cpu_seconds: float = 0.1) -> None:
        """Wait until no process of the server burns CPU for a second.

        /readyz answers as soon as ONE worker accepts connections; the others may still be loading their
        model and would steal the CPU from the measured requests (2 cores), so measure steady state only.
        """
        root = psutil.Process(self.proc.pid)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            procs = [root, *root.children(recursive=True)]
            before = [sum(p.cpu_times()[:2]) for p in procs]
            time.sleep(1.0)
            after = [sum(p.cpu_times()[:2]) if p.is_running() else b for p, b in zip(procs, before)]
            if max(a - b for a, b in zip(after, before)) < idle_cpu_seconds:
                return
        raise TimeoutError("service workers did not settle")

    def worker_rss_mb(self) -> list[float]:
        root = psutil.Process(self.proc.pid)
        procs = [root, *root.children(recursive=True)]
        # uvicorn with several workers: a supervisor plus N workers (and a multiprocessing tracker); report the
        # processes that hold the model (the big ones)
        sizes = sorted((p.memory_info().rss / 2**20 for p in procs if p.is_running()), reverse=True)
        return [round(s, 1) for s in sizes[: self.workers]]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.log.close()


# --- measurements --------------------------------------------------------------------------------------------

def engine_ms(resp: httpx.Response) -> float:
    for part in resp.headers.get("server-timing", "").split(","):
        name, _, dur = part.strip().partition(";dur=")
        if name == "engine" and dur:
            return float(dur)
    return float("nan")


def sequential(client: httpx.Client, path: str, bodies: Callable[[int], dict[str, Any]], n: int,
               offset: int) -> tuple[list[float], list[float]]:
    latencies, engine = [], []
    for i in range(n):
        t0 = time.perf_counter()
        resp = client.post(path, json=bodies(offset + i))
        latencies.append(time.perf_counter() - t0)
        if resp.status_code != 200:
            raise RuntimeError(f"{path} answered {resp.status_code}: {resp.text[:500]}")
        engine.append(engine_ms(resp) / 1000)
    return latencies, engine


def concurrent(url: str, key: str, path: str, bodies: Callable[[int], dict[str, Any]], n: int, threads: int,
               offset: int) -> dict[str, float]:
    def one(i: int) -> float:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=300) as c:
            t0 = time.perf_counter()
            resp = c.post(path, json=bodies(offset + i))
            if resp.status_code != 200:
                raise RuntimeError(f"{path} answered {resp.status_code}: {resp.text[:500]}")
            return time.perf_counter() - t0

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        latencies = list(pool.map(one, range(n)))
    elapsed = time.perf_counter() - start
    return {"requests_per_s": n / elapsed, **summary(latencies)}


def engine_alone(models_dir: Path, thread: dict[str, Any], n: int, offset: int) -> dict[str, float]:
    """The engine in this process on the same (cache-busted) screenings, given exactly what the service gives it."""
    from replyscreen.settings import Settings
    from replyscreen.wiring import load_screener
    from service import convert
    from service.limits import Limits, prepare_reply
    from service.schemas import ScreenIn

    settings = Settings(models_dir=models_dir)
    screener = load_screener(settings)
    limits = Limits.from_settings(settings)

    def engine_input(i: int) -> tuple[Any, list[Any]]:
        body = ScreenIn.model_validate(unique(thread, i))
        ids = convert.assign_ids(body.replies)
        replies = [convert.to_reply(r, rid, prepare_reply(r, "r", limits)) for r, rid in zip(body.replies, ids)]
        return convert.to_request(body.request), replies

    screener.screen(*engine_input(offset - 1))  # warm-up
    times = []
    for i in range(n):
        request, replies = engine_input(offset + i)
        t0 = time.perf_counter()
        screener.screen(request, replies)
        times.append(time.perf_counter() - t0)
    return summary(times)


def run(workers_list: list[int], n: int, concurrency: int, models_dir: Path, samples_dir: Path) -> dict[str, Any]:
    thread = ten_reply_thread(samples_dir)
    draft = thread["replies"][0]

    def screen_body(i: int) -> dict[str, Any]:
        return unique(thread, i)

    def check_body(i: int) -> dict[str, Any]:
        # a partner checks new drafts against the same lead: the draft is always new, the request repeats
        return {"request": thread["request"], "draft": {**draft, "text": f"{draft['text']} (#{i})"}}

    report: dict[str, Any] = {"requests": n, "concurrency": concurrency, "cpus": os.cpu_count(),
                              "thread_replies": len(thread["replies"]), "runs": []}
    offset = 1_000
    tmp = Path(tempfile.mkdtemp(prefix="replyscreen-bench-"))
    try:
        for workers in workers_list:
            server = Server(workers, models_dir, tmp)
            try:
                server.wait_ready()
                server.wait_settled()
                with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {server.key}"},
                                  timeout=300) as client:
                    sequential(client, "/v1/screen", screen_body, 3, offset)  # warm-up
                    offset += 10
                    check_lat, check_engine = sequential(client, "/v1/check", check_body, n, offset)
                    offset += n
                    screen_lat, screen_engine = sequential(client, "/v1/screen", screen_body, n, offset)
                    offset += n
                overhead = [lat - eng for lat, eng in zip(screen_lat, screen_engine)]
                run_report = {
                    "workers": workers,
                    "check": summary(check_lat),
                    "screen": summary(screen_lat),
                    "screen_engine_in_service": summary(screen_engine),
                    "screen_overhead": summary(overhead),
                    "overhead_pct_of_engine": 100 * statistics.median(overhead) / statistics.median(screen_engine),
                    "check_concurrent": concurrent(server.url, server.key, "/v1/check", check_body, n * 2,
                                                   concurrency, offset),
                }
                offset += n * 2
                run_report["screen_concurrent"] = concurrent(server.url, server.key, "/v1/screen", screen_body, n,
                                                             concurrency, offset)
                offset += n
                run_report["rss_mb_per_worker"] = server.worker_rss_mb()
                report["runs"].append(run_report)
            finally:
                server.stop()
        report["engine_alone_screen"] = engine_alone(models_dir, thread, n, offset)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return report


def markdown(report: dict[str, Any]) -> str:
    f = "{:.0f}".format
    lines = [
        "# Service benchmark (loopback)",
        "",
        f"{report['cpus']} CPUs; {report['requests']} sequential requests per endpoint, then "
        f"{report['concurrency']} concurrent clients; /v1/screen sends a {report['thread_replies']}-reply thread; "
        "every screening and draft has unique text (no embedding-cache hits; /v1/check repeats the lead request). "
        "Produced by `python -m service.bench`.",
        "",
        "| workers | /v1/check p50 / p95 / p99 ms | /v1/screen p50 / p95 / p99 ms | engine in service p50 ms | "
        "overhead p50 ms | overhead % of engine | check req/s (conc.) | screen req/s (conc.) | RSS MB per worker |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report["runs"]:
        c, s = r["check"], r["screen"]
        lines.append(
            f"| {r['workers']} | {f(c['p50_ms'])} / {f(c['p95_ms'])} / {f(c['p99_ms'])} | "
            f"{f(s['p50_ms'])} / {f(s['p95_ms'])} / {f(s['p99_ms'])} | {f(r['screen_engine_in_service']['p50_ms'])} | "
            f"{r['screen_overhead']['p50_ms']:.1f} | {r['overhead_pct_of_engine']:.1f}% | "
            f"{r['check_concurrent']['requests_per_s']:.1f} | {r['screen_concurrent']['requests_per_s']:.2f} | "
            f"{', '.join(str(x) for x in r['rss_mb_per_worker'])} |")
    e = report["engine_alone_screen"]
    lines += ["", f"Engine alone (same screenings, in-process): p50 {f(e['p50_ms'])} ms, p95 {f(e['p95_ms'])} ms.",
              "", "Overhead = client latency − engine time reported by the service (`Server-Timing`): HTTP, "
              "auth, validation, storage of the screening, serialisation. Bars: overhead ≤ 15 % of engine time "
              "for a 10-reply screening; /v1/check p95 ≤ 150 ms with one worker.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from replyscreen.settings import Settings

    settings = Settings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--models-dir", type=Path, default=Path(settings.models_dir))
    parser.add_argument("--samples-dir", type=Path, default=Path(settings.samples_dir))
    parser.add_argument("--out", type=Path, help="Write the Markdown report here (and JSON beside it).")
    args = parser.parse_args(argv)
    if not any(args.models_dir.glob("*/card.json")):
        print(f"no model in {args.models_dir}: run `replyscreen train` first", file=sys.stderr)
        return 2
    report = run(args.workers, max(1, min(args.requests, 10_000)), max(1, min(args.concurrency, 64)),
                 args.models_dir.resolve(), args.samples_dir.resolve())
    text = markdown(report)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, "utf-8")
        args.out.with_suffix(".json").write_text(json.dumps(report, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

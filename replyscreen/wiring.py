"""Composition root: build the engine's parts from Settings (the only place settings meet model/)."""
from __future__ import annotations

from pathlib import Path

from model.attachments import AttachmentLimits
from model.encoder import Encoder, EncoderConfig
from model.knowledge import Knowledge, load_knowledge
from model.features import Featurizer
from model.memory import MemoryConfig
from model.screener import Screener
from replyscreen.settings import Settings
from training.artifacts import latest
from training.feature_store import FeatureStore


class NoModelError(RuntimeError):
    """No trained model exists yet."""


def encoder_config(settings: Settings) -> EncoderConfig:
    return EncoderConfig(name_or_path=settings.encoder, cache_dir=Path(settings.cache_dir).expanduser(),
                         batch_size=settings.encoder_batch_size, dtype=settings.encoder_dtype,
                         cache_size=settings.embedding_cache_size)


def attachment_limits(settings: Settings) -> AttachmentLimits:
    return AttachmentLimits(max_bytes=settings.max_attachment_bytes, max_pages=settings.max_attachment_pages)


def build_encoder(settings: Settings) -> Encoder:
    return Encoder(encoder_config(settings))


def build_knowledge(settings: Settings) -> Knowledge:
    """The packaged phrase patterns plus the deployment's (patterns_dir); KnowledgeError names a bad file and line."""
    return load_knowledge(settings.patterns_dir)


def build_featurizer(settings: Settings, encoder: Encoder | None = None) -> Featurizer:
    """The featurizer every entry point trains and evaluates with."""
    return Featurizer(encoder or build_encoder(settings), limits=attachment_limits(settings),
                      knowledge=build_knowledge(settings))


def memory_config(settings: Settings) -> MemoryConfig:
    return MemoryConfig(k=settings.memory_k, threshold=settings.memory_threshold, prior=settings.memory_prior)


def feature_store(settings: Settings, featurizer: Featurizer) -> FeatureStore:
    return FeatureStore(Path(settings.feature_store_dir), featurizer)


def load_screener(settings: Settings, encoder: Encoder | None = None, artifact_dir: Path | None = None) -> Screener:
    """The given artifact, or the newest one in models_dir."""
    artifact_dir = artifact_dir or latest(settings.models_dir)
    if artifact_dir is None:
        raise NoModelError(f"no trained model in {settings.models_dir}; run `replyscreen train` (or `make install`).")
    return Screener.load(artifact_dir, encoder or build_encoder(settings), attachment_limits(settings),
                         knowledge=build_knowledge(settings))

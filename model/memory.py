"""The labeled-example memory: a community's labels act on the next screening, before any retrain.

Each stored label keeps three keys: the encoder vector of its request, the encoder vector of its reply, and
the reply's feature vector standardised by the grade model's scaler. For a new reply, a neighbour is a labeled
reply that is close on all three (similarity is their weighted mean of cosines): a similar reply to a similar
request, standing in a similar relation to it. The neighbours' labels form a second opinion, weighted by
closeness, which is blended with the model's: a grade distribution, and a rate per learned flag. Far from
every label the memory says nothing and the model decides alone.

Everything here is plain numpy on arrays the caller supplies (the service keeps them in its database, the
adaptation benchmark in a feature set), so the memory is bounded by what it is given and costs two or three
matrix products per screening.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from model.types import FLAG_CODES

#: flags the memory may change: the two judgment flags, whose reading differs between communities. The form
#: flags (a bare link, a deck, begging) are read off the reply itself; on the development community a memory
#: acting on them lost lead_begging F1 (docs/quality.md, ninth session). Rules stay rules.
MEMORY_FLAGS: tuple[str, ...] = ("off_topic", "generic_pitch")


@dataclass(frozen=True)
class MemoryConfig:
    """How near is near, and how much a near label weighs against the model (docs/quality.md: memory)."""

    k: int = 8  # neighbours read per reply
    threshold: float = 0.55  # combined similarity below which a label is not a neighbour
    temperature: float = 0.05  # closeness weight exp((s - 1) / temperature)
    prior: float = 0.5  # the model's opinion counts as this much neighbour weight
    request_weight: float = 0.25
    reply_weight: float = 0.25
    feature_weight: float = 0.5


@dataclass(frozen=True)
class MemoryItem:
    """Who a stored label is, so a result can say "labeled like reply r3 of screening …"."""

    example_id: str
    thread_id: str
    reply_id: str
    relevance: int
    flags: tuple[str, ...]


@dataclass
class Neighbours:
    """The memory's opinion about a batch of replies."""

    grade_proba: np.ndarray  # (n, 4): neighbours' grade distribution (rows of zeros where none)
    flag_rate: np.ndarray  # (n, 7): weighted share of neighbours with each flag
    weight: np.ndarray  # (n,): total closeness weight of the neighbours
    evidence: list[list[tuple[MemoryItem, float]]] = field(default_factory=list)  # per reply, nearest first

    def blend_weight(self, prior: float) -> np.ndarray:
        """Share of the memory in the final opinion: W / (W + prior)."""
        return self.weight / (self.weight + prior)


def _normalise(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


class LabelMemory:
    """An immutable snapshot of the stored labels; replace it as a whole when labels change."""

    def __init__(self, items: Sequence[MemoryItem], request_vectors: np.ndarray, reply_vectors: np.ndarray,
                 features: np.ndarray, config: MemoryConfig = MemoryConfig()) -> None:
        n = len(items)
        if not (len(request_vectors) == len(reply_vectors) == len(features) == n):
            raise ValueError(f"memory arrays disagree: {n} items, {len(request_vectors)} request vectors, "
                             f"{len(reply_vectors)} reply vectors, {len(features)} feature rows")
        self.items = list(items)
        self.config = config
        self._requests = _normalise(request_vectors) if n else np.zeros((0, 0), np.float32)
        self._replies = _normalise(reply_vectors) if n else np.zeros((0, 0), np.float32)
        self._features = np.asarray(features, dtype=np.float64)
        self._grades = np.array([item.relevance for item in items], dtype=int)
        self._flags = np.array([[code in item.flags for code in FLAG_CODES] for item in items], dtype=float) \
            .reshape(n, len(FLAG_CODES))

    def __len__(self) -> int:
        return len(self.items)

    @property
    def nbytes(self) -> int:
        return int(self._requests.nbytes + self._replies.nbytes + self._features.nbytes + self._flags.nbytes)

    def similarity(self, request_vector: np.ndarray, reply_vectors: np.ndarray, scaled_features: np.ndarray
                   ) -> np.ndarray:
        """(n_replies, n_items) combined similarity; `scaled_features` already standardised like the items."""
        c = self.config
        to_request = _normalise(request_vector) @ self._requests.T  # (1, m)
        to_reply = _normalise(reply_vectors) @ self._replies.T  # (n, m)
        to_features = _normalise(scaled_features) @ _normalise(self._features).T  # (n, m)
        total = c.request_weight + c.reply_weight + c.feature_weight
        return (c.request_weight * to_request + c.reply_weight * to_reply + c.feature_weight * to_features) / total

    def lookup(self, request_vector: np.ndarray, reply_vectors: np.ndarray, scaled_features: np.ndarray,
               exclude: Sequence[set[str]] | None = None) -> Neighbours:
        """The k nearest labels of each reply above the threshold; `exclude` drops a reply's own labels by id."""
        n = len(reply_vectors)
        grade_proba = np.zeros((n, 4))
        flag_rate = np.zeros((n, len(FLAG_CODES)))
        weight = np.zeros(n)
        evidence: list[list[tuple[MemoryItem, float]]] = [[] for _ in range(n)]
        if not len(self) or not n:
            return Neighbours(grade_proba, flag_rate, weight, evidence)
        sims = self.similarity(request_vector, reply_vectors, scaled_features)
        c = self.config
        k = min(c.k, sims.shape[1])
        for i in range(n):
            row = sims[i]
            if exclude is not None and exclude[i]:
                row = row.copy()
                row[[j for j, item in enumerate(self.items) if item.example_id in exclude[i]]] = -np.inf
            top = np.argpartition(-row, k - 1)[:k] if k < len(row) else np.arange(len(row))
            top = top[row[top] >= c.threshold]
            if not top.size:
                continue
            top = top[np.argsort(-row[top])]
            w = np.exp((row[top] - 1.0) / c.temperature)
            weight[i] = w.sum()
            grade_proba[i] = np.bincount(self._grades[top], weights=w, minlength=4)[:4] / weight[i]
            flag_rate[i] = (w[:, None] * self._flags[top]).sum(axis=0) / weight[i]
            evidence[i] = [(self.items[j], float(row[j])) for j in top]
        return Neighbours(grade_proba, flag_rate, weight, evidence)


def blend_grades(model_proba: np.ndarray, neighbours: Neighbours, prior: float) -> np.ndarray:
    """P(grade) = (1 - λ) model + λ memory, λ = W / (W + prior)."""
    share = neighbours.blend_weight(prior)[:, None]
    return (1.0 - share) * model_proba + share * neighbours.grade_proba


def blend_flags(decision_score: np.ndarray, neighbours: Neighbours, prior: float) -> np.ndarray:
    """Learned flags: the heads' scores, rescaled so each threshold sits at 0.5, blended with the memory's rate.

    `decision_score` is (n, 7) with 0.5 meaning "on the head's threshold"; returns the blended (n, 7) score,
    where a flag fires at >= 0.5. Rule flags (not in MEMORY_FLAGS) pass through unchanged.
    """
    share = neighbours.blend_weight(prior)[:, None]
    blended = (1.0 - share) * decision_score + share * neighbours.flag_rate
    columns = [FLAG_CODES.index(code) for code in MEMORY_FLAGS]
    out = decision_score.copy()
    out[:, columns] = blended[:, columns]
    return out

"""Screen replies to a lead request: score, rank, flag, explain. Output shapes are api.md's.

The service and the CLI are thin shells over `Screener.screen` and `Screener.check`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from model.artifact import ModelCard, load_model
from model.attachments import AttachmentLimits
from model.encoder import Encoder
from model.features import FEATURE_INDEX, Featurizer, ReplyView, RequestView, reply_vector
from model.flags import build_flags
from model.knowledge import Knowledge
from model.memory import LabelMemory, Neighbours
from model.relevance import FlagClassifier, GradeClassifier, predict_outputs, scale_features
from model.suggestions import suggestions_for
from model.text import TextProcessor
from model.types import FLAG_CODES, Reply, Request

EVIDENCE_ITEMS = 3
MEMORY_EVIDENCE_ITEMS = 3


class Screener:
    def __init__(self, featurizer: Featurizer, grade: GradeClassifier, flags: FlagClassifier, card: ModelCard) -> None:
        self.featurizer = featurizer
        self.grade = grade
        self.flags = flags
        self.card = card
        self.memory: LabelMemory | None = None  # stored labels that act before a retrain (service sets it)

    @property
    def version(self) -> str:
        return self.card.version

    @property
    def encoder(self) -> Encoder:
        return self.featurizer.encoder

    @classmethod
    def load(cls, artifact_dir: Path, encoder: Encoder, limits: AttachmentLimits = AttachmentLimits(),
             text: TextProcessor | None = None, knowledge: Knowledge | None = None) -> "Screener":
        text = text or TextProcessor(knowledge)
        grade, flags, card = load_model(artifact_dir, patterns=text.knowledge.fingerprint, encoder=encoder.model_id)
        return cls(Featurizer(encoder, text, limits, knowledge), grade, flags, card)

    # ---- public API ------------------------------------------------------------------------------

    def screen(self, request: Request, replies: Sequence[Reply]) -> list[dict]:
        """One result per reply, sorted by rank (1 = most relevant)."""
        if not replies:
            return []
        X, request_view, views = self.featurizer.thread_features(request, replies)
        results = self._results(X, request_view, views)
        order = sorted(range(len(results)), key=lambda i: (-results[i]["score"], i))
        ranked = []
        for rank, index in enumerate(order, start=1):
            results[index]["rank"] = rank
            ranked.append(results[index])
        return ranked

    def check(self, request: Request, draft: Reply) -> dict:
        X, request_view, views = self.featurizer.thread_features(request, [draft])
        result = self._results(X, request_view, views)[0]
        codes = [f["code"] for f in result["flags"]]
        has_numbers = X[0, FEATURE_INDEX["result_numbers"]] > 0
        body = {key: result[key] for key in ("score", "relevant", "grade", "flags", "evidence", "language",
                                             "attachment_errors")}
        lang = result["language"] if result["language"] in ("ru", "en", "ar") else request_view.analysis.lang
        body["suggestions"] = suggestions_for(codes, result["grade"], lang, request.author, has_numbers)
        return body

    # ---- internals -------------------------------------------------------------------------------

    def neighbours(self, X: np.ndarray, request_view: RequestView, views: list[ReplyView]) -> Neighbours | None:
        """The label memory's opinion on these replies; None when no memory is attached."""
        memory = self.memory
        if memory is None or not len(memory):
            return None
        dim = request_view.vector.shape[0]
        reply_vectors = np.vstack([reply_vector(view, dim) for view in views])
        return memory.lookup(request_view.vector, reply_vectors, scale_features(self.grade, X))

    def _results(self, X: np.ndarray, request_view: RequestView, views: list[ReplyView]) -> list[dict]:
        memory = self.memory
        out = predict_outputs(self.grade, self.flags, X, self.neighbours(X, request_view, views),
                              prior=memory.config.prior if memory is not None else 0.5)
        scores, grades, relevant, decided = out.scores, out.grades, out.relevant, out.flags
        results = []
        for i, view in enumerate(views):
            codes = [code for j, code in enumerate(FLAG_CODES) if decided[i, j]]
            results.append({
                "id": view.reply.id,
                "rank": 0,
                "score": round(float(np.clip(scores[i], 0.0, 1.0)), 4),
                "relevant": bool(relevant[i]),
                "grade": int(grades[i]),
                "flags": build_flags(codes, view, self.featurizer, request_view.analysis.lang),
                "evidence": _evidence(request_view, view),
                "language": view.analysis.lang,
                "attachment_errors": view.attachment_errors,
                "memory": _memory_evidence(out.neighbours, i),
                "uncertainty": round(float(out.uncertainty[i]), 4),
            })
        return results


def _memory_evidence(neighbours: Neighbours | None, index: int) -> list[dict]:
    """The stored labels that moved this result: "labeled like reply r3 of thread …"."""
    if neighbours is None:
        return []
    return [{"example_id": item.example_id, "thread_id": item.thread_id, "reply_id": item.reply_id,
             "relevance": item.relevance, "flags": list(item.flags), "similarity": round(similarity, 4)}
            for item, similarity in neighbours.evidence[index][:MEMORY_EVIDENCE_ITEMS]]


def _evidence(request_view: RequestView, view: ReplyView) -> list[dict]:
    """The reply sentences and attachment pages that best match the request."""
    r = request_view.vector
    items: list[dict] = []
    if view.text_embedding is not None and view.text_embedding.spans.size:
        sims = view.text_embedding.spans @ r
        for span, sim in zip(view.analysis.sentences, sims):
            items.append({"text": span.text, "source": "text", "score": round(float(max(sim, 0.0)), 4),
                          "start": span.start, "end": span.end})
    for page, embedded, analysis in zip(view.pages, view.page_embeddings, view.page_analyses):
        if embedded.spans.size:
            sims = embedded.spans @ r
            best = int(sims.argmax())
            sentence = analysis.sentences[best].text if best < len(analysis.sentences) else page.text[:300]
            sim = float(sims[best])
        else:
            sentence, sim = page.text[:300], float(embedded.vector @ r)
        items.append({"text": sentence, "source": "attachment", "attachment": page.attachment,
                      "page": page.number, "score": round(max(sim, 0.0), 4)})
    items.sort(key=lambda item: -item["score"])
    return items[:EVIDENCE_ITEMS]

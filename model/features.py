"""Turn a request and its replies into per-reply views and feature vectors.

Everything the encoder has to do for a thread happens in ONE batched `embed` call: the request,
each reply text and each attachment page are encoded once, and sentence vectors come from pooling
the same forward pass (no extra encoder work for evidence). That keeps screening close to the
encoder-only floor.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from model.attachments import AttachmentError, AttachmentLimits, extract_pages, is_deck_filename
from model.encoder import Embedded, Encoder
from model.knowledge import Knowledge, default_knowledge
from model.text import OTHER as OTHER_LANG, Analysis, Span, TextProcessor
from model.types import Reply, Request

# Encoding beyond this many characters of one text adds cost but no signal for a chat reply;
# flags and lexical features still see the whole text.
MAX_ENCODED_CHARS = 12_000
MAX_PAGE_CHARS = 4_000
MAX_SPANS_PER_TEXT = 120
# e5 cosines between any two sentences sit in a narrow band (about 0.7–0.9): a sharp softmax turns the best
# match per kind of business into a distribution instead of four near-equal weights
KIND_TEMPERATURE = 0.02

_DECK_LINK = re.compile(r"\.(pdf|pptx?|key|docx?)\b|docs\.google\.com/presentation|/slides?\b|slideshare|pitch\.com",
                        re.IGNORECASE)
_RESULT_NUMBER = re.compile(r"\d+([.,]\d+)?\s*(%|x|х|раз|k|к|тыс|млн|mln|m\b|ms|мс|сек|дн|час|мес|недел|month|week|day|hour)",
                            re.IGNORECASE)
#: Company credentials given in place of a case ("12 лет на рынке", "200+ проектов", "a team of 50 developers",
#: "أكثر من ٣٠٠ عميل"): docs/labeling.md counts them as a sign of a generic pitch.
_AMOUNT = r"(?:\d[\d\s.,]*\+?|более|свыше|больше|over|more than|أكثر من)\s*"
_CREDENTIALS = re.compile(
    _AMOUNT + r"(?:лет|года|год|years?|yrs|سنة|سنوات|عام|عاما|عامًا)\b|"
    + _AMOUNT + r"(?:проект\w*|клиент\w*|специалист\w*|разработчик\w*|сотрудник\w*|инженер\w*|человек|projects?|"
    r"clients?|customers?|developers?|engineers?|people|specialists?|experts?|مشروع\w*|مشاريع|عميل|عملاء|موظف\w*|"
    r"مطور\w*|مهندس\w*|خبير\w*)",
    re.IGNORECASE)
_SIGNOFF = re.compile(r"^\s*(—|--|–|с уважением|best regards|regards|kind regards|cheers|мы на связи|مع التحية|تحياتي)",
                      re.IGNORECASE)
_PHONE = re.compile(r"\+?\d[\d\s()\-]{8,}\d")

#: the packaged knowledge's concepts and kinds of business, in file order: they name feature columns and the
#: order of the kind distribution (a deployment's extra patterns may add paraphrases, never new ones)
CONCEPTS: tuple[str, ...] = default_knowledge().concept_names
KINDS: tuple[str, ...] = default_knowledge().kind_names

LEXICONS: tuple[str, ...] = (
    "lead_begging", "decline", "closed_ack", "generic_pitch", "see_site", "attachment_pointer", "case_markers",
)

FEATURE_NAMES: tuple[str, ...] = (
    "sim_text", "sim_sent_max", "sim_sent_top2", "sim_page_max", "sim_page_sent_max", "sim_best",
    "sim_best_margin", "spec_text", "spec_best", "margin_best", "bank_mean",
    "cover_mean", "cover_spec_mean", "cover_spec_max",
    "lemma_coverage",
    "log_own_words", "log_content_words", "n_sentences_log", "has_greeting", "n_urls", "has_url_outside_signature",
    "has_attachment", "log_pages", "deck_link", "has_deck", "pointer_page_sim", "result_numbers",
    "question_marks", "is_after_close", "list_items", "pages_pitch", "pages_case",
    *(f"lex_{name}" for name in LEXICONS),
    *(f"proto_{name}" for name in CONCEPTS),
    "tax_request_known", "tax_task_match", "tax_industry_match", "tax_task_miss", "tax_industry_miss",
    "tax_n_tasks", "tax_n_industries", "tax_family_miss", "tax_sector_match", "tax_sector_miss", "tax_both_miss",
    "kind_mismatch", "kind_reply_it",
    "lang_request_ar", "lang_request_en", "lang_reply_ar", "lang_reply_en", "cross_language", "credentials",
)
FEATURE_INDEX = {name: i for i, name in enumerate(FEATURE_NAMES)}


@dataclass(frozen=True)
class Page:
    attachment: str
    number: int  # 1-based, as people count pages
    text: str


@dataclass
class ReplyView:
    """Everything computed about one reply; features, flags, evidence and suggestions read from it."""

    reply: Reply
    analysis: Analysis
    pages: list[Page]
    page_analyses: list[Analysis]
    attachment_errors: list[dict]
    text_embedding: Embedded | None = None
    page_embeddings: list[Embedded] = field(default_factory=list)
    content_words: int = 0
    url_outside_signature: list[Span] = field(default_factory=list)


@dataclass
class RequestView:
    request: Request
    analysis: Analysis
    vector: np.ndarray
    aspects: np.ndarray  # vectors of the request's substantive sentences (domain, task, constraints)
    kind: np.ndarray  # distribution over KINDS: the kind of business the request asks for
    tasks: frozenset[str] = frozenset()  # taxonomy types of work (model/patterns) the request names
    industries: frozenset[str] = frozenset()


def _cos(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    if matrix.size == 0:
        return np.zeros(0, dtype=np.float32)
    return matrix @ vector


class Featurizer:
    """Holds the encoder, the text processor and the concept prototypes' embeddings.

    `knowledge` (default: the text processor's, else the packaged one) gives the phrases and paraphrases.
    """

    def __init__(self, encoder: Encoder, text: TextProcessor | None = None,
                 limits: AttachmentLimits = AttachmentLimits(), knowledge: Knowledge | None = None) -> None:
        if knowledge is None:
            knowledge = text.knowledge if text is not None else default_knowledge()
        elif text is not None and text.knowledge != knowledge:
            raise ValueError("the text processor was built on other phrase patterns than `knowledge`")
        self.encoder = encoder
        self.knowledge = knowledge
        self.text = text or TextProcessor(knowledge)
        self.limits = limits
        self._concepts = {name: encoder.encode(list(knowledge.concepts[name])) for name in CONCEPTS}
        self._background = encoder.encode(list(knowledge.background))
        self._kinds = [encoder.encode(list(knowledge.kinds[name])) for name in KINDS]

    @property
    def patterns_fingerprint(self) -> str:
        """sha256 of the phrase patterns the features are computed with (a model card records it)."""
        return self.knowledge.fingerprint

    # ---- preparation ---------------------------------------------------------------------------

    def _pages(self, reply: Reply) -> tuple[list[Page], list[dict]]:
        pages: list[Page] = []
        errors: list[dict] = []
        for attachment in reply.attachments:
            if attachment.pages is not None:
                texts = list(attachment.pages)[: self.limits.max_pages]
            elif attachment.content is not None:
                try:
                    texts = extract_pages(attachment.filename, attachment.content, self.limits)
                except AttachmentError as error:
                    errors.append({"attachment": attachment.filename, "code": error.code, "message": str(error)})
                    continue
            else:
                texts = []
            pages.extend(Page(attachment.filename, i + 1, t[:MAX_PAGE_CHARS]) for i, t in enumerate(texts))
        return pages, errors

    def prepare(self, request: Request, replies: Sequence[Reply]) -> tuple[RequestView, list[ReplyView]]:
        request_analysis = self.text.analyze(request.text)
        views: list[ReplyView] = []
        for reply in replies:
            pages, errors = self._pages(reply)
            analysis = self.text.analyze(reply.text)
            page_analyses = [self.text.analyze(page.text, lang=None) for page in pages]
            view = ReplyView(reply, analysis, pages, page_analyses, errors)
            view.url_outside_signature, view.content_words = _content_outside_signature(analysis)
            views.append(view)

        aspect_spans = _aspect_spans(request_analysis)
        texts: list[str] = [request.text[:MAX_ENCODED_CHARS]]
        spans: list[list[tuple[int, int]]] = [aspect_spans]
        for view in views:
            texts.append(view.reply.text[:MAX_ENCODED_CHARS])
            spans.append(_sentence_spans(view.analysis))
            for page, page_analysis in zip(view.pages, view.page_analyses):
                texts.append(page.text)
                spans.append(_sentence_spans(page_analysis))
        embedded = self.encoder.embed(texts, spans)
        cursor = 1
        for view in views:
            view.text_embedding = embedded[cursor] if view.reply.text.strip() else None
            cursor += 1
            view.page_embeddings = embedded[cursor: cursor + len(view.pages)]
            cursor += len(view.pages)
        aspects = embedded[0].spans if aspect_spans else embedded[0].vector[None, :]
        kind = self._kind_distribution(np.vstack([embedded[0].vector[None, :], aspects]))
        return RequestView(request, request_analysis, embedded[0].vector, aspects, kind,
                           frozenset(self.text.categories(request_analysis, "task")),
                           frozenset(self.text.categories(request_analysis, "industry"))), views

    # ---- features ------------------------------------------------------------------------------

    def features(self, request: RequestView, view: ReplyView) -> np.ndarray:
        r = request.vector
        sent_sims = _cos(view.text_embedding.spans, r) if view.text_embedding is not None else np.zeros(0)
        sim_text = float(view.text_embedding.vector @ r) if view.text_embedding is not None else 0.0
        page_sims = np.array([float(e.vector @ r) for e in view.page_embeddings]) if view.page_embeddings else np.zeros(0)
        page_sent_sims = np.concatenate([_cos(e.spans, r) for e in view.page_embeddings]) \
            if view.page_embeddings else np.zeros(0)
        sent_max = float(sent_sims.max()) if sent_sims.size else sim_text
        top2 = float(np.sort(sent_sims)[-2:].mean()) if sent_sims.size else sim_text
        page_max = float(page_sims.max()) if page_sims.size else 0.0
        page_sent_max = float(page_sent_sims.max()) if page_sent_sims.size else 0.0
        best = max(sim_text, sent_max, page_max, page_sent_max)

        specificity = self._specificity(view, r, request.aspects)

        analysis = view.analysis
        n_pages = len(view.pages)
        has_deck = bool(view.reply.attachments) or bool(_DECK_LINK.search(view.reply.text))
        values: dict[str, float] = {
            "sim_text": sim_text,
            "sim_sent_max": sent_max,
            "sim_sent_top2": top2,
            "sim_page_max": page_max,
            "sim_page_sent_max": page_sent_max,
            "sim_best": best,
            "sim_best_margin": best - sim_text,
            **specificity,
            "lemma_coverage": _lemma_coverage(request.analysis, [analysis, *view.page_analyses]),
            "log_own_words": math.log1p(analysis.own_word_count()),
            "log_content_words": math.log1p(view.content_words),
            "n_sentences_log": math.log1p(len(analysis.sentences)),
            "has_greeting": float(bool(analysis.greetings)),
            "n_urls": float(min(len(analysis.urls), 5)),
            "has_url_outside_signature": float(bool(view.url_outside_signature)),
            "has_attachment": float(bool(view.reply.attachments)),
            "log_pages": math.log1p(n_pages),
            "deck_link": float(bool(_DECK_LINK.search(view.reply.text))),
            "has_deck": float(has_deck),
            "pointer_page_sim": _pointer_page_sim(view),
            "result_numbers": float(min(len(_RESULT_NUMBER.findall(view.reply.text)), 5)),
            "credentials": float(min(len(_CREDENTIALS.findall(view.reply.text)), 4)),
            "question_marks": float(min(view.reply.text.count("?"), 5)),
            "is_after_close": float(is_after_close(request.request, view.reply)),
            "list_items": float(min(_longest_enumeration(view.reply.text), 12)),
            "pages_pitch": self._pages_concept(view, "pitch"),
            "pages_case": self._pages_concept(view, "case"),
        }
        for name in LEXICONS:
            values[f"lex_{name}"] = float(min(len(self.text.phrase_spans(analysis, name)), 5))
        for name in CONCEPTS:
            values[f"proto_{name}"] = self.concept_similarity(view, name)
        values.update(self._taxonomy(request, view))
        values.update(self._kind(request, view))
        # e5's cosines sit at different levels per language; the heads need to know which one they read
        for side, lang in (("request", request.analysis.lang), ("reply", analysis.lang)):
            values[f"lang_{side}_ar"] = float(lang == "ar")
            values[f"lang_{side}_en"] = float(lang == "en")
        # a reply in another language shares no lemmas with the request, whatever it is about
        values["cross_language"] = float(_cross_language(request.analysis.lang, view))
        return np.array([values[name] for name in FEATURE_NAMES], dtype=np.float64)

    def _taxonomy(self, request: RequestView, view: ReplyView) -> dict[str, float]:
        """Does the reply name the request's type of work, its industry, other ones, or many at once?

        flags.md's off-topic is 'different domain and different task', and a pitch lists many of
        both; e5's averaged vectors blur the two, so they are named explicitly here.
        """
        tasks: set[str] = set()
        industries: set[str] = set()
        for analysis in (view.analysis, *view.page_analyses):
            tasks |= self.text.categories(analysis, "task")
            industries |= self.text.categories(analysis, "industry")
        task_match = bool(tasks & request.tasks)
        industry_match = bool(industries & request.industries)
        # labeling.md: neighbouring businesses are one domain (a metal-structures plant is manufacturing)
        sectors, families = self.knowledge.industry_sectors, self.knowledge.task_families
        sector_match = bool({sectors[i] for i in industries} & {sectors[i] for i in request.industries})
        # both sides named: "another" is known, not just unseen
        other_sector = bool(industries) and bool(request.industries) and not sector_match
        other_task = bool(tasks) and bool(request.tasks) and not task_match
        other_family = other_task and not ({families[t] for t in tasks} & {families[t] for t in request.tasks})
        return {
            "tax_request_known": float(bool(request.tasks)) + float(bool(request.industries)),
            "tax_task_match": float(task_match),
            "tax_industry_match": float(industry_match),
            "tax_task_miss": float(bool(tasks) and not task_match),
            "tax_industry_miss": float(bool(industries) and not industry_match),
            "tax_n_tasks": float(min(len(tasks), 6)),
            "tax_n_industries": float(min(len(industries), 6)),
            "tax_family_miss": float(other_family),
            "tax_sector_match": float(sector_match),
            "tax_sector_miss": float(other_sector),
            # flags.md's off-topic in one column: another task AND another domain, where another kind of
            # business altogether counts as another domain whatever industry it names (labeling.md)
            "tax_both_miss": float(other_task and (other_sector or other_family)),
        }

    def _specificity(self, view: ReplyView, r: np.ndarray, aspects: np.ndarray) -> dict[str, float]:
        """How much better the reply's passages match THIS request than typical requests of other domains."""
        parts = []
        if view.text_embedding is not None:
            parts += [view.text_embedding.vector[None, :], view.text_embedding.spans]
        for embedded in view.page_embeddings:
            parts += [embedded.vector[None, :], embedded.spans]
        parts = [p for p in parts if p.size]
        if not parts:
            return {"spec_text": 0.0, "spec_best": 0.0, "margin_best": -0.2, "bank_mean": 0.0,
                    "cover_mean": 0.0, "cover_spec_mean": 0.0, "cover_spec_max": 0.0}
        candidates = np.vstack(parts)
        to_request = candidates @ r
        to_bank = candidates @ self._background.T
        spec = to_request - to_bank.mean(axis=1)
        spec_text = float(spec[0]) if view.text_embedding is not None else 0.0
        # every substantive request sentence (domain, task, constraints) against its best reply passage
        pairs = aspects @ candidates.T
        pairs_spec = pairs - to_bank.mean(axis=1)[None, :]
        return {"spec_text": spec_text, "spec_best": float(spec.max()),
                "margin_best": float((to_request - to_bank.max(axis=1)).max()),
                "bank_mean": float(to_bank[0].mean()),
                "cover_mean": float(pairs.max(axis=1).mean()),
                "cover_spec_mean": float(pairs_spec.max(axis=1).mean()),
                "cover_spec_max": float(pairs_spec.max())}

    def _kind_distribution(self, vectors: np.ndarray) -> np.ndarray:
        """Soft assignment of a text to the kinds of business, from its best-matching sentence per kind."""
        best = np.array([float((vectors @ protos.T).max()) for protos in self._kinds])
        weights = np.exp((best - best.max()) / KIND_TEMPERATURE)
        return weights / weights.sum()

    def _kind(self, request: RequestView, view: ReplyView) -> dict[str, float]:
        """Does the reply speak for another kind of business than the one the request asks for?

        The taxonomy's task families say the same by phrase; this reads it from the encoder, so a "BPO contact
        centre" or "we finance garbage trucks" counts too. Measured in docs/quality.md (eighth session): off_topic
        F1 under 7-seed CV 0.795 -> 0.823 with the fresh threads in training; neutral on the older samples alone.
        """
        parts = []
        if view.text_embedding is not None:
            parts.append(view.text_embedding.spans if view.text_embedding.spans.size else view.text_embedding.vector[None, :])
        parts.extend(e.vector[None, :] for e in view.page_embeddings)
        if not parts:
            return {"kind_mismatch": 0.0, "kind_reply_it": 0.0}
        reply_kind = self._kind_distribution(np.vstack(parts))
        return {"kind_mismatch": float(1.0 - np.minimum(reply_kind, request.kind).sum()),
                "kind_reply_it": float(reply_kind[KINDS.index("it")])}

    def concept_similarity(self, view: ReplyView, concept: str) -> float:
        """Best match between any sentence of the reply text and the concept's paraphrases."""
        if view.text_embedding is None:
            return 0.0
        vectors = view.text_embedding.spans if view.text_embedding.spans.size else view.text_embedding.vector[None, :]
        return float((vectors @ self._concepts[concept].T).max())

    def _pages_concept(self, view: ReplyView, concept: str) -> float:
        """A deck's genre: company overview (pitch) or a specific case; mean over its pages."""
        if not view.page_embeddings:
            return 0.0
        pages = np.vstack([e.vector for e in view.page_embeddings])
        return float((pages @ self._concepts[concept].T).max(axis=1).mean())

    def best_concept_sentence(self, view: ReplyView, concept: str) -> Span | None:
        if view.text_embedding is None or not view.text_embedding.spans.size:
            return None
        sims = (view.text_embedding.spans @ self._concepts[concept].T).max(axis=1)
        sentences = _encoded_sentences(view.analysis)
        return sentences[int(sims.argmax())] if sentences else None

    def thread_features(self, request: Request, replies: Sequence[Reply]) -> tuple[np.ndarray, RequestView, list[ReplyView]]:
        request_view, views = self.prepare(request, replies)
        matrix = np.vstack([self.features(request_view, v) for v in views]) if views else \
            np.zeros((0, len(FEATURE_NAMES)))
        return matrix, request_view, views


# ---- helpers ------------------------------------------------------------------------------------

def is_after_close(request: Request, reply: Reply) -> bool:
    return bool(request.closed_at and reply.sent_at and reply.sent_at > request.closed_at)


def _encoded_sentences(analysis: Analysis) -> list[Span]:
    return [s for s in analysis.sentences if s.start < MAX_ENCODED_CHARS][:MAX_SPANS_PER_TEXT]


def _aspect_spans(analysis: Analysis) -> list[tuple[int, int]]:
    """Request sentences with content; 'Коллеги, добрый день!' says nothing about the task."""
    spans = []
    for sentence in _encoded_sentences(analysis):
        words = sum(1 for w in analysis.words if sentence.start <= w.start < sentence.end)
        if words >= 4:
            spans.append((sentence.start, min(sentence.end, MAX_ENCODED_CHARS)))
    return spans


def _sentence_spans(analysis: Analysis) -> list[tuple[int, int]]:
    return [(s.start, min(s.end, MAX_ENCODED_CHARS)) for s in _encoded_sentences(analysis)]


def _content_outside_signature(analysis: Analysis) -> tuple[list[Span], int]:
    """URLs that are not in a trailing signature block, and the count of words that carry content.

    A signature is the trailing run of short lines (name, company, site, phone) after the message
    body, or anything after a sign-off marker. Greeting words are not content either.
    """
    text = analysis.text
    lines = text.splitlines(keepends=True)
    offsets, position = [], 0
    for line in lines:
        offsets.append(position)
        position += len(line)
    signature_start = len(text)
    body_words_before = 0
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        words = [w for w in analysis.words if offsets[index] <= w.start < offsets[index] + len(line)]
        short = len(words) <= 6
        contact_like = any(offsets[index] <= u.start < offsets[index] + len(line) for u in analysis.urls + analysis.emails) \
            or bool(_PHONE.search(line)) or bool(_SIGNOFF.match(line))
        if _SIGNOFF.match(line) and index > 0:
            signature_start = offsets[index]
            continue
        if short and (contact_like or not line.strip()) and index > 0:
            signature_start = offsets[index]
            continue
        break
    body_words_before = sum(1 for w in analysis.words if w.start < signature_start)
    if body_words_before < 12:
        signature_start = len(text)  # too little body for the tail to be a mere signature
    urls = [u for u in analysis.urls if u.start < signature_start]
    greeting_chars = [(g.start, g.end) for g in analysis.greetings]
    skip = [(u.start, u.end) for u in analysis.urls + analysis.emails] + greeting_chars
    content = sum(1 for w in analysis.words
                  if w.start < signature_start and not any(a <= w.start < b for a, b in skip))
    return urls, content


_ITEM_SPLIT = re.compile(r"[,;•·/|]|\n\s*[-–—*]")


def _longest_enumeration(text: str) -> int:
    """Longest run of short comma/bullet-separated items ("сайты, приложения, SEO, SMM") in one line."""
    best = 0
    for line in re.split(r"[.!?]\s|\n(?!\s*[-–—*•])", text):
        items = [item.strip() for item in _ITEM_SPLIT.split(line)]
        run = current = 0
        for item in items:
            current = current + 1 if 0 < len(item.split()) <= 3 else 0
            run = max(run, current)
        best = max(best, run)
    return best


def _lemma_coverage(request: Analysis, replies: Sequence[Analysis]) -> float:
    wanted = {lemma for lemma in request.lemmas if len(lemma) >= 4}
    if not wanted:
        return 0.0
    present: set[str] = set()
    for analysis in replies:
        present.update(analysis.lemmas)
    return len(wanted & present) / len(wanted)


def _cross_language(request_lang: str, view: ReplyView) -> bool:
    """The reply (its text, or its pages when it has no text) is not written in the request's language."""
    langs = {view.analysis.lang} if view.reply.text.strip() else {a.lang for a in view.page_analyses}
    return bool(langs) and request_lang not in langs and OTHER_LANG not in langs


def _pointer_page_sim(view: ReplyView) -> float:
    """How well the reply's own sentences describe its attachment pages (context for a deck)."""
    if view.text_embedding is None or not view.page_embeddings or not view.text_embedding.spans.size:
        return 0.0
    pages = np.vstack([e.vector for e in view.page_embeddings])
    return float((view.text_embedding.spans @ pages.T).max())


def deck_like(reply: Reply) -> bool:
    return any(is_deck_filename(a.filename) for a in reply.attachments) or bool(_DECK_LINK.search(reply.text))


def reply_vector(view: ReplyView, dim: int) -> np.ndarray:
    """One vector for what a reply says: its text, or the mean of its pages when it has no text.

    The label memory compares replies by it; zeros for a reply with neither text nor pages.
    """
    if view.text_embedding is not None:
        return view.text_embedding.vector
    if view.page_embeddings:
        mean = np.mean([e.vector for e in view.page_embeddings], axis=0)
        norm = float(np.linalg.norm(mean))
        return mean / norm if norm > 0 else mean
    return np.zeros(dim, dtype=np.float32)

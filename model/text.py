"""Text analysis of requests and replies: language, sentences, URLs, e-mails, greetings, lemmas, passages.

Built on blank spaCy pipelines (no trained models exist here) plus pymorphy3 for Russian lemmas and lingua
for language identification. Everything heavy is built lazily, once per process, and shared by all
`TextProcessor` instances; spaCy pipelines are used under a per-language lock because spaCy does not
promise thread safety and the service calls from several threads.

All spans are character offsets into the exact text that was analysed (``text[start:end] == span.text``).
HTML is not stripped automatically: call `strip_html` first; it keeps the length, so offsets into its result
are offsets into the original markup.
"""
from __future__ import annotations

import html
import re
import threading
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Iterator

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.tokens import Span as SpacySpan
from spacy.util import filter_spans

from model.knowledge import Knowledge, default_knowledge

LANGS: tuple[str, ...] = ("ru", "en", "ar")
OTHER = "other"
_SPACY_CODE = {"ru": "ru", "en": "en", "ar": "ar", OTHER: "xx"}


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Analysis:
    text: str
    lang: str  # 'ru' | 'en' | 'ar' | 'other'
    sentences: list[Span]
    urls: list[Span]
    emails: list[Span]
    greetings: list[Span]
    words: list[Span]  # alphabetic word tokens (hyphen/apostrophe inside allowed; Arabic diacritics kept)
    lemmas: list[str]  # one per word: normalize_token() form; pymorphy3 normal form (ru), without the article (ar)
    # The spaCy Doc, kept so phrase_spans() need not re-tokenise; not part of equality or repr.
    doc: Doc | None = field(default=None, repr=False, compare=False)

    def own_word_count(self) -> int:
        """Words written by the author, i.e. not inside a URL or an e-mail address."""
        if not self.urls and not self.emails:
            return len(self.words)
        mask = _Mask(len(self.text), (*self.urls, *self.emails))
        return sum(1 for w in self.words if not mask.overlaps(w.start, w.end))


# --------------------------------------------------------------------------------------------- helpers


class _Mask:
    """Characters already claimed by a span; overlap tests in C time, so 200 KB with many links stays fast."""

    def __init__(self, size: int, spans: Iterable[Span] = ()):
        self._bits = bytearray(size)
        for span in spans:
            self.add(span.start, span.end)

    def add(self, start: int, end: int) -> None:
        self._bits[start:end] = b"\x01" * (end - start)

    def overlaps(self, start: int, end: int) -> bool:
        return self._bits.find(1, start, end) != -1


def _span(text: str, start: int, end: int) -> Span:
    return Span(start, end, text[start:end])


def strip_html(text: str) -> str:
    """Blank out HTML tags/comments/scripts and decode entities *without changing the length*.

    Tags become spaces (block tags a newline, so sentences split), an entity becomes its character padded
    with spaces. Offsets computed on the result are therefore valid offsets into the original markup.
    """
    if "<" not in text and "&" not in text:
        return text

    def blank(match: re.Match[str]) -> str:
        chunk = match.group(0)
        name = re.match(r"</?\s*([a-zA-Z0-9]+)", chunk)
        filler = re.sub(r"[^\n]", " ", chunk)
        if name and name.group(1).lower() in _BLOCK_TAGS and "\n" not in chunk:
            filler = "\n" + filler[1:]
        return filler

    def entity(match: re.Match[str]) -> str:
        raw = match.group(0)
        decoded = html.unescape(raw)
        return decoded + " " * (len(raw) - len(decoded)) if len(decoded) <= len(raw) else raw

    out = _HTML_SCRIPT.sub(blank, text)
    out = _HTML_COMMENT.sub(blank, out)
    out = _HTML_TAG.sub(blank, out)
    out = _HTML_ENTITY.sub(entity, out)
    assert len(out) == len(text)
    return out


_BLOCK_TAGS = frozenset(
    "br p div li ul ol tr td th table h1 h2 h3 h4 h5 h6 blockquote pre hr section article header footer".split()
)
_HTML_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.I | re.S)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_HTML_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});")

# ------------------------------------------------------------------------------------- URLs and e-mails

# TLDs accepted for *bare* domains (no scheme, no www). Lower-case only and curated, so that file names
# (deck.pdf, README.md), tech names (Node.js, ASP.NET) and abbreviations (т.е.) are not taken for links.
_TLDS = (
    "ru|рф|su|com|net|org|io|me|co|ai|app|dev|tech|pro|info|biz|online|site|store|shop|agency|digital|"
    "studio|cloud|team|group|design|space|world|xyz|link|page|uk|de|fr|es|it|nl|eu|us|ca|au|kz|by|ua|uz|"
    "am|ge|ae|sa|qa|kw|om|bh|eg|jo|ma|tn|tr|cn|in|gg|ly|to|tv|fm|ws|ch|se|no|fi|pl|cz|il"
)
_URL_CHARS = r"[^\s<>\"'«»“”\[\]{}|\\^`]"
_SCHEME_URL = re.compile(rf"(?:(?:https?|ftp)://|www\.){_URL_CHARS}+", re.I)
_BARE_URL = re.compile(
    rf"(?<![\w@.\-/:])(?:[^\W_](?:[\w-]{{0,61}}[^\W_])?\.)+(?:{_TLDS})(?![\w-])"
    rf"(?::\d{{2,5}})?(?:[/?#]{_URL_CHARS}*)?"
)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,}(?![\w-])")
_TRAILING = ".,;:!?…'\")]}»"


def _trim_url(start: int, end: int, text: str) -> int:
    """Drop sentence punctuation glued to a URL's end; keep ')' when the URL opened a '('."""
    while end > start and text[end - 1] in _TRAILING:
        if text[end - 1] == ")" and text.count("(", start, end) >= text.count(")", start, end):
            break
        end -= 1
    return end


def find_emails(text: str) -> list[Span]:
    return [_span(text, m.start(), m.end()) for m in _EMAIL.finditer(text)]


def find_urls(text: str, emails: list[Span] | None = None) -> list[Span]:
    """URLs with a scheme or www., plus bare domains with a known TLD (example.ru/cases, t.me/x)."""
    taken = _Mask(len(text), find_emails(text) if emails is None else emails)
    found: list[Span] = []
    for pattern in (_SCHEME_URL, _BARE_URL):
        for m in pattern.finditer(text):
            end = _trim_url(m.start(), m.end(), text)
            if end - m.start() < 4 or taken.overlaps(m.start(), end):
                continue
            found.append(_span(text, m.start(), end))
            taken.add(m.start(), end)
    return sorted(found, key=lambda s: s.start)


# ------------------------------------------------------------------------------------ language detection

_WORD_RE = re.compile(r"[^\W\d_]+")
_UK_LETTERS = frozenset("іїєґІЇЄҐ")
_DETECT_CHARS = 20_000  # language is decided on the first 20k characters; enough and keeps 200 KB fast
_LINGUA_WORDS = 120
_SHORT_LETTERS = 15  # below this lingua is unreliable; the script alone decides


def _script(ch: str) -> str:
    o = ord(ch)
    if 0x0400 <= o <= 0x052F:
        return "cyrillic"
    if 0x0600 <= o <= 0x06FF or 0x0750 <= o <= 0x077F or 0x08A0 <= o <= 0x08FF or 0xFB50 <= o <= 0xFEFF:
        return "arabic"
    if o < 0x0250:
        return "latin"
    if 0x3400 <= o <= 0x9FFF or 0x3040 <= o <= 0x30FF or 0xAC00 <= o <= 0xD7AF:
        return "cjk"
    return "other"


def _script_votes(words: Iterable[str]) -> dict[str, float]:
    """Words per script, Latin down-weighted: in ru/ar chat, Latin words are mostly brands and tech terms."""
    votes: dict[str, float] = {}
    for word in words:
        script = _script(word[0])
        weight = 1.0
        if script == "latin":
            weight = 0.5 if word.islower() else 0.25
        votes[script] = votes.get(script, 0.0) + weight
    if set(votes) == {"latin"}:
        votes["latin"] = 1.0
    return votes


_lingua_lock = threading.Lock()
_lingua_detector: Any = None


def _lingua() -> Any:
    global _lingua_detector
    if _lingua_detector is None:
        with _lingua_lock:
            if _lingua_detector is None:
                from lingua import Language as L
                from lingua import LanguageDetectorBuilder

                langs = (L.RUSSIAN, L.ENGLISH, L.ARABIC, L.UKRAINIAN, L.GERMAN, L.FRENCH, L.SPANISH,
                         L.TURKISH, L.CHINESE)
                _lingua_detector = LanguageDetectorBuilder.from_languages(*langs).build()
    return _lingua_detector


def _lingua_best(words: list[str]) -> tuple[str, float]:
    values = _lingua().compute_language_confidence_values(" ".join(words[:_LINGUA_WORDS]))
    if not values:
        return "", 0.0
    return values[0].language.iso_code_639_1.name.lower(), float(values[0].value)


def detect_language(text: str, default: str = OTHER) -> str:
    """'ru' | 'en' | 'ar' | 'other'. Majority script first, lingua to tell languages of that script apart.

    Text without letters (empty, emoji, digits, only links) returns `default`. Short Cyrillic text is
    Russian and short Latin text English unless clearly otherwise: lingua cannot judge "ok" or "DM me".
    """
    sample = strip_html(text[:_DETECT_CHARS])  # tag names would vote for Latin
    emails = find_emails(sample)
    links = sorted((*emails, *find_urls(sample, emails)), key=lambda s: s.start)
    if links:
        parts, pos = [], 0
        for link in links:
            parts.append(sample[pos:link.start])
            pos = link.end
        sample = " ".join([*parts, sample[pos:]])
    words = _WORD_RE.findall(sample)
    if sum(len(w) for w in words) < 2:
        return default
    votes = _script_votes(words)
    script = max(votes, key=lambda k: votes[k])
    if script == "arabic":
        return "ar"
    if script not in ("cyrillic", "latin"):
        return OTHER
    same = [w for w in words if _script(w[0]) == script]
    if script == "cyrillic":
        if any(ch in _UK_LETTERS for w in same for ch in w):
            return OTHER
        if sum(map(len, same)) < _SHORT_LETTERS:
            return "ru"
        best, value = _lingua_best(same)
        return "ru" if best == "ru" or value < 0.6 else OTHER
    if sum(map(len, same)) < _SHORT_LETTERS or len(same) < 4:
        return "en"
    best, value = _lingua_best(same)
    return "en" if best == "en" or value < 0.6 else OTHER


# -------------------------------------------------------------------------------------- normalisation

_AR_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_AR_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})


@lru_cache(maxsize=100_000)
def normalize_token(token: str) -> str:
    """Matching form: lower case, 'ё'→'е', curly apostrophe → ', Arabic diacritics/tatweel dropped and
    letter variants folded (so مرحباً = مرحبا, أهلا = اهلا)."""
    out = token.lower().replace("ё", "е").replace("’", "'")
    if any("\u0600" <= ch <= "\u06ff" for ch in out):
        out = _AR_DIACRITICS.sub("", out).translate(_AR_FOLD)
    return out


_morph_lock = threading.Lock()
_morph_analyzer: Any = None


def _morph() -> Any:
    global _morph_analyzer
    if _morph_analyzer is None:
        with _morph_lock:
            if _morph_analyzer is None:
                import pymorphy3

                _morph_analyzer = pymorphy3.MorphAnalyzer(lang="ru")
    return _morph_analyzer


@lru_cache(maxsize=200_000)
def russian_lemma(word: str) -> str:
    """pymorphy3's most probable normal form (no POS context in a blank pipeline), normalised."""
    lower = word.lower()
    if not any("а" <= ch <= "я" or ch == "ё" for ch in lower):
        return normalize_token(lower)
    parses = _morph().parse(lower)
    return normalize_token(parses[0].normal_form if parses else lower)


@lru_cache(maxsize=100_000)
def is_word(token: str) -> bool:
    """Alphabetic word: starts with a letter; letters, combining marks (Arabic harakat), - and ' inside."""
    if not token[:1].isalpha():
        return False
    return all(c.isalpha() or c in "-'’" or unicodedata.category(c).startswith("M") for c in token)


# ----------------------------------------------------------------------------------- spaCy components

_BULLETS = "•·▪◦‣●►▶✔✅☑➖➤→"
# A line, or a bullet item inside a line: chat messages use line breaks and bullets instead of full stops.
_SEGMENT = re.compile(f"[{_BULLETS}]?[^\n{_BULLETS}]+")
_DEAR = ("dear", "уважаемый", "уважаемая", "уважаемые")


@Language.component("replyscreen_norm")
def _norm_component(doc: Doc) -> Doc:
    for token in doc:
        token.norm_ = normalize_token(token.text)
    return doc


#: Arabic attaches the article and the prepositions before it to the word (للعيادات = "for the clinics");
#: stripping them, longest first, lets "عيادات" in a lexicon match. Only these article forms: a bare
#: و/ب/ل/ك is too often the word's own first letter.
_AR_ARTICLE_PREFIXES = ("وبال", "وال", "فال", "بال", "كال", "لل", "ال")


def arabic_stem(norm: str) -> str:
    """The word without its article prefix, when at least three letters remain."""
    for prefix in _AR_ARTICLE_PREFIXES:
        if norm.startswith(prefix) and len(norm) - len(prefix) >= 3:
            return norm[len(prefix):]
    return norm


@Language.component("replyscreen_ar_stems")
def _ar_stem_component(doc: Doc) -> Doc:
    """Arabic 'lemmas' for the taxonomy matcher: the normalised form without the article prefix."""
    for token in doc:
        token.lemma_ = arabic_stem(token.norm_)
    return doc


@Language.component("replyscreen_ru_lemmas")
def _ru_lemma_component(doc: Doc) -> Doc:
    """Lemmas from pymorphy3's best parse, cached per word form.

    spaCy's own "pymorphy3" lemmatizer needs POS tags we do not have; without them it keeps ambiguous
    forms unlemmatised ("видим", "времени") and is ~5x slower on long texts.
    """
    for token in doc:
        token.lemma_ = russian_lemma(token.text) if is_word(token.text) else token.norm_
    return doc


# ----------------------------------------------------------------------------------------- pipelines


class _Pipeline:
    """One language's blank spaCy pipeline plus the phrase matchers of one `Knowledge`; use under `lock`."""

    def __init__(self, lang: str, knowledge: Knowledge):
        self.lang = lang
        self.lock = threading.RLock()
        nlp = spacy.blank(_SPACY_CODE[lang])
        nlp.max_length = 50_000_000  # no parser/NER here, so long texts cost little memory
        nlp.add_pipe("replyscreen_norm")
        from spacy.pipeline.sentencizer import Sentencizer

        nlp.add_pipe("sentencizer", config={"punct_chars": [*Sentencizer.default_punct_chars, "…"]})
        if lang == "ru":
            nlp.add_pipe("replyscreen_ru_lemmas")
        if lang == "ar":
            nlp.add_pipe("replyscreen_ar_stems")
        nlp.initialize()
        self.nlp = nlp
        # Every pipeline matches all languages' phrases by NORM (replies mix languages: "Hello! Мы делали…");
        # the Russian pipeline additionally matches Russian phrases by LEMMA.
        self.norm_matchers: dict[str, PhraseMatcher] = {}
        self.lemma_matchers: dict[str, PhraseMatcher] = {}
        for name, per_lang in knowledge.lexicons.items():
            matcher = PhraseMatcher(nlp.vocab, attr="NORM")
            for code, phrases in per_lang.items():
                matcher.add(code, list(nlp.pipe(phrases)))
            self.norm_matchers[name] = matcher
            if lang == "ru" and per_lang.get("ru"):
                lemma_matcher = PhraseMatcher(nlp.vocab, attr="LEMMA")
                lemma_matcher.add("ru", list(nlp.pipe(per_lang["ru"])))
                self.lemma_matchers[name] = lemma_matcher
        self.dear = {nlp.vocab.strings.add(w) for w in _DEAR}
        # taxonomy matchers: one per kind, the match id is the category
        self.category_matchers: dict[str, list[PhraseMatcher]] = {}
        for kind, categories in knowledge.taxonomies.items():
            by_norm = PhraseMatcher(nlp.vocab, attr="NORM")
            # Russian by pymorphy3 lemma, Arabic without the article; each language's own phrases
            by_lemma = PhraseMatcher(nlp.vocab, attr="LEMMA") if lang in ("ru", "ar") else None
            for category, per_lang in categories.items():
                docs = {code: list(nlp.pipe(phrases)) for code, phrases in per_lang.items()}  # parsed once
                if any(docs.values()):
                    by_norm.add(category, [d for parsed in docs.values() for d in parsed])
                if by_lemma is not None and docs.get(lang):
                    by_lemma.add(category, docs[lang])
            self.category_matchers[kind] = [m for m in (by_norm, by_lemma) if m is not None]

    def categories(self, doc: Doc, kind: str) -> set[str]:
        strings = self.nlp.vocab.strings
        return {strings[match_id] for matcher in self.category_matchers[kind] for match_id, _, _ in matcher(doc)}

    def match(self, doc: Doc, lexicon: str, text: str) -> list[SpacySpan]:
        """`text` is doc.text, passed in because rebuilding it from tokens is slow on long documents."""
        spans = list(self.norm_matchers[lexicon](doc, as_spans=True))
        if lexicon in self.lemma_matchers:
            spans += self.lemma_matchers[lexicon](doc, as_spans=True)
        if lexicon == "greetings":
            norms = doc.to_array("NORM").tolist()
            for i, norm in enumerate(norms[:-1]):  # "Dear Elena", "Уважаемая Елена"
                if norm in self.dear and doc[i + 1].is_title and doc[i + 1].is_alpha:
                    spans.append(doc[i:i + 2])
            # "hi-tech", "hey-day": a greeting glued to a hyphen is part of another word.
            spans = [s for s in spans if not (text[s.end_char:s.end_char + 1] == "-"
                                              or text[s.start_char - 1:s.start_char] == "-")]
        return filter_spans(spans)


#: (knowledge fingerprint, language) -> pipeline: processors with the same patterns share pipelines
_pipelines: dict[tuple[str, str], _Pipeline] = {}
_pipelines_lock = threading.Lock()


def _pipeline(lang: str, knowledge: Knowledge) -> _Pipeline:
    lang = lang if lang in _SPACY_CODE else OTHER
    key = (knowledge.fingerprint, lang)
    pipe = _pipelines.get(key)
    if pipe is None:
        with _pipelines_lock:
            pipe = _pipelines.get(key)
            if pipe is None:
                pipe = _pipelines[key] = _Pipeline(lang, knowledge)
    return pipe


def _sentences(doc: Doc, text: str) -> list[Span]:
    """The sentencizer's sentences, further split at line breaks and bullets, whitespace trimmed."""
    out: list[Span] = []
    for sent in doc.sents:
        for m in _SEGMENT.finditer(text, sent.start_char, sent.end_char):
            start, end = m.start(), m.end()
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if start < end:
                out.append(_span(text, start, end))
    return out


def _normalize_lang(lang: str) -> str:
    lang = (lang or "").strip().lower()
    return lang if lang in LANGS else OTHER


# -------------------------------------------------------------------------------------- public API


class TextProcessor:
    """Language, sentences, links, greetings, lemmas and lexicon matches for one text at a time.

    Cheap to create: the spaCy pipelines, pymorphy3 and lingua behind it are process-wide and lazy (pipelines
    per language and per `knowledge`: the phrase patterns it matches, by default the packaged ones).
    """

    def __init__(self, knowledge: Knowledge | None = None) -> None:
        self.knowledge = knowledge if knowledge is not None else default_knowledge()

    def warm_up(self) -> None:
        """Build every pipeline and load lingua's models now (a few seconds) instead of on first use."""
        for lang in (*LANGS, OTHER):
            _pipeline(lang, self.knowledge)
        for sample in ("Добрый день, мы делали похожий проект", "Hello, we built a similar project"):
            detect_language(sample)

    def detect_language(self, text: str, default: str = OTHER) -> str:
        return detect_language(text, default)

    def analyze(self, text: str, lang: str | None = None) -> Analysis:
        """Everything about one text; `lang` skips detection ('ru' | 'en' | 'ar', anything else → 'other')."""
        lang = _normalize_lang(lang) if lang else detect_language(text)
        pipe = _pipeline(lang, self.knowledge)
        emails = find_emails(text)
        urls = find_urls(text, emails)
        words: list[Span] = []
        lemmas: list[str] = []
        with pipe.lock:  # everything that reads the Doc (and so the shared vocab) stays under the lock
            doc = pipe.nlp(text)
            greetings = pipe.match(doc, "greetings", text)
            self._add_token_links(doc, text, urls, emails)
            for token in doc:
                if is_word(token.text):
                    words.append(Span(token.idx, token.idx + len(token.text), token.text))
                    lemmas.append(token.lemma_ if lang in ("ru", "ar") else token.norm_)
            sentences = _sentences(doc, text)
        return Analysis(
            text=text,
            lang=lang,
            sentences=sentences,
            urls=urls,
            emails=emails,
            greetings=[_span(text, s.start_char, s.end_char) for s in greetings],
            words=words,
            lemmas=lemmas,
            doc=doc,
        )

    @staticmethod
    def _add_token_links(doc: Doc, text: str, urls: list[Span], emails: list[Span]) -> None:
        """Safety net: spaCy's like_email / like_url (only with a path) for what the regexes missed."""
        taken = _Mask(len(text), (*urls, *emails))
        flags = doc.to_array(["LIKE_EMAIL", "LIKE_URL"])
        for i in flags.any(axis=1).nonzero()[0].tolist():
            token = doc[i]
            start, end = token.idx, token.idx + len(token.text)
            if taken.overlaps(start, end):
                continue
            if token.like_email:
                emails.append(_span(text, start, end))
            elif "/" in token.text and "." in token.text.split("/", 1)[0]:
                urls.append(_span(text, start, _trim_url(start, end, text)))
            else:
                continue
            taken.add(start, end)
        urls.sort(key=lambda s: s.start)
        emails.sort(key=lambda s: s.start)

    def sentences(self, text: str, lang: str | None = None) -> list[Span]:
        """Sentences only (no lemmas, no matching): the cheap path for long documents."""
        lang = _normalize_lang(lang) if lang else detect_language(text)
        pipe = _pipeline(lang, self.knowledge)
        with pipe.lock:
            doc = pipe.nlp(text, disable=["replyscreen_ru_lemmas"] if lang == "ru" else [])
        return _sentences(doc, text)

    def passages(self, text: str, max_chars: int = 1200, lang: str | None = None) -> list[Span]:
        """Consecutive sentences packed into chunks of at most `max_chars` characters (for the encoder's
        window); a sentence longer than that is split on whitespace, a whitespace-free run hard-cut."""
        if max_chars < 1:
            raise ValueError("max_chars must be positive")
        pieces: list[tuple[int, int]] = []
        for sent in self.sentences(text, lang):
            pieces.extend(_split_long(text, sent.start, sent.end, max_chars))
        out: list[Span] = []
        cur: tuple[int, int] | None = None
        for start, end in pieces:
            if cur is not None and end - cur[0] <= max_chars:
                cur = (cur[0], end)
                continue
            if cur is not None:
                out.append(_span(text, *cur))
            cur = (start, end)
        if cur is not None:
            out.append(_span(text, *cur))
        return out

    def phrase_spans(self, analysis: Analysis, lexicon: str) -> list[Span]:
        """Non-overlapping matches of a lexicon of the knowledge (longest wins), in text order."""
        if lexicon not in self.knowledge.lexicons:
            raise KeyError(f"unknown lexicon {lexicon!r}; known: {', '.join(self.knowledge.lexicons)}")
        with _locked_doc(analysis, self.knowledge) as (pipe, doc):
            spans = pipe.match(doc, lexicon, analysis.text)
        return [_span(analysis.text, s.start_char, s.end_char) for s in spans]

    def categories(self, analysis: Analysis, kind: str) -> set[str]:
        """Taxonomy categories of the knowledge ('task' types of work or 'industry') the text names."""
        taxonomies = self.knowledge.taxonomies
        if kind not in taxonomies:
            raise KeyError(f"unknown taxonomy {kind!r}; known: {', '.join(taxonomies)}")
        with _locked_doc(analysis, self.knowledge) as (pipe, doc):
            return pipe.categories(doc, kind)


@contextmanager
def _locked_doc(analysis: Analysis, knowledge: Knowledge) -> Iterator[tuple[_Pipeline, Doc]]:
    """The analysis's Doc (re-parsed if it came from another pipeline or was dropped) under its pipeline's lock."""
    pipe = _pipeline(analysis.lang, knowledge)
    with pipe.lock:
        doc = analysis.doc
        if doc is None or doc.vocab is not pipe.nlp.vocab:
            doc = pipe.nlp(analysis.text)
        yield pipe, doc


def _split_long(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut [start, end) into pieces ≤ max_chars, at the last whitespace before the limit when possible."""
    pieces: list[tuple[int, int]] = []
    while end - start > max_chars:
        limit = start + max_chars
        cut = limit
        while cut > start and not text[cut].isspace():
            cut -= 1
        if cut == start:  # one enormous token (base64, a long URL): hard cut
            cut = limit
        piece_end = cut
        while piece_end > start and text[piece_end - 1].isspace():
            piece_end -= 1
        if piece_end > start:
            pieces.append((start, piece_end))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        pieces.append((start, end))
    return pieces

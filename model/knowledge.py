"""Phrase knowledge as data: the lexicons, the taxonomy and the prototype paraphrases, read from JSONL.

The knowledge ships as package data in ``model/patterns/`` (what each file holds, the matching conventions
and the precision policy: ``model/patterns/README.md``). A deployment may add files of its own from a
directory it configures; they can only *add*:

* phrases to an existing lexicon or taxonomy category (``{"label", "lang", "pattern"}``, plus ``"kind":
  "task" | "industry"`` for the taxonomy);
* new taxonomy categories, declared with their family or sector (``{"kind": "task", "label", "family"}``,
  ``{"kind": "industry", "label", "sector"}``);
* paraphrases to an existing concept or kind of business, and background requests (``{"group":
  "concept" | "kind" | "background", "label"?, "lang"?, "text"}``).

A new lexicon, concept or kind of business would change the feature vector, so it is refused. Entries keep
the order they are read in (packaged files first, then the directory's ``*.jsonl`` by name): feature values
depend on it. ``Knowledge.fingerprint`` is a sha256 over the canonical content of everything loaded; a
model card records it, and a model is served only with the patterns it was trained on.

Nothing here reads settings: the caller passes the directory.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

PACKAGED_DIR = Path(__file__).with_name("patterns")
PACKAGED_FILES: tuple[str, ...] = ("lexicons.jsonl", "taxonomy.jsonl", "categories.jsonl", "prototypes.jsonl")
PATTERN_LANGS: tuple[str, ...] = ("ru", "en", "ar", "other")
#: taxonomy kind -> the key that names a category's group
GROUP_KEYS: dict[str, str] = {"task": "family", "industry": "sector"}
PROTOTYPE_GROUPS: tuple[str, ...] = ("concept", "background", "kind")

_PATTERN_KEYS = frozenset({"label", "lang", "pattern", "kind"})
_CATEGORY_KEYS = {kind: frozenset({"kind", "label", key}) for kind, key in GROUP_KEYS.items()}
_PROTOTYPE_KEYS = frozenset({"group", "label", "lang", "text"})

Phrases = Mapping[str, tuple[str, ...]]  # lang -> phrases


class KnowledgeError(ValueError):
    """A patterns file is unreadable, malformed or names something that does not exist; says file and line."""


@dataclass(frozen=True, eq=False)
class Knowledge:
    """Everything the text processor and the featurizer know about phrases; read-only, compared by fingerprint."""

    lexicons: Mapping[str, Phrases]                       # lexicon -> lang -> phrases
    taxonomies: Mapping[str, Mapping[str, Phrases]]       # 'task' | 'industry' -> category -> lang -> phrases
    task_families: Mapping[str, str]                      # task category -> family
    industry_sectors: Mapping[str, str]                   # industry category -> sector
    concepts: Mapping[str, tuple[str, ...]]               # concept -> paraphrases
    background: tuple[str, ...]                           # typical requests of unrelated domains
    kinds: Mapping[str, tuple[str, ...]]                  # kind of business -> paraphrases
    sources: tuple[str, ...] = field(default=())          # files read, in order
    fingerprint: str = ""

    @property
    def concept_names(self) -> tuple[str, ...]:
        return tuple(self.concepts)

    @property
    def kind_names(self) -> tuple[str, ...]:
        return tuple(self.kinds)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Knowledge) and other.fingerprint == self.fingerprint

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def __repr__(self) -> str:
        return f"Knowledge({self.fingerprint[:12]}, {len(self.sources)} files)"


# ------------------------------------------------------------------------------------------ reading


@dataclass
class _Line:
    source: str
    number: int
    data: dict[str, Any]

    def error(self, message: str) -> KnowledgeError:
        return KnowledgeError(f"{self.source}, line {self.number}: {message}")


def _read(path: Path) -> list[_Line]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise KnowledgeError(f"{path}: cannot read patterns file ({error})") from error
    lines: list[_Line] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as error:
            raise KnowledgeError(f"{path}, line {number}: not JSON ({error.msg})") from error
        if not isinstance(data, dict):
            raise KnowledgeError(f"{path}, line {number}: expected a JSON object, got {type(data).__name__}")
        lines.append(_Line(str(path), number, data))
    return lines


def _string(line: _Line, key: str, required: bool = True) -> str | None:
    value = line.data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise line.error(f"{key!r} must be a non-empty string")
    return value


def _check_keys(line: _Line, allowed: frozenset[str], what: str) -> None:
    unknown = set(line.data) - allowed
    if unknown:
        raise line.error(f"unknown key(s) {sorted(unknown)} in a {what} line; allowed: {sorted(allowed)}")


class _Builder:
    """Accumulates lines in order. `open_labels`: the packaged files define lexicons, concepts and kinds;
    extra files may only add to them."""

    def __init__(self) -> None:
        self.lexicons: dict[str, dict[str, list[str]]] = {}
        self.taxonomies: dict[str, dict[str, dict[str, list[str]]]] = {kind: {} for kind in GROUP_KEYS}
        self.groups: dict[str, dict[str, str]] = {kind: {} for kind in GROUP_KEYS}
        self.concepts: dict[str, list[str]] = {}
        self.background: list[str] = []
        self.kinds: dict[str, list[str]] = {}
        self.sources: list[str] = []

    def add(self, lines: Iterable[_Line], open_labels: bool) -> None:
        lines = list(lines)
        # category declarations first, so a category may be declared after its phrases
        for line in lines:
            if "pattern" not in line.data and "group" not in line.data:
                self._category(line)
        for line in lines:
            if "pattern" in line.data:
                self._pattern(line, open_labels)
            elif "group" in line.data:
                self._prototype(line, open_labels)

    def _category(self, line: _Line) -> None:
        kind = line.data.get("kind")
        if kind not in GROUP_KEYS:
            raise line.error("not a pattern ('pattern'), a prototype ('group' and 'text') or a category line "
                             f"('kind': one of {list(GROUP_KEYS)} with 'label' and 'family' or 'sector')")
        key = GROUP_KEYS[kind]
        _check_keys(line, _CATEGORY_KEYS[kind], f"{kind} category")
        label, group = _string(line, "label"), _string(line, key)
        known = self.groups[kind].get(label)
        if known is not None and known != group:
            raise line.error(f"{kind} category {label!r} already has {key} {known!r}; it cannot become {group!r}")
        self.groups[kind][label] = group

    def _pattern(self, line: _Line, open_labels: bool) -> None:
        _check_keys(line, _PATTERN_KEYS, "pattern")
        label, pattern, lang = _string(line, "label"), _string(line, "pattern"), _string(line, "lang")
        if lang not in PATTERN_LANGS:
            raise line.error(f"lang {lang!r} is not one of {list(PATTERN_LANGS)}")
        kind = line.data.get("kind")
        if kind is None:
            if label not in self.lexicons and not open_labels:
                raise line.error(f"unknown lexicon {label!r}; known: {', '.join(self.lexicons)} "
                                 "(a taxonomy phrase needs \"kind\": \"task\" or \"industry\")")
            self.lexicons.setdefault(label, {}).setdefault(lang, []).append(pattern)
            return
        if kind not in GROUP_KEYS:
            raise line.error(f"kind {kind!r} is not one of {list(GROUP_KEYS)} (leave it out for a lexicon)")
        if label not in self.groups[kind]:
            raise line.error(f"unknown {kind} category {label!r}: declare it with "
                             f'{{"kind": "{kind}", "label": "{label}", "{GROUP_KEYS[kind]}": "..."}}')
        self.taxonomies[kind].setdefault(label, {}).setdefault(lang, []).append(pattern)

    def _prototype(self, line: _Line, open_labels: bool) -> None:
        _check_keys(line, _PROTOTYPE_KEYS, "prototype")
        group, text = line.data.get("group"), _string(line, "text")
        if group not in PROTOTYPE_GROUPS:
            raise line.error(f"group {group!r} is not one of {list(PROTOTYPE_GROUPS)}")
        lang = _string(line, "lang", required=False)
        if lang is not None and lang not in PATTERN_LANGS:
            raise line.error(f"lang {lang!r} is not one of {list(PATTERN_LANGS)}")
        if group == "background":
            if "label" in line.data:
                raise line.error("a background request has no label")
            self.background.append(text)
            return
        label = _string(line, "label")
        table = self.concepts if group == "concept" else self.kinds
        if label not in table and not open_labels:
            raise line.error(f"unknown {group} {label!r}: each {group} is a feature column, so a new one needs a "
                             f"code change and a retrain; known: {', '.join(table)}")
        table.setdefault(label, []).append(text)

    def build(self) -> Knowledge:
        for kind in GROUP_KEYS:
            # a declared category without phrases matches nothing but still has its group
            for label in self.groups[kind]:
                self.taxonomies[kind].setdefault(label, {})
        content = {
            "lexicons": self.lexicons,
            "taxonomies": self.taxonomies,
            "task_families": self.groups["task"],
            "industry_sectors": self.groups["industry"],
            "concepts": self.concepts,
            "background": self.background,
            "kinds": self.kinds,
        }
        canonical = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        frozen = _freeze(content)
        return Knowledge(
            lexicons=frozen["lexicons"], taxonomies=frozen["taxonomies"], task_families=frozen["task_families"],
            industry_sectors=frozen["industry_sectors"], concepts=frozen["concepts"], background=frozen["background"],
            kinds=frozen["kinds"], sources=tuple(self.sources),
            fingerprint=hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        )


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(value)
    return value


@lru_cache(maxsize=1)
def _packaged_lines() -> tuple[tuple[str, tuple[_Line, ...]], ...]:
    return tuple((name, tuple(_read(PACKAGED_DIR / name))) for name in PACKAGED_FILES)


def extra_files(patterns_dir: Path) -> list[Path]:
    """The `*.jsonl` files of a deployment's patterns directory, by name."""
    directory = Path(patterns_dir).expanduser()
    if not directory.is_dir():
        raise KnowledgeError(f"patterns directory {directory} does not exist or is not a directory")
    return sorted(p for p in directory.glob("*.jsonl") if p.is_file())


def load_knowledge(patterns_dir: Path | None = None) -> Knowledge:
    """The packaged knowledge plus the `*.jsonl` files of `patterns_dir` (if given), in that order.

    Raises KnowledgeError naming the file and line of anything malformed or unknown.
    """
    if patterns_dir is None:
        return default_knowledge()
    builder = _packaged_builder()
    lines: list[_Line] = []
    for path in extra_files(patterns_dir):
        lines.extend(_read(path))
        builder.sources.append(str(path))
    builder.add(lines, open_labels=False)  # one call: a category may be declared in another file than its phrases
    return builder.build()


def _packaged_builder() -> _Builder:
    builder = _Builder()
    builder.add([line for _, lines in _packaged_lines() for line in lines], open_labels=True)
    builder.sources.extend(f"model/patterns/{name}" for name, _ in _packaged_lines())
    return builder


@lru_cache(maxsize=1)
def default_knowledge() -> Knowledge:
    """The packaged knowledge, loaded once per process."""
    return _packaged_builder().build()

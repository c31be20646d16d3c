"""Russian/English strings (ui/i18n.py): complete, consistent, every flag readable."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from model.types import FLAG_CODES as MODEL_FLAG_CODES
from ui.i18n import (
    DEFAULT_LANG,
    FLAG_CODES,
    FLAG_HINTS,
    FLAG_LABELS,
    GRADE_LABELS,
    LANGS,
    STRINGS,
    flag_label,
    grade_label,
    normalize_lang,
    placeholders,
    t,
)

UI_DIR = Path(__file__).resolve().parents[2] / "ui"


def test_russian_is_default() -> None:
    assert DEFAULT_LANG == "ru" and LANGS == ("ru", "en")


def test_flag_codes_mirror_the_contract() -> None:
    assert FLAG_CODES == MODEL_FLAG_CODES


@pytest.mark.parametrize("table", [STRINGS, FLAG_LABELS, FLAG_HINTS], ids=["strings", "flags", "hints"])
def test_every_entry_has_both_languages(table: dict) -> None:
    for key, entry in table.items():
        assert set(entry) == set(LANGS), key
        assert all(entry[lang].strip() for lang in LANGS), key


def test_placeholders_match_between_languages() -> None:
    for key, entry in STRINGS.items():
        assert placeholders(entry["ru"]) == placeholders(entry["en"]), key


def test_every_flag_has_a_distinct_badge_per_language() -> None:
    assert set(FLAG_LABELS) == set(FLAG_CODES) == set(FLAG_HINTS)
    for lang in LANGS:
        labels = [flag_label(code, lang) for code in FLAG_CODES]
        assert len(set(labels)) == len(labels)
        assert all("_" not in label for label in labels)


def test_russian_strings_are_russian() -> None:
    cyrillic = re.compile("[а-яё]", re.IGNORECASE)
    untranslated = [k for k, e in STRINGS.items() if e["ru"] == e["en"] and re.search("[a-z]{4,}", e["en"], re.I)]
    assert untranslated == ["app_title"]
    assert all(cyrillic.search(FLAG_LABELS[c]["ru"]) for c in FLAG_CODES)


def test_keys_used_in_code_exist() -> None:
    used: set[str] = set()
    for path in UI_DIR.rglob("*.py"):
        used |= set(re.findall(r"""\bt\(\s*f?["']([a-z0-9_]+)["']""", path.read_text(encoding="utf-8")))
    missing = sorted(k for k in used if k not in STRINGS)
    assert not missing, missing
    # err_{status} keys are built dynamically in ui/errors.py
    for status in (401, 403, 404, 409, 413, 415, 429, 503):
        assert f"err_{status}" in STRINGS


def test_translate_formats_and_falls_back() -> None:
    assert t("paste_preview", "en", n=3) == "Replies recognised: 3"
    assert t("paste_preview", "ru", n=3) == "Распознано ответов: 3"
    assert t("no_such_key", "en") == "no_such_key"
    assert t("paste_preview", "de", n=1) == "Распознано ответов: 1"  # unknown language → Russian
    assert t("paste_preview", "en") == "Replies recognised: {n}"  # missing argument never raises


def test_unknown_values_are_safe() -> None:
    assert normalize_lang("en") == "en"
    for junk in (None, "", "fr", ["en"], "<script>"):
        assert normalize_lang(junk) == "ru"
    assert flag_label("brand_new_flag", "en") == "Brand new flag"
    assert grade_label(None) == "?" and grade_label("x") == "?" and grade_label(7) == "?"
    assert grade_label(3, "en") == GRADE_LABELS[3]["en"]


def test_no_unused_strings() -> None:
    source = "".join(p.read_text(encoding="utf-8") for p in UI_DIR.rglob("*.py") if p.name != "i18n.py")
    unused = [k for k in STRINGS if not k.startswith("err_") and f'"{k}"' not in source and f"'{k}'" not in source]
    assert not unused, unused

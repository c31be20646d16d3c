"""model.knowledge: the packaged phrase patterns, a deployment's extra files, errors, fingerprint, refusals."""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from types import SimpleNamespace

import pytest

from model.artifact import CARD_FILE, ArtifactError, ModelCard, load_model
from model.features import CONCEPTS, KINDS, Featurizer
from model.knowledge import PACKAGED_FILES, KnowledgeError, default_knowledge, load_knowledge
from model.screener import Screener
from model.text import TextProcessor


def write(directory: Path, name: str, rows: list[dict | str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows),
                    encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------ packaged


def test_packaged_knowledge_is_read_from_the_package_data() -> None:
    k = default_knowledge()
    assert k is load_knowledge(None) and k is default_knowledge()
    assert k.sources == tuple(f"model/patterns/{name}" for name in PACKAGED_FILES)
    assert set(k.lexicons) == {"greetings", "lead_begging", "decline", "closed_ack", "generic_pitch", "see_site",
                               "attachment_pointer", "case_markers"}
    assert k.lexicons["greetings"]["ru"][0] == "здравствуйте"
    assert set(k.taxonomies) == {"task", "industry"}
    assert set(k.task_families) == set(k.taxonomies["task"]) and set(k.industry_sectors) == set(k.taxonomies["industry"])
    # order is the files' order: feature columns and the kind distribution depend on it
    assert k.concept_names == CONCEPTS == ("begging", "pitch", "decline", "closed_ack", "see_site", "pointer", "case")
    assert k.kind_names == KINDS == ("it", "marketing", "business_services", "goods_and_facilities")
    assert len(k.background) >= 30
    assert len(k.fingerprint) == 64 and int(k.fingerprint, 16) >= 0
    with pytest.raises(TypeError):
        k.lexicons["greetings"]["ru"] = ()  # read-only


def test_an_empty_patterns_directory_changes_nothing(tmp_path: Path) -> None:
    tmp_path.mkdir(exist_ok=True)
    k = load_knowledge(tmp_path)
    assert k == default_knowledge() and k.fingerprint == default_knowledge().fingerprint


# --------------------------------------------------------------------------------------------- extras


def test_extra_files_add_phrases_that_then_match(tmp_path: Path) -> None:
    write(tmp_path, "ours.jsonl", [
        {"label": "lead_begging", "lang": "en", "pattern": "hand over the client"},
        {"label": "lead_begging", "lang": "ru", "pattern": "передайте заказчика"},
        {"label": "drone_survey", "kind": "task", "lang": "en", "pattern": "aerial survey"},
        {"label": "mobile_app", "kind": "task", "lang": "en", "pattern": "courier handset software"},
        {"group": "concept", "label": "begging", "lang": "en", "text": "Hand the client over to us"},
        {"group": "background", "text": "Need a case: a drone survey platform for a mining company"},
    ])
    write(tmp_path, "categories.jsonl", [{"kind": "task", "label": "drone_survey", "family": "software"}])
    write(tmp_path, "notes.txt", ["not a patterns file"])
    k = load_knowledge(tmp_path)
    base = default_knowledge()
    assert k.sources[-2:] == (str(tmp_path / "categories.jsonl"), str(tmp_path / "ours.jsonl"))
    assert k.lexicons["lead_begging"]["en"][-1] == "hand over the client"
    assert k.lexicons["lead_begging"]["en"][:-1] == base.lexicons["lead_begging"]["en"]
    assert k.task_families["drone_survey"] == "software"
    assert k.concepts["begging"][-1] == "Hand the client over to us" and k.concept_names == base.concept_names
    assert len(k.background) == len(base.background) + 1

    plain, extended = TextProcessor(), TextProcessor(k)
    text = "Please hand over the client, we did an aerial survey app."
    assert "hand over the client" not in [s.text for s in plain.phrase_spans(plain.analyze(text), "lead_begging")]
    analysis = extended.analyze(text)
    assert "hand over the client" in [s.text for s in extended.phrase_spans(analysis, "lead_begging")]
    assert "drone_survey" in extended.categories(analysis, "task")
    assert "drone_survey" not in plain.categories(plain.analyze(text), "task")
    # Russian by lemma: "передай" matches "передайте"
    russian = extended.analyze("Коллеги, передай заказчика нам")
    assert [s.text for s in extended.phrase_spans(russian, "lead_begging")] == ["передай заказчика"]
    assert "mobile_app" in extended.categories(extended.analyze("They sell courier handset software"), "task")


def test_a_featurizer_takes_its_text_processors_knowledge_and_refuses_a_mismatch(tmp_path: Path) -> None:
    write(tmp_path, "x.jsonl", [{"label": "decline", "lang": "en", "pattern": "no can do"}])
    k = load_knowledge(tmp_path)
    stub = SimpleNamespace(encode=lambda texts: None, model_id="stub")
    assert Featurizer(stub, TextProcessor(k)).knowledge == k
    assert Featurizer(stub, knowledge=k).text.knowledge == k
    assert Featurizer(stub).patterns_fingerprint == default_knowledge().fingerprint
    with pytest.raises(ValueError, match="other phrase patterns"):
        Featurizer(stub, TextProcessor(), knowledge=k)


@pytest.mark.parametrize("line, message", [
    ('{"label": "lead_begging", "lang": "en", "pattern": "x"', "not JSON"),
    ('["lead_begging", "x"]', "expected a JSON object"),
    ({"label": "begging_harder", "lang": "en", "pattern": "gimme"}, "unknown lexicon 'begging_harder'"),
    ({"label": "drones", "kind": "task", "lang": "en", "pattern": "drone"}, "unknown task category 'drones'"),
    ({"label": "mobile_app", "kind": "service", "lang": "en", "pattern": "app"}, "kind 'service'"),
    ({"label": "decline", "lang": "fr", "pattern": "non merci"}, "lang 'fr'"),
    ({"label": "decline", "lang": "en", "pattern": ""}, "'pattern' must be a non-empty string"),
    ({"label": "decline", "lang": "en", "patern": "no"}, "not a pattern"),
    ({"label": "decline", "lang": "en", "pattern": "no", "id": 3}, "unknown key"),
    ({"group": "concept", "label": "rudeness", "text": "Whatever"}, "unknown concept 'rudeness'"),
    ({"group": "kind", "label": "crypto", "text": "We mine coins"}, "unknown kind 'crypto'"),
    ({"group": "background", "label": "x", "text": "Need a CRM"}, "background request has no label"),
    ({"group": "vibes", "text": "x"}, "group 'vibes'"),
    ({"kind": "task", "label": "mobile_app", "family": "marketing"}, "already has family 'software'"),
    ({"kind": "industry", "label": "space", "family": "science"}, "unknown key"),
])
def test_a_bad_line_names_the_file_and_the_line(tmp_path: Path, line: dict | str, message: str) -> None:
    path = write(tmp_path, "bad.jsonl", [{"label": "decline", "lang": "en", "pattern": "no thanks"}, "", line])
    with pytest.raises(KnowledgeError) as error:
        load_knowledge(tmp_path)
    assert f"{path}, line 3" in str(error.value)
    assert message in str(error.value)


def test_a_missing_patterns_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="does not exist"):
        load_knowledge(tmp_path / "nope")


def test_the_fingerprint_follows_the_content(tmp_path: Path) -> None:
    path = write(tmp_path, "a.jsonl", [{"label": "see_site", "lang": "en", "pattern": "all on the site"}])
    first = load_knowledge(tmp_path)
    assert first.fingerprint != default_knowledge().fingerprint
    path.write_text(path.read_text(encoding="utf-8") + "\n\n", encoding="utf-8")  # blank lines are not content
    assert load_knowledge(tmp_path).fingerprint == first.fingerprint
    write(tmp_path, "b.jsonl", [{"label": "see_site", "lang": "en", "pattern": "see the site"}])
    second = load_knowledge(tmp_path)
    assert second.fingerprint not in (first.fingerprint, default_knowledge().fingerprint)
    assert second != first and len({first, second, default_knowledge()}) == 3


# -------------------------------------------------------------------------------- artifacts refuse others


def card_dir(tmp_path: Path, patterns: str, encoder: str = "enc-1") -> Path:
    directory = tmp_path / "m1"
    directory.mkdir()
    card = ModelCard(version="m1", created_at="2026-01-01T00:00:00+00:00", encoder=encoder, data_fingerprint="f",
                     n_threads=1, n_replies=1, patterns=patterns)
    (directory / CARD_FILE).write_text(json.dumps(asdict(card)), encoding="utf-8")
    return directory


def test_load_model_refuses_other_patterns_and_another_encoder(tmp_path: Path) -> None:
    fingerprint = default_knowledge().fingerprint
    directory = card_dir(tmp_path, fingerprint)
    # the card matches: the checks pass and loading goes on to the (absent) estimators
    with pytest.raises(ArtifactError, match="grade.skops is missing"):
        load_model(directory, patterns=fingerprint, encoder="enc-1")
    with pytest.raises(ArtifactError, match=r"trained on phrase patterns \w{12}, not the loaded patterns") as error:
        load_model(directory, patterns="0" * 64)
    assert "retrain" in str(error.value) and "REPLYSCREEN_PATTERNS_DIR" in str(error.value)
    with pytest.raises(ArtifactError, match="trained with the encoder 'enc-1', not the configured 'enc-2'"):
        load_model(directory, patterns=fingerprint, encoder="enc-2")


def test_a_card_without_a_patterns_fingerprint_is_refused_when_one_is_asked_for(tmp_path: Path) -> None:
    directory = card_dir(tmp_path, "")
    with pytest.raises(ArtifactError, match="did not record"):
        load_model(directory, patterns=default_knowledge().fingerprint)


def test_screener_load_checks_patterns_and_encoder(tmp_path: Path) -> None:
    write(tmp_path / "patterns", "x.jsonl", [{"label": "decline", "lang": "en", "pattern": "no can do"}])
    directory = card_dir(tmp_path, default_knowledge().fingerprint)
    with pytest.raises(ArtifactError, match="not the configured 'other-encoder'"):
        Screener.load(directory, SimpleNamespace(model_id="other-encoder"))
    with pytest.raises(ArtifactError, match="not the loaded patterns"):
        Screener.load(directory, SimpleNamespace(model_id="enc-1"), knowledge=load_knowledge(tmp_path / "patterns"))

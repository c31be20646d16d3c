"""training.sample_files: JSONL attachments → real files that extract back to the same pages."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from model.attachments import extract_pages
from training.sample_files import DEFAULT_SAMPLES, SampleFilesError, main, render_samples, unicode_font_path

PAGES_RU = ["Кейс: WMS для 3PL-оператора.\nСократили время сборки заказа на 27%.", "Сроки: 4 месяца, команда из 6 человек."]
PAGES_EN = ["Case study: booking app for a clinic chain", "Results: 35% fewer no-shows within 3 months", ""]
PAGES_AR = ["نفذنا مشروعا مشابها لشركة لوجستية في دبي", "النتيجة: خفضنا وقت التسليم بنسبة 20%\n• تطبيق iOS و Android"]


def _squash(text: str) -> str:
    """Comparable form of a page: whitespace ignored. Pages with Arabic are compared as the multiset of
    their word characters: PDF readers re-order right-to-left text heuristically and move punctuation
    (and digits next to it) at the edges of Arabic runs, though every word survives."""
    text = "".join(text.split())
    if re.search("[\u0600-\u06ff]", text):
        return "".join(sorted(re.sub(r"[\W_]", "", text)))
    return text


def _expected(pages: list[str], filename: str) -> list[str]:
    """What extraction should give back: DOCX drops trailing empty pages (nothing follows the last break)."""
    want = [_squash(p) for p in pages]
    while filename.endswith(".docx") and want and not want[-1]:
        want.pop()
    return want


def _thread(thread_id: str, replies: list[dict]) -> str:
    return json.dumps({"id": thread_id, "lang": "ru", "request": {"text": "Нужен WMS"}, "replies": replies},
                      ensure_ascii=False)


@pytest.fixture()
def samples(tmp_path: Path) -> Path:
    folder = tmp_path / "samples"
    folder.mkdir()
    lines = [
        _thread("t1", [
            {"id": "t1r1", "text": "см. вложение", "attachments": [
                {"filename": "case_wms.pdf", "pages": PAGES_RU},
                {"filename": "case_wms.pptx", "pages": PAGES_RU},
                {"filename": "not_rendered.key", "pages": ["x"]},
            ]},
            {"id": "t1r2", "text": "без вложений"},
        ]),
        "",
        _thread("t2", [
            {"id": "t2r1", "text": "", "attachments": [
                {"filename": "clinic.docx", "pages": PAGES_EN},
                {"filename": "../../escape.pdf", "pages": PAGES_AR},
            ]},
        ]),
    ]
    (folder / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_font_is_installed() -> None:
    try:
        assert unicode_font_path().is_file()
    except SampleFilesError as exc:  # the Makefile installs fonts-dejavu-core; say so loudly
        pytest.fail(str(exc))


def test_round_trip(samples: Path, tmp_path: Path) -> None:
    out = tmp_path / "files"
    assert main(["--samples", str(samples), "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [entry["path"] for entry in manifest] == [
        "t1r1/case_wms.pdf", "t1r1/case_wms.pptx", "t2r1/clinic.docx", "t2r1/escape.pdf"]
    expected = {"case_wms.pdf": PAGES_RU, "case_wms.pptx": PAGES_RU, "clinic.docx": PAGES_EN,
                "../../escape.pdf": PAGES_AR}
    for entry in manifest:
        data = (out / entry["path"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        pages = expected[entry["filename"]]
        assert entry["pages"] == len(pages)
        extracted = extract_pages(entry["filename"], data)
        assert [_squash(p) for p in extracted] == _expected(pages, entry["filename"]), entry["path"]
    assert not (tmp_path / "escape.pdf").exists()


def test_rerun_is_byte_identical_and_leaves_files_alone(samples: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    render_samples(samples, first)
    mtimes = {p: p.stat().st_mtime_ns for p in first.rglob("*") if p.is_file()}
    render_samples(samples, first)
    render_samples(samples, second)
    for path, mtime in mtimes.items():
        assert path.stat().st_mtime_ns == mtime, path
        assert path.read_bytes() == (second / path.relative_to(first)).read_bytes(), path


def test_bad_line_is_reported_with_its_number(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(_thread("t1", []) + "\n{not json\n", encoding="utf-8")
    assert main(["--samples", str(bad), "--out", str(tmp_path / "out")]) == 1
    assert "bad.jsonl:2" in capsys.readouterr().err
    missing = tmp_path / "pages.jsonl"
    missing.write_text(_thread("t1", [{"id": "r", "attachments": [{"filename": "a.pdf"}]}]) + "\n", encoding="utf-8")
    with pytest.raises(SampleFilesError, match="pages.jsonl:1"):
        render_samples(missing, tmp_path / "out")


@pytest.mark.slow
def test_real_samples_round_trip(tmp_path: Path) -> None:
    """Every attachment of the shipped sample threads renders and extracts back to its pages."""
    if not list(DEFAULT_SAMPLES.glob("*.jsonl")):
        pytest.skip("no data/samples/*.jsonl yet")
    manifest = render_samples(DEFAULT_SAMPLES, tmp_path)
    if not manifest:
        pytest.skip("the samples have no .pdf/.pptx/.docx attachments")
    pages: dict[tuple[str, str], list[str]] = {}
    for path in sorted(DEFAULT_SAMPLES.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                for reply in json.loads(line).get("replies") or []:
                    for att in reply.get("attachments") or []:
                        pages.setdefault((reply["id"], att["filename"]), att["pages"])
    for entry in manifest:
        extracted = extract_pages(entry["filename"], (tmp_path / entry["path"]).read_bytes())
        want = _expected(pages[(entry["reply_id"], entry["filename"])], entry["filename"])
        assert [_squash(p) for p in extracted] == want, entry["path"]


def test_arabic_pdf_keeps_reading_order(tmp_path: Path) -> None:
    """Beyond the multiset check: Arabic lines, bullets and embedded Latin come back in order
    (spaces at a direction change may move)."""
    from training.sample_files import render_pdf

    page = "مرحبا بكم\n• نفذنا مشروعا مشابها لشركة لوجستية\n• تطبيق iOS و Android\nالنتيجة جيدة"
    (extracted,) = extract_pages("ar.pdf", render_pdf([page]))
    assert ["".join(line.split()) for line in extracted.split("\n")] == ["".join(line.split()) for line in page.split("\n")]

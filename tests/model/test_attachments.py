"""model.attachments on real files generated here with fpdf2, python-pptx and python-docx."""
from __future__ import annotations

import io
import time
import zipfile

import pytest

from model.attachments import AttachmentError, AttachmentLimits, extract_pages, is_deck_filename

FONT_PATHS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans.ttf")


def _squash(text: str) -> str:
    return " ".join(text.split())


def make_pdf(pages: list[str], unicode: bool = True) -> bytes:
    from pathlib import Path

    from fpdf import FPDF

    pdf = FPDF()
    if unicode:
        font = next((p for p in FONT_PATHS if Path(p).is_file()), None)
        if font is None:
            pytest.fail("DejaVu Sans is missing: apt-get install -y fonts-dejavu-core")
        pdf.add_font("DejaVu", fname=font)
        pdf.set_font("DejaVu", size=11)
    else:
        pdf.set_font("Helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def make_pptx() -> bytes:
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    s1 = prs.slides.add_slide(prs.slide_layouts[1])  # title and content
    s1.shapes.title.text = "Кейс: WMS для 3PL-оператора"
    s1.placeholders[1].text = "Сократили время сборки на 27%\nЗапуск за 4 месяца"
    s1.notes_slide.notes_text_frame.text = "Заметка докладчика: клиент из Казани"
    s2 = prs.slides.add_slide(prs.slide_layouts[5])  # title only
    s2.shapes.title.text = "Results"
    table = s2.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(6), Inches(1)).table
    for r, row in enumerate([("Metric", "Value"), ("Picking time", "-27%")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    group = s2.shapes.add_group_shape()
    group.shapes.add_textbox(Inches(1), Inches(4), Inches(3), Inches(1)).text_frame.text = "Grouped text box"
    prs.slides.add_slide(prs.slide_layouts[6])  # blank slide: an empty page, still a page
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()


def make_docx(page_breaks: bool = True, paragraphs: list[str] | None = None) -> bytes:
    from docx import Document

    document = Document()
    for text in paragraphs or ["Добрый день! Это кейс логистики.", "Сократили простои на 30%."]:
        document.add_paragraph(text)
    if page_breaks:
        document.add_page_break()
        table = document.add_table(rows=2, cols=2)
        for r, row in enumerate([("Клиент", "Результат"), ("Ритейл", "+12% выручки")]):
            for c, value in enumerate(row):
                table.cell(r, c).text = value
        paragraph = document.add_paragraph("Третья страница")
        paragraph.paragraph_format.page_break_before = True
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------- happy

def test_pdf_pages_in_russian_english_arabic() -> None:
    pages = ["Кейс: CRM для логистики. Сократили расходы на 20%.", "Second page: results and timeline.",
             "نفذنا مشروعا"]
    got = extract_pages("case.pdf", make_pdf(pages))
    assert len(got) == 3
    assert [_squash(p) for p in got[:2]] == pages[:2]
    assert "مشروعا" in got[2] or "اعورشم" in got[2]  # unshaped LTR drawing; reading order is the writer's


def test_pdf_with_blank_page_keeps_page_numbers() -> None:
    got = extract_pages("deck.PDF", make_pdf(["one", "", "three"], unicode=False))
    assert [_squash(p) for p in got] == ["one", "", "three"]


def test_pdf_owner_password_only_is_readable() -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(["open text"], unicode=False))))
    writer.encrypt("", owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    assert [_squash(p) for p in extract_pages("x.pdf", buffer.getvalue())] == ["open text"]


def test_pptx_titles_bodies_tables_groups_notes() -> None:
    got = extract_pages("deck.pptx", make_pptx())
    assert len(got) == 3
    assert got[0].split("\n") == ["Кейс: WMS для 3PL-оператора", "Сократили время сборки на 27%", "Запуск за 4 месяца",
                                  "Заметка докладчика: клиент из Казани"]
    assert got[1].split("\n") == ["Results", "Metric | Value", "Picking time | -27%", "Grouped text box"]
    assert got[2] == ""


def test_docx_explicit_page_breaks_and_tables() -> None:
    got = extract_pages("case.docx", make_docx())
    assert got == ["Добрый день! Это кейс логистики.\nСократили простои на 30%.",
                   "Клиент | Результат\nРитейл | +12% выручки",
                   "Третья страница"]


def test_docx_without_breaks_is_paged_by_words() -> None:
    paragraphs = [" ".join(f"слово{i}_{j}" for j in range(100)) for i in range(12)]  # 1200 words
    got = extract_pages("long.docx", make_docx(page_breaks=False, paragraphs=paragraphs),
                        AttachmentLimits(words_per_page=500))
    assert [len(p.split()) for p in got] == [500, 500, 200]
    assert _squash(" ".join(got)) == _squash(" ".join(paragraphs))


def test_txt_and_md_encodings_and_form_feeds() -> None:
    assert extract_pages("notes.txt", "Привет\r\nмир".encode("utf-8")) == ["Привет\nмир"]
    assert extract_pages("notes.txt", "Кейс логистики".encode("cp1251")) == ["Кейс логистики"]
    assert extract_pages("notes.txt", "\ufeffс BOM".encode("utf-8")) == ["с BOM"]
    assert extract_pages("notes.txt", "utf-16 текст".encode("utf-16")) == ["utf-16 текст"]
    assert extract_pages("README.md", b"# Case\n\nbody\fpage two\f") == ["# Case\n\nbody", "page two"]
    assert extract_pages("words.txt", ("w " * 1100).encode(), AttachmentLimits(words_per_page=500)) == [
        ("w " * 500).strip(), ("w " * 500).strip(), ("w " * 100).strip()]


# -------------------------------------------------------------------------------------------- errors

def _code(filename: str, content: bytes, limits: AttachmentLimits = AttachmentLimits()) -> str:
    with pytest.raises(AttachmentError) as info:
        extract_pages(filename, content, limits)
    error = info.value
    assert isinstance(error, ValueError)
    assert error.filename == filename
    assert filename in error.message and error.message.endswith(".")
    assert error.to_dict() == {"attachment": filename, "code": error.code, "message": error.message}
    return error.code


def test_corrupt_pdf() -> None:
    assert _code("case.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 20) == "corrupt_file"
    assert _code("case.pdf", make_pdf(["text"], unicode=False)[:200]) == "corrupt_file"


def test_password_protected_pdf() -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.encrypt("secret", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    assert _code("locked.pdf", buffer.getvalue()) == "corrupt_file"


def test_truncated_pptx_and_docx() -> None:
    pptx = make_pptx()
    assert _code("deck.pptx", pptx[: len(pptx) // 2]) == "corrupt_file"
    docx = make_docx()
    assert _code("case.docx", docx[: len(docx) - 100]) == "corrupt_file"


@pytest.mark.parametrize(
    "filename, content",
    [
        ("case.pdf", b"PK\x03\x04 not a pdf at all"),
        ("case.pdf", "Просто текст, а не PDF".encode()),
        ("deck.pptx", b"%PDF-1.4\n..."),
        ("deck.pptx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 legacy .ppt renamed"),
        ("notes.txt", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3"),
        ("notes.txt", b"bin\x00\x00\x00ary"),
    ],
)
def test_wrong_magic(filename: str, content: bytes) -> None:
    assert _code(filename, content) == "corrupt_file"


def test_zip_of_the_wrong_office_kind() -> None:
    assert _code("renamed.docx", make_pptx()) == "corrupt_file"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert _code("deck.pptx", buffer.getvalue()) == "corrupt_file"


@pytest.mark.parametrize("filename", ["deck.key", "deck.ppt", "sheet.xlsx", "image.png", "noextension", "a.pdf.exe"])
def test_unsupported_type(filename: str) -> None:
    assert _code(filename, b"whatever") == "unsupported_type"


def test_empty_file() -> None:
    assert _code("case.pdf", b"") == "corrupt_file"


def test_too_large_checked_first() -> None:
    limits = AttachmentLimits(max_bytes=1000)
    assert _code("case.pdf", b"%PDF-" + b"x" * 2000, limits) == "too_large"
    assert _code("deck.key", b"x" * 2000, limits) == "too_large"  # size before type: nothing is read


def test_zip_bomb_is_too_large() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("ppt/presentation.xml", "<p/>")
        archive.writestr("ppt/media/huge.bin", b"\0" * 3_000_000)
    limits = AttachmentLimits(max_bytes=100_000)
    assert len(buffer.getvalue()) < limits.max_bytes
    assert _code("bomb.pptx", buffer.getvalue(), limits) == "too_large"


def test_too_many_pages_small_limits() -> None:
    limits = AttachmentLimits(max_pages=2)
    assert _code("deck.pptx", make_pptx(), limits) == "too_many_pages"
    assert _code("case.docx", make_docx(), limits) == "too_many_pages"
    assert _code("a.txt", b"1\f2\f3", limits) == "too_many_pages"
    assert _code("a.txt", b"w " * 5000, AttachmentLimits(max_pages=2, words_per_page=100)) == "too_many_pages"


def test_300_page_pdf_is_refused_before_extraction(monkeypatch: pytest.MonkeyPatch) -> None:
    from fpdf import FPDF
    from pypdf import PageObject

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for i in range(300):
        pdf.add_page()
        pdf.cell(0, 10, f"Company overview, page {i + 1}")
    content = bytes(pdf.output())

    def boom(*args: object, **kwargs: object) -> str:
        raise AssertionError("page text must not be extracted")

    monkeypatch.setattr(PageObject, "extract_text", boom)
    started = time.perf_counter()
    assert _code("overview.pdf", content) == "too_many_pages"
    assert time.perf_counter() - started < 2.0


def test_library_exceptions_never_escape() -> None:
    """Bytes damaged in the middle (not just cut) still give AttachmentError or pages, nothing else."""
    samples = {"a.pdf": make_pdf(["text one", "text two"], unicode=False), "b.pptx": make_pptx(),
               "c.docx": make_docx()}
    for name, data in samples.items():
        for offset in range(40, len(data), max(len(data) // 12, 1)):
            damaged = data[:offset] + b"\xff\x00garbage\x00" * 4 + data[offset + 40:]
            try:
                pages = extract_pages(name, damaged)
            except AttachmentError as error:
                assert error.code in {"corrupt_file", "too_large"}
            else:
                assert isinstance(pages, list) and all(isinstance(p, str) for p in pages)


def test_error_code_is_validated() -> None:
    with pytest.raises(ValueError):
        AttachmentError("bogus", "x", "y")


# ---------------------------------------------------------------------------------------------- decks

@pytest.mark.parametrize(
    "name, deck",
    [
        ("Company_Deck.PPTX", True), ("case.pdf", True), ("deck.key", True), ("kp.docx", True),
        ("https://studio.ru/files/deck.pdf?dl=1", True), ("https://docs.google.com/presentation/d/1x/edit", True),
        ("notes.txt", False), ("photo.png", False), ("https://studio.ru/cases/pdf-tools", False), ("", False),
        ("README.md", False),
    ],
)
def test_is_deck_filename(name: str, deck: bool) -> None:
    assert is_deck_filename(name) is deck

"""Reply attachments (PDF, PPTX, DOCX, TXT/MD) → text per page or slide, within limits.

Every failure leaves as `AttachmentError` with a stable `code`, so the screener can report a bad file
next to an otherwise normal result and the service can map codes to 413/415/422. Cheap checks run
first (size, extension, magic bytes, page count) so a 300-page PDF is refused without extracting it.
"""
from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Callable
from urllib.parse import urlsplit

ERROR_CODES: tuple[str, ...] = ("unsupported_type", "corrupt_file", "too_large", "too_many_pages")
SUPPORTED_EXTENSIONS: tuple[str, ...] = (".pdf", ".pptx", ".docx", ".txt", ".md")
DECK_EXTENSIONS: frozenset[str] = frozenset(
    {".pdf", ".ppt", ".pptx", ".pps", ".ppsx", ".pot", ".potx", ".key", ".odp",
     ".doc", ".docx", ".odt", ".rtf", ".pages"}
)
# Links that are decks even without a file extension.
_DECK_URL_MARKERS = ("docs.google.com/presentation", "pitch.com/", "slides.com/", "/slides/", "/presentation/")
_UNZIPPED_FACTOR = 20  # an Office file may inflate to 20x max_bytes before we call it a zip bomb


class AttachmentError(ValueError):
    """A file we refuse to read; `code` is one of ERROR_CODES, `message` a sentence for humans."""

    def __init__(self, code: str, filename: str, message: str):
        if code not in ERROR_CODES:
            raise ValueError(f"unknown attachment error code {code!r}")
        super().__init__(message)
        self.code = code
        self.filename = filename
        self.message = message

    def to_dict(self) -> dict[str, str]:
        return {"attachment": self.filename, "code": self.code, "message": self.message}


@dataclass(frozen=True)
class AttachmentLimits:
    max_bytes: int = 10 * 2**20
    max_pages: int = 100
    words_per_page: int = 500  # DOCX/TXT have no fixed pages: this many words make one


def is_deck_filename(name: str) -> bool:
    """True for presentations, PDFs and documents — by file name or by a link to one (deck.pdf?dl=1)."""
    name = (name or "").strip()
    if not name:
        return False
    lowered = name.lower()
    if any(marker in lowered for marker in _DECK_URL_MARKERS):
        return True
    path = urlsplit(lowered).path if "://" in lowered or lowered.startswith("www.") else lowered
    return PurePosixPath(path.rstrip("/")).suffix in DECK_EXTENSIONS


def extract_pages(filename: str, content: bytes, limits: AttachmentLimits = AttachmentLimits()) -> list[str]:
    """Text per page (PDF), slide (PPTX) or ~`words_per_page`-word page (DOCX, TXT, MD)."""
    size = len(content)
    if size > limits.max_bytes:
        raise AttachmentError(
            "too_large", filename,
            f"{filename} is {_megabytes(size)}, larger than the {_megabytes(limits.max_bytes)} limit.",
        )
    ext = PurePosixPath(filename.lower()).suffix
    reader = _READERS.get(ext)
    if reader is None:
        shown = ext or "without an extension"
        raise AttachmentError(
            "unsupported_type", filename,
            f"{filename}: files {shown} are not supported; send PDF, PPTX, DOCX, TXT or MD.",
        )
    if not content:
        raise AttachmentError("corrupt_file", filename, f"{filename} is empty.")
    try:
        pages = reader(filename, content, limits)
    except AttachmentError:
        raise
    except Exception as exc:  # a library choking on a broken file: any exception means "corrupt"
        raise AttachmentError(
            "corrupt_file", filename, f"{filename} could not be read; it may be damaged ({type(exc).__name__})."
        ) from exc
    _check_pages(filename, len(pages), limits)
    return pages


# ------------------------------------------------------------------------------------------- helpers


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.1f} MB"


def _check_pages(filename: str, count: int, limits: AttachmentLimits) -> None:
    if count > limits.max_pages:
        raise AttachmentError(
            "too_many_pages", filename,
            f"{filename} has {count} pages; at most {limits.max_pages} are read. Send the pages that matter.",
        )


def _wrong_format(filename: str, kind: str) -> AttachmentError:
    return AttachmentError("corrupt_file", filename, f"{filename} is not a valid {kind} file.")


def _open_office_zip(filename: str, content: bytes, kind: str, main_part: str,
                     limits: AttachmentLimits) -> None:
    """Magic bytes, the part that makes it PPTX/DOCX, and an inflated-size cap — before the library."""
    if not content.startswith(b"PK\x03\x04"):
        raise _wrong_format(filename, kind)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise AttachmentError("corrupt_file", filename, f"{filename} is damaged or truncated.") from exc
    if main_part not in names:
        raise _wrong_format(filename, kind)
    if inflated > _UNZIPPED_FACTOR * limits.max_bytes:
        raise AttachmentError(
            "too_large", filename, f"{filename} unpacks to {_megabytes(inflated)}, which is too large to read."
        )


def _clean(text: str) -> str:
    """Normalise line ends and drop trailing spaces; keep line structure (it is sentence structure)."""
    lines = (line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(lines).strip("\n")


def _paginate(blocks: list[str], words_per_page: int) -> list[str]:
    """Group consecutive text blocks (paragraphs, lines) into pages of about `words_per_page` words;
    a single block longer than a page is cut between words."""
    pages: list[str] = []
    current: list[str] = []
    count = 0
    for block in blocks:
        words = len(block.split())
        if words > words_per_page:
            if current:
                pages.append("\n".join(current))
                current, count = [], 0
            tokens = block.split()
            pages.extend(" ".join(tokens[i:i + words_per_page]) for i in range(0, len(tokens), words_per_page))
            continue
        if current and count + words > words_per_page:
            pages.append("\n".join(current))
            current, count = [], 0
        current.append(block)
        count += words
    if current:
        pages.append("\n".join(current))
    return [_clean(page) for page in pages if page.strip()]


# ----------------------------------------------------------------------------------------------- PDF


def _read_pdf(filename: str, content: bytes, limits: AttachmentLimits) -> list[str]:
    if b"%PDF-" not in content[:1024]:  # the spec allows junk before the header, within 1 KB
        raise _wrong_format(filename, "PDF")
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # broken-but-readable files log a lot of noise
    reader = PdfReader(io.BytesIO(content), strict=False)
    if reader.is_encrypted:
        try:
            unlocked = reader.decrypt("")  # owner-password-only PDFs open with an empty user password
        except Exception:
            unlocked = 0
        if not unlocked:
            raise AttachmentError("corrupt_file", filename, f"{filename} is password-protected and cannot be read.")
    _check_pages(filename, len(reader.pages), limits)  # from the page tree: no page content parsed yet
    pages: list[str] = []
    for page in reader.pages:
        try:
            pages.append(_clean(page.extract_text() or ""))
        except FileNotDecryptedError as exc:
            raise AttachmentError(
                "corrupt_file", filename, f"{filename} is password-protected and cannot be read."
            ) from exc
    return pages


# ---------------------------------------------------------------------------------------------- PPTX


def _read_pptx(filename: str, content: bytes, limits: AttachmentLimits) -> list[str]:
    _open_office_zip(filename, content, "PowerPoint (PPTX)", "ppt/presentation.xml", limits)
    from pptx import Presentation

    presentation = Presentation(io.BytesIO(content))
    slides = presentation.slides
    _check_pages(filename, len(slides), limits)
    pages: list[str] = []
    for slide in slides:
        parts: list[str] = []
        title = slide.shapes.title
        if title is not None and title.has_text_frame and title.text_frame.text.strip():
            parts.append(title.text_frame.text)
        for shape in slide.shapes:
            if title is not None and shape.shape_id == title.shape_id:
                continue
            parts.extend(_shape_texts(shape))
        if slide.has_notes_slide:
            notes = slide.notes_slide.notes_text_frame
            if notes is not None and notes.text.strip():
                parts.append(notes.text)
        pages.append(_clean("\n".join(p for p in parts if p.strip())))
    return pages


def _shape_texts(shape) -> list[str]:  # type: ignore[no-untyped-def]  (python-pptx shapes are untyped)
    """Text of a shape in reading order: groups recursively, text frames, tables row by row."""
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
        return [text for child in shape.shapes for text in _shape_texts(child)]
    if getattr(shape, "has_table", False) and shape.has_table:
        rows = []
        for row in shape.table.rows:
            cells = [cell.text.strip() for cell in row.cells]
            rows.append(" | ".join(_dedupe_merged(cells)))
        return ["\n".join(r for r in rows if r.strip(" |"))]
    if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
        return [shape.text_frame.text]
    return []


def _dedupe_merged(cells: list[str]) -> list[str]:
    """Merged cells repeat their text in every grid cell; keep it once."""
    out: list[str] = []
    for cell in cells:
        if not out or cell != out[-1]:
            out.append(cell)
    return out


# ---------------------------------------------------------------------------------------------- DOCX

_PAGE_BREAK = "\f"


def _read_docx(filename: str, content: bytes, limits: AttachmentLimits) -> list[str]:
    """Paragraphs and tables in document order. Explicit page breaks (Ctrl+Enter, "page break before")
    split pages when the author used them; otherwise pages are ~`words_per_page` words."""
    _open_office_zip(filename, content, "Word (DOCX)", "word/document.xml", limits)
    from docx import Document
    from docx.table import Table

    document = Document(io.BytesIO(content))
    blocks: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            for row in item.rows:
                cells = _dedupe_merged([cell.text.strip() for cell in row.cells])
                if any(cells):
                    blocks.append(" | ".join(cells))
        else:
            before = _PAGE_BREAK if item.paragraph_format.page_break_before else ""
            blocks.append(before + _paragraph_text(item._p))
    text = "\n".join(blocks)
    if _PAGE_BREAK in text:
        pages = [_clean(page) for page in text.split(_PAGE_BREAK)]
        while pages and not pages[-1]:  # a break at the very end makes no page
            pages.pop()
        while pages and not pages[0]:
            pages.pop(0)
        return pages
    return _paginate(text.split("\n"), limits.words_per_page)


def _paragraph_text(p) -> str:  # type: ignore[no-untyped-def]  (lxml element)
    """Runs' text with tabs, line breaks and page breaks (as form feeds) — python-docx drops page breaks."""
    from docx.oxml.ns import qn

    t, tab, br, cr = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
    out: list[str] = []
    for el in p.iter(t, tab, br, cr):
        if el.tag == t:
            out.append(el.text or "")
        elif el.tag == tab:
            out.append("\t")
        elif el.tag == br and el.get(qn("w:type")) == "page":
            out.append(_PAGE_BREAK)
        else:
            out.append("\n")
    return "".join(out)


# ------------------------------------------------------------------------------------------ TXT / MD


def _decode(content: bytes) -> str:
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if content.startswith(bom):
            return content.decode(codec)
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1251", errors="replace")  # Russian Windows files


def _read_text(filename: str, content: bytes, limits: AttachmentLimits) -> list[str]:
    if content.startswith((b"%PDF-", b"PK\x03\x04")) or (b"\x00" in content[:4096] and not content.startswith(
            (b"\xff\xfe", b"\xfe\xff"))):
        raise _wrong_format(filename, "text")
    text = _decode(content).replace("\r\n", "\n").replace("\r", "\n")
    if "\f" in text:
        pages = [_clean(page) for page in text.split("\f")]
        while pages and not pages[-1]:
            pages.pop()
        return pages
    # Cheap refusal before paginating: the word count already tells the page count.
    estimated = len(text.split()) // max(limits.words_per_page, 1)
    _check_pages(filename, estimated, limits)
    return _paginate(text.split("\n"), limits.words_per_page)


_READERS: dict[str, Callable[[str, bytes, AttachmentLimits], list[str]]] = {
    ".pdf": _read_pdf,
    ".pptx": _read_pptx,
    ".docx": _read_docx,
    ".txt": _read_text,
    ".md": _read_text,
}

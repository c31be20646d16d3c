"""Render the sample threads' attachments (text per page in JSONL) as real PDF/PPTX/DOCX files.

    python -m training.sample_files [--samples data/samples] [--out data/samples/files]

Writes <out>/<reply_id>/<filename> (one page or slide per `pages` entry) and <out>/manifest.json, so the
service, the UI and the tests can exercise real uploads. Output is deterministic — fixed dates and
metadata, normalised zip entries — so a rerun on unchanged samples changes no file.

PDF needs a Unicode TTF covering Cyrillic and Arabic: DejaVu Sans (Debian package fonts-dejavu-core),
or the file given with --font. Arabic is drawn right-to-left but without shaping (fpdf2 needs
uharfbuzz for that): letters look unjoined, and extraction gives back the text modulo whitespace.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SAMPLES = REPO_ROOT / "data" / "samples"
FIXED_DATE = datetime(2026, 1, 1, tzinfo=timezone.utc)
_ZIP_DATE = (2026, 1, 1, 0, 0, 0)
AUTHOR = "ReplyScreen samples"
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/local/share/fonts/DejaVuSans.ttf",
)
_SAFE_NAME = re.compile(r"[^\w.\- ()\[\]]+", re.UNICODE)


class SampleFilesError(RuntimeError):
    """Bad sample data or a missing font; the message says which line or what to install."""


# ------------------------------------------------------------------------------------------ rendering


def unicode_font_path(preferred: Path | None = None) -> Path:
    """A TTF with Cyrillic and Arabic glyphs: the preferred file, DejaVu Sans paths, then fc-match."""
    candidates: list[str | Path] = [preferred] if preferred else []
    candidates += FONT_CANDIDATES
    if shutil.which("fc-match"):
        try:
            found = subprocess.run(["fc-match", "-f", "%{file}", "DejaVu Sans:style=Book"],
                                   capture_output=True, text=True, timeout=10, check=False).stdout.strip()
            if "DejaVuSans" in found:
                candidates.append(found)
        except (OSError, subprocess.SubprocessError):
            pass
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise SampleFilesError(
        "No Unicode font for PDF rendering: install DejaVu Sans (apt-get install -y fonts-dejavu-core) "
        "or pass a .ttf covering Cyrillic and Arabic (--font, or REPLYSCREEN_PDF_FONT for make bench)."
    )


def render_pdf(pages: Sequence[str], font: Path | None = None) -> bytes:
    """One A4 page per entry; the font shrinks until the text fits, so pages never spill over."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_author(AUTHOR)
    pdf.set_creator(AUTHOR)
    pdf.set_auto_page_break(False)
    pdf.add_font("Body", fname=str(font or unicode_font_path()))
    usable = pdf.h - 2 * pdf.t_margin
    for text in pages:
        pdf.add_page()
        for size in (12, 11, 10, 9, 8, 7, 6, 5, 4):
            pdf.set_font("Body", size=size)
            height = size * 0.5
            lines = pdf.multi_cell(w=0, h=height, text=text, dry_run=True, output="LINES", align="L")
            if len(lines) * height <= usable:
                break
        reader_rtl = False  # text direction a PDF reader carries from line to line (see _visual_order)
        for line in lines:  # past the smallest size the text runs off the page, but it is all there
            drawn, reader_rtl = _visual_order(line, reader_rtl)
            pdf.cell(w=0, h=height, text=drawn, align="R" if _RTL_START.match(line) else "L",
                     new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


# Character classes as PDF text extractors (pypdf) see them: strong right-to-left letters, and neutrals
# (spaces, most punctuation, Arabic-Indic digits) that take the direction of the text around them.
_RTL = "\u0590-\u065f\u066e-\u06ef\u06fa-\u08ff\ufb1d-\ufdff\ufe70-\ufeff"
_NEUTRAL = "\x00-\x09\x0b-\x2f\x3a-\x40\u0660-\u066d\u06f0-\u06f9\u2000-\u206f\u20a0-\u21ff"
_RTL_RUN = re.compile(f"[{_RTL}](?:[{_NEUTRAL}]*[{_RTL}])*")
_NEUTRALS = re.compile(f"[{_NEUTRAL}]*")
_ONLY_NEUTRALS = re.compile(f"[{_NEUTRAL}]*\\Z")
_RTL_START = re.compile(f"[{_NEUTRAL}]*[{_RTL}]")


def _visual_order(line: str, reader_rtl: bool) -> tuple[str, bool]:
    """Arabic runs drawn right-to-left, as word processors do (fpdf2 only reorders with uharfbuzz), so
    that PDF readers reverse them back to the logical text.

    Readers carry the direction of the last strong character on to neutral characters, so neutrals next
    to a run entered in right-to-left state ("• " opening a line, ")." closing one) are reversed with it.
    Returns the drawn line and the direction a reader is in after it.
    """
    out: list[str] = []
    pos = 0
    for m in _RTL_RUN.finditer(line):
        lead = line[pos:m.start()]
        if reader_rtl and _ONLY_NEUTRALS.match(lead):
            start = pos
        else:
            out.append(lead)
            reader_rtl = _direction_after(lead, reader_rtl)
            start = m.start()
        end = _NEUTRALS.match(line, m.end()).end() if reader_rtl else m.end()
        out.append(line[start:end][::-1])
        reader_rtl = True
        pos = end
    tail = line[pos:]
    out.append(tail)
    return "".join(out), _direction_after(tail, reader_rtl)


def _direction_after(text: str, rtl: bool) -> bool:
    """Direction after reading `text`: that of its last strong (non-neutral) character."""
    for ch in reversed(text):
        if not _NEUTRALS.fullmatch(ch):
            return bool(_RTL_RUN.fullmatch(ch))
    return rtl


def render_pptx(pages: Sequence[str]) -> bytes:
    """One blank slide per entry with a single text box (PowerPoint shrinks it to fit on open)."""
    from pptx import Presentation
    from pptx.enum.text import MSO_AUTO_SIZE
    from pptx.util import Emu, Pt

    prs = Presentation()
    blank = prs.slide_layouts[6]
    margin = Emu(457200)  # 0.5 inch
    for text in pages:
        slide = prs.slides.add_slide(blank)
        box = slide.shapes.add_textbox(margin, margin, prs.slide_width - 2 * margin,
                                       prs.slide_height - 2 * margin)
        frame = box.text_frame
        frame.word_wrap = True
        frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
        frame.text = text
        size = Pt(20 if len(text) < 400 else 14 if len(text) < 1200 else 10)
        for paragraph in frame.paragraphs:
            paragraph.font.size = size
    _fix_core_properties(prs.core_properties)
    buffer = io.BytesIO()
    prs.save(buffer)
    return normalize_zip(buffer.getvalue())


def render_docx(pages: Sequence[str]) -> bytes:
    """A paragraph per line, a hard page break between entries (what extract_pages splits on)."""
    from docx import Document

    document = Document()
    for index, text in enumerate(pages):
        if index:
            document.add_page_break()
        for line in text.split("\n"):
            document.add_paragraph(line)
    _fix_core_properties(document.core_properties)
    buffer = io.BytesIO()
    document.save(buffer)
    return normalize_zip(buffer.getvalue())


def _fix_core_properties(props: Any) -> None:
    props.author = AUTHOR
    props.last_modified_by = AUTHOR
    props.created = FIXED_DATE.replace(tzinfo=None)
    props.modified = FIXED_DATE.replace(tzinfo=None)
    props.last_printed = FIXED_DATE.replace(tzinfo=None)
    props.revision = 1


def normalize_zip(data: bytes) -> bytes:
    """Same members in the same order, with fixed timestamps and attributes: byte-identical reruns."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


RENDERERS: dict[str, Callable[[Sequence[str]], bytes]] = {
    ".pdf": render_pdf,
    ".pptx": render_pptx,
    ".docx": render_docx,
}


# ------------------------------------------------------------------------------------------- samples


def iter_attachments(samples: Path) -> Iterable[tuple[str, str, str, list[str]]]:
    """(thread_id, reply_id, filename, pages) for every renderable attachment, in file/line order."""
    files = [samples] if samples.is_file() else sorted(samples.glob("*.jsonl"))
    for path in files:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    thread = json.loads(line)
                    for reply in thread.get("replies") or []:
                        for attachment in reply.get("attachments") or []:
                            filename = str(attachment["filename"])
                            if Path(filename.lower()).suffix not in RENDERERS:
                                continue
                            pages = attachment.get("pages")
                            if not isinstance(pages, list) or not all(isinstance(p, str) for p in pages):
                                raise ValueError(f"attachment {filename!r} needs 'pages': a list of strings")
                            yield str(thread.get("id", "")), str(reply["id"]), filename, pages
                except (ValueError, KeyError, TypeError, AttributeError) as exc:
                    raise SampleFilesError(f"{path}:{number}: {exc}") from exc


def _safe(name: str) -> str:
    """A path component that cannot escape the output folder."""
    cleaned = _SAFE_NAME.sub("_", Path(name.replace("\\", "/")).name).strip(" .")
    return cleaned or "_"


def render_samples(samples: Path, out: Path, font: Path | None = None) -> list[dict[str, Any]]:
    """Render every .pdf/.pptx/.docx attachment and write manifest.json; returns the manifest entries.
    Files are rewritten only when their bytes change."""
    manifest: list[dict[str, Any]] = []
    seen: set[str] = set()
    pdf_font: Path | None = font
    for thread_id, reply_id, filename, pages in iter_attachments(samples):
        if not pages:
            print(f"skipping {reply_id}/{filename}: no pages", file=sys.stderr)
            continue
        relative = f"{_safe(reply_id)}/{_safe(filename)}"
        if relative in seen:
            print(f"skipping duplicate {relative}", file=sys.stderr)
            continue
        seen.add(relative)
        suffix = Path(filename.lower()).suffix
        if suffix == ".pdf":
            pdf_font = unicode_font_path(pdf_font)
            data = render_pdf(pages, pdf_font)
        else:
            data = RENDERERS[suffix](pages)
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.is_file() or target.read_bytes() != data:
            target.write_bytes(data)
        manifest.append({
            "thread_id": thread_id,
            "reply_id": reply_id,
            "filename": filename,
            "path": relative,
            "sha256": hashlib.sha256(data).hexdigest(),
            "pages": len(pages),
        })
    manifest.sort(key=lambda entry: entry["path"])
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    manifest_path = out / "manifest.json"
    if not manifest_path.is_file() or manifest_path.read_text(encoding="utf-8") != text:
        manifest_path.write_text(text, encoding="utf-8")
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=Path, default=DEFAULT_SAMPLES, help="JSONL file or folder of *.jsonl")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: <samples>/files)")
    parser.add_argument("--font", type=Path, default=None, help="a .ttf with Cyrillic and Arabic (default: DejaVu Sans)")
    args = parser.parse_args(argv)
    samples: Path = args.samples
    out: Path = args.out or (samples if samples.is_dir() else samples.parent) / "files"
    if not samples.exists():
        print(f"error: {samples} does not exist", file=sys.stderr)
        return 2
    try:
        manifest = render_samples(samples, out, args.font)
    except SampleFilesError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{len(manifest)} files in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

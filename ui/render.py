"""HTML for result cards: score bar, grade, flag badges, highlighted evidence.

Every piece of user or service text goes through `html.escape` before it reaches markup — a
reply is untrusted input pasted from a chat. Highlights are computed on the raw text and the
pieces escaped one by one, so offsets stay right and nothing can inject tags.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any, Iterable

from ui.i18n import FLAG_CODES, flag_hint, flag_label, grade_label, t

__all__ = ["CSS", "Mark", "card_html", "check_html", "evidence_marks", "highlight", "score_bar"]

CSS = """
<style>
.rs-card{border:1px solid #d9dce3;border-radius:10px;padding:14px 16px;margin:0 0 14px 0;background:#fff;
  color:#1f2430;font-size:15px;line-height:1.5}
.rs-card.rs-irrelevant{background:#fafafa;color:#555}
.rs-card.rs-plain{border:none;padding:0;margin:0;background:transparent}
.rs-head{display:flex;align-items:center;gap:10px;flex-wrap:wrap;margin-bottom:6px}
.rs-rank{font-weight:700;font-size:18px;min-width:38px}
.rs-author{font-weight:600}
.rs-time{color:#777;font-size:13px}
.rs-bar{flex:1 1 160px;max-width:260px;height:10px;background:#eceef2;border-radius:5px;overflow:hidden}
.rs-bar>div{height:100%;border-radius:5px}
.rs-score{font-variant-numeric:tabular-nums;font-weight:600;font-size:14px}
.rs-grade{font-size:14px;color:#333}
.rs-pill{display:inline-block;border-radius:999px;padding:1px 10px;font-size:13px;font-weight:600;margin:2px 4px 2px 0}
.rs-rel{background:#e3f5e8;color:#1b6b34}
.rs-nrel{background:#eee;color:#555}
.rs-flag{background:#fde8e6;color:#a12a1f;border:1px solid #f3b9b2}
.rs-ok{background:#e3f5e8;color:#1b6b34}
.rs-flags{margin:6px 0 2px 0}
.rs-flagmsg{margin:2px 0 0 0;padding-left:18px;font-size:14px;color:#5b2621}
.rs-text{white-space:pre-wrap;word-wrap:break-word;margin:8px 0 4px 0;padding:8px 10px;background:#f7f8fa;
  border-radius:6px;max-height:340px;overflow:auto}
.rs-ev{margin:6px 0 0 0;font-size:14px}
.rs-ev-item{margin:4px 0;padding:4px 8px;border-left:3px solid #e0b400;background:#fffbe6;border-radius:3px}
.rs-att{color:#555;font-size:13px;font-weight:600}
.rs-err{color:#8a4b00;font-size:13px}
mark.rs-m-ev{background:#fff0a8;padding:0 1px;border-radius:2px}
mark.rs-m-flag{background:#ffd6d1;padding:0 1px;border-radius:2px;text-decoration:underline wavy #c0392b}
.rs-sugg{margin:4px 0;padding:8px 12px;border-left:4px solid #2f6fdf;background:#eef4ff;border-radius:4px}
</style>
"""


@dataclass(frozen=True)
class Mark:
    """A highlighted span of the raw text; `kind` is 'ev' (match) or 'flag' (flag evidence)."""

    start: int
    end: int
    kind: str
    title: str = ""


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$=])")


_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|www)(?=[:.])|(@)")


def md_escape(text: Any) -> str:
    """Make pasted text literal in widget labels (which Streamlit renders as Markdown).

    Backslash-escapes Markdown syntax and puts an invisible word joiner (U+2060) inside URL and
    e-mail prefixes and after colons: GFM links bare `https://…`, `www.…` and `a@b.c` even when
    escaped, and Streamlit still expands `:icon:` shortcodes — a click on an expander's label
    would then navigate away instead of opening it.
    """
    flat = " ".join(str(text or "").split())
    flat = _AUTOLINK.sub(lambda m: (m.group(1) or m.group(2)) + "\u2060", flat)
    flat = flat.replace(":", ":\u2060")  # breaks :material/…: and :emoji: shortcodes
    return _MD_SPECIAL.sub(r"\\\1", flat)


def find_span(text: str, needle: str, start_hint: int = 0) -> tuple[int, int] | None:
    """Locate `needle` in `text`, exact first, then ignoring whitespace differences and case."""
    needle = (needle or "").strip()
    if not needle or not text:
        return None
    pos = text.find(needle, start_hint)
    if pos < 0:
        pos = text.find(needle)
    if pos >= 0:
        return pos, pos + len(needle)
    words = needle.split()
    if not words or len(needle) > 5000:
        return None
    pattern = r"\s+".join(re.escape(w) for w in words)
    m = re.search(pattern, text, re.IGNORECASE)
    return (m.start(), m.end()) if m else None


def evidence_marks(text: str, result: dict[str, Any], lang: str) -> list[Mark]:
    """Marks for a reply text: flag evidence by offsets (validated), match evidence by search."""
    marks: list[Mark] = []
    for flag in result.get("flags") or []:
        if not isinstance(flag, dict):
            continue
        title = flag_label(str(flag.get("code", "")), lang)
        for ev in flag.get("evidence") or []:
            if not isinstance(ev, dict) or ev.get("attachment"):
                continue
            span = _offset_span(text, ev)
            if span:
                marks.append(Mark(span[0], span[1], "flag", title))
    for ev in result.get("evidence") or []:
        if not isinstance(ev, dict) or ev.get("source", "text") != "text" or ev.get("attachment"):
            continue
        span = _offset_span(text, ev)
        if span:
            marks.append(Mark(span[0], span[1], "ev", _score_title(ev.get("score"))))
    return marks


def _offset_span(text: str, ev: dict[str, Any]) -> tuple[int, int] | None:
    start, end = ev.get("start"), ev.get("end")
    quoted = str(ev.get("text") or "")
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
        if not quoted or text[start:end] == quoted:
            return start, end
    return find_span(text, quoted, start if isinstance(start, int) and start >= 0 else 0)


def _score_title(score: Any) -> str:
    return f"{float(score):.2f}" if isinstance(score, (int, float)) else ""


def highlight(text: str, marks: Iterable[Mark]) -> str:
    """Escaped `text` with <mark> around marked spans; overlaps split, flag beats match."""
    text = text or ""
    valid = [m for m in marks if 0 <= m.start < m.end <= len(text)]
    if not valid:
        return esc(text)
    cuts = sorted({0, len(text), *(m.start for m in valid), *(m.end for m in valid)})
    out: list[str] = []
    for a, b in zip(cuts, cuts[1:]):
        covering = [m for m in valid if m.start <= a and b <= m.end]
        piece = esc(text[a:b])
        if not covering:
            out.append(piece)
            continue
        top = next((m for m in covering if m.kind == "flag"), covering[0])
        titles = sorted({m.title for m in covering if m.title})
        out.append(f'<mark class="rs-m-{top.kind}" title="{esc(", ".join(titles))}">{piece}</mark>')
    return "".join(out)


def score_bar(score: Any) -> str:
    try:
        value = min(1.0, max(0.0, float(score)))
    except (TypeError, ValueError):
        value = 0.0
    color = "#2e9e55" if value >= 0.66 else "#e0a100" if value >= 0.33 else "#d0574b"
    return (
        f'<div class="rs-bar" title="{value:.2f}"><div style="width:{value * 100:.0f}%;background:{color}">'
        f"</div></div><span class=\"rs-score\">{value:.2f}</span>"
    )


def _flag_badges(flags: list[dict[str, Any]], lang: str) -> str:
    if not flags:
        return f'<span class="rs-pill rs-ok" data-testid="rs-noflags">{esc(t("card_no_flags", lang))}</span>'
    badges = "".join(
        f'<span class="rs-pill rs-flag" data-testid="rs-flag" data-flag="{esc(f.get("code"))}" '
        f'title="{esc(flag_hint(str(f.get("code", "")), lang))}">{esc(flag_label(str(f.get("code", "")), lang))}</span>'
        for f in flags
    )
    messages = "".join(
        f"<li><b>{esc(flag_label(str(f.get('code', '')), lang))}:</b> "
        f"{esc(f.get('message') or flag_hint(str(f.get('code', '')), lang))}</li>"
        for f in flags
    )
    return f'{badges}<ul class="rs-flagmsg">{messages}</ul>'


def _attachment_evidence(result: dict[str, Any], lang: str) -> str:
    items: list[str] = []
    seen: set[tuple[Any, Any, str]] = set()
    sources = list(result.get("evidence") or [])
    for flag in result.get("flags") or []:
        if isinstance(flag, dict):
            sources += [dict(ev, _flag=flag.get("code")) for ev in flag.get("evidence") or [] if isinstance(ev, dict)]
    for ev in sources:
        if not isinstance(ev, dict) or not ev.get("attachment"):
            continue
        key = (ev.get("attachment"), ev.get("page"), str(ev.get("text") or "")[:200])
        if key in seen:
            continue
        seen.add(key)
        where = esc(ev.get("attachment"))
        if ev.get("page") is not None:
            where += " · " + esc(t("card_page", lang, page=ev.get("page")))
        kind = "flag" if ev.get("_flag") else "ev"
        label = f" · {esc(flag_label(str(ev['_flag']), lang))}" if ev.get("_flag") else ""
        snippet = _shorten(str(ev.get("text") or ""), 600)
        items.append(
            f'<div class="rs-ev-item" data-testid="rs-att-ev"><span class="rs-att">{where}{label}</span><br>'
            f'<mark class="rs-m-{kind}">{esc(snippet)}</mark></div>'
        )
    for err in result.get("attachment_errors") or []:
        if isinstance(err, dict):
            text = t(
                "card_attachment_error",
                lang,
                name=err.get("attachment") or "?",
                message=err.get("message") or err.get("code") or "",
            )
            items.append(f'<div class="rs-err">{esc(text)}</div>')
    return "".join(items)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _header(result: dict[str, Any], reply: dict[str, Any], lang: str, show_rank: bool) -> str:
    rank = result.get("rank")
    grade = result.get("grade")
    relevant = bool(result.get("relevant"))
    author = reply.get("author") or ""
    sent = str(reply.get("sent_at") or "").replace("T", " ")[:16]
    grade_text = t("card_grade", lang, grade=grade if grade is not None else "?", label=grade_label(grade, lang))
    pill = (
        f'<span class="rs-pill rs-rel">{esc(t("card_relevant", lang))}</span>'
        if relevant
        else f'<span class="rs-pill rs-nrel">{esc(t("card_irrelevant", lang))}</span>'
    )
    return (
        '<div class="rs-head">'
        + (f'<span class="rs-rank">{esc(t("card_rank", lang, rank=rank))}</span>' if show_rank else "")
        + f"{score_bar(result.get('score'))}"
        f'<span class="rs-grade" data-testid="rs-grade">{esc(grade_text)}</span>'
        f"{pill}"
        + (f'<span class="rs-author">{esc(author)}</span>' if author else "")
        + (f'<span class="rs-time">{esc(sent)}</span>' if sent else "")
        + "</div>"
    )


def card_html(
    result: dict[str, Any], reply: dict[str, Any], lang: str, show_rank: bool = True, framed: bool = True
) -> str:
    """One ranked card. `reply` is what was sent (text, author, attachments' names).

    `framed=False` drops the card's own border when a Streamlit container already draws one.
    """
    text = str(reply.get("text") or "")
    marks = evidence_marks(text, result, lang)
    relevant = bool(result.get("relevant"))
    classes = "rs-card" + ("" if relevant else " rs-irrelevant") + ("" if framed else " rs-plain")
    flags = [f for f in result.get("flags") or [] if isinstance(f, dict)]
    body = highlight(text, marks) if text else f"<i>{esc(t('reply_empty_text', lang))}</i>"
    attachments = reply.get("attachments") or []
    names = ", ".join(str(a.get("filename")) for a in attachments if isinstance(a, dict))
    return (
        f'<div class="{classes}" data-testid="rs-card" '
        f'data-rank="{esc(result.get("rank"))}" data-reply-id="{esc(result.get("id"))}" '
        f'data-flags="{esc(" ".join(str(f.get("code")) for f in flags))}">'
        f"{_header(result, reply, lang, show_rank)}"
        f'<div class="rs-flags">{_flag_badges(flags, lang)}</div>'
        f'<div class="rs-text" data-testid="rs-text">{body}</div>'
        + (f'<div class="rs-att">{esc(t("attached_files", lang, files=names))}</div>' if names else "")
        + f'<div class="rs-ev">{_attachment_evidence(result, lang)}</div>'
        "</div>"
    )


def check_html(result: dict[str, Any], draft: dict[str, Any], lang: str) -> str:
    """The self-check result: same card shape without a rank."""
    return card_html(dict(result, id="draft"), draft, lang, show_rank=False)


def suggestions_html(suggestions: list[dict[str, Any]], lang: str) -> str:
    items = "".join(
        f'<div class="rs-sugg" data-testid="rs-suggestion" data-code="{esc(s.get("code"))}">'
        + (f"<b>{esc(flag_label(str(s['code']), lang))}:</b> " if s.get("code") in FLAG_CODES else "")
        + f"{esc(s.get('message') or '')}</div>"
        for s in suggestions
        if isinstance(s, dict)
    )
    return items



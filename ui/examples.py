"""An example of a good reply for the same request shape (a template, clearly not a real case).

Built from the request alone: its language, the requester's name if the request has one, and
the request's own subject line, so a partner sees the shape flags.md rewards — greet, show you
read the request, one matching case with what/for whom/result, an honest short offer.
"""
from __future__ import annotations

import re

_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_LEAD_IN = re.compile(
    r"^\s*(?:коллеги|друзья|всем привет|привет|добрый день|здравствуйте|hi all|hello all|hi everyone|"
    r"hello|hi|colleagues|folks)[\s,!.:—-]*",
    re.IGNORECASE,
)
_LEAD_WORDS = re.compile(
    r"^\s*(?:есть (?:горячий |новый )?(?:лид|запрос)|пришёл запрос|пришел запрос|we have a (?:new )?lead|"
    r"there is a lead|new lead)[\s,!.:—-]*",
    re.IGNORECASE,
)


def detect_language(text: str) -> str:
    """'ru' | 'ar' | 'en' by script — enough to pick a template language."""
    cyr = len(_CYRILLIC.findall(text))
    arab = len(_ARABIC.findall(text))
    latin = len(re.findall(r"[a-z]", text, re.IGNORECASE))
    if arab > max(cyr, latin):
        return "ar"
    return "ru" if cyr >= latin and cyr > 0 else "en"


def request_subject(text: str, limit: int = 110) -> str:
    """The request's first sentence without the 'Colleagues, we have a lead:' lead-in."""
    body = text.strip()
    for _ in range(3):  # "Коллеги, всем привет! Есть лид: …" has several lead-ins in a row
        body = _LEAD_WORDS.sub("", _LEAD_IN.sub("", body))
    first = re.split(r"(?<=[.!?])\s+|\n", body, maxsplit=1)[0] if body else ""
    subject = first.strip(" .!?:;—-")
    if len(subject) > limit:
        subject = subject[:limit].rsplit(" ", 1)[0] + "…"
    return subject


def good_reply_example(request_text: str, author: str | None = None) -> tuple[str, str]:
    """(language, example text). Square brackets mark what the partner must replace."""
    lang = detect_language(request_text)
    subject = request_subject(request_text)
    name = (author or "").strip()
    if lang == "ru":
        greeting = f"{name}, добрый день!" if name else "Добрый день!"
        topic = f" — «{subject}»" if subject else ""
        return lang, (
            f"{greeting} Увидели ваш запрос{topic}.\n\n"
            "У нас есть похожий кейс: [что сделали] для [клиент из той же отрасли] — "
            "[результат в цифрах, например: срок доставки сократился на 30 %], за [срок проекта]. "
            "Подробности — на стр. [N] приложенного кейса.\n\n"
            "Если подходит, готовы созвониться на 15 минут и рассказать детали.\n"
            "[Имя], [компания], [телефон или Telegram]"
        )
    if lang == "ar":
        greeting = f"مرحبا {name}،" if name else "مرحبا،"
        return lang, (
            f"{greeting} اطلعنا على طلبكم.\n\n"
            "لدينا حالة مشابهة: [ماذا نفذنا] لصالح [عميل من نفس المجال] — [النتيجة بالأرقام]، "
            "خلال [مدة المشروع]. التفاصيل في الصفحة [N] من الملف المرفق.\n\n"
            "إذا كان ذلك مناسبًا، يسعدنا ترتيب مكالمة قصيرة لمدة 15 دقيقة.\n"
            "[الاسم]، [الشركة]، [رقم الهاتف]"
        )
    greeting = f"Hi {name}," if name else "Hello,"
    topic = f" — «{subject}»" if subject else ""
    return lang, (
        f"{greeting} we saw your request{topic}.\n\n"
        "We have a close case: [what we built] for [a client in the same industry] — "
        "[the result in numbers, e.g. delivery time down 30%], in [project length]. "
        "Details are on page [N] of the attached case study.\n\n"
        "If it fits, happy to have a 15-minute call to walk you through it.\n"
        "[Name], [company], [phone or Telegram]"
    )

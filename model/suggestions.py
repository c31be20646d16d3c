"""Concrete suggestions for a partner's draft, in the draft's language.

A flag says what is wrong; a suggestion says what to write instead. Low relevance without any
flag still earns advice, because "describe the matching case" is the single most useful edit.
"""
from __future__ import annotations

from model.flags import message_language

SUGGESTIONS: dict[str, dict[str, str]] = {
    "no_greeting": {
        "ru": "Начните с приветствия: «Добрый день, {author}!»",
        "en": "Start with a greeting: “Hi {author},”",
        "ar": "ابدأ بتحية: «مرحباً {author}،»",
    },
    "bare_link": {
        "ru": "Не ограничивайтесь ссылкой: в 2–3 предложениях опишите, что по ней за кейс и чем он похож на запрос.",
        "en": "Don't send just a link: say in 2–3 sentences what case it shows and why it matches the request.",
        "ar": "لا تكتفِ بالرابط: صف في جملتين أو ثلاث الحالة التي يعرضها ولماذا تطابق الطلب.",
    },
    "off_topic": {
        "ru": "Этот кейс не про запрос. Если похожего опыта нет, честно скажите «не наш профиль» — это ценят больше, чем кейс «на всякий случай».",
        "en": "This case isn't about the request. If you have nothing similar, say honestly it's not your area — that is valued more than an unrelated case.",
        "ar": "هذه الحالة لا تتعلق بالطلب. إن لم تكن لديكم خبرة مشابهة فقولوا ذلك بصراحة.",
    },
    "deck_without_context": {
        "ru": "Напишите, что именно в презентации относится к запросу: «кейс для курьерской службы — слайды 4–6».",
        "en": "Say what in the deck matches the request, e.g. “the courier-app case is on slides 4–6”.",
        "ar": "وضّح ما يتعلق بالطلب في العرض، مثلاً: «حالة تطبيق التوصيل في الشرائح 4–6».",
    },
    "lead_begging": {
        "ru": "Вместо просьбы передать лид покажите опыт: один похожий кейс, что сделали и какой результат.",
        "en": "Instead of asking for the lead, show your experience: one similar case, what you built and the result.",
        "ar": "بدلاً من طلب بيانات العميل، اعرض خبرتك: حالة مشابهة وما أنجزتموه والنتيجة.",
    },
    "late_reply": {
        "ru": "Запрос закрыт — скажите, что видите это, и предложите познакомиться на будущее.",
        "en": "The request is closed — say you've seen that and offer to connect for the future.",
        "ar": "الطلب مغلق — أشر إلى ذلك واقترح التعارف للمستقبل.",
    },
    "generic_pitch": {
        "ru": "Уберите общий рассказ о компании и перечень услуг; оставьте один-два кейса, которые похожи на запрос.",
        "en": "Drop the company overview and service list; keep the one or two cases that match the request.",
        "ar": "احذف التعريف العام بالشركة وقائمة الخدمات، واترك حالة أو حالتين تطابقان الطلب.",
    },
    "describe_case": {
        "ru": "Опишите в 2–3 предложениях кейс, который похож на запрос, и результат.",
        "en": "Describe in 2–3 sentences a case similar to the request, and its result.",
        "ar": "صف في جملتين أو ثلاث حالة مشابهة للطلب ونتيجتها.",
    },
    "add_result": {
        "ru": "Добавьте результат в цифрах: сроки, рост метрик, экономию.",
        "en": "Add the result in numbers: timeline, metric growth, savings.",
        "ar": "أضف النتيجة بالأرقام: المدة، نمو المؤشرات، التوفير.",
    },
}

_DEFAULT_AUTHOR = {"ru": "коллеги", "en": "there", "ar": "زملائي"}


def suggestions_for(flags: list[str], grade: int, lang: str, author: str | None,
                    has_result_numbers: bool) -> list[dict]:
    """Ordered as the partner should edit: structure first, substance next, polish last."""
    lang = message_language(lang)
    name = (author or "").strip() or _DEFAULT_AUTHOR[lang]
    codes = [code for code in SUGGESTIONS if code in flags]
    if grade <= 1 and not {"off_topic", "lead_begging", "late_reply"} & set(flags):
        codes.append("describe_case")
    if grade >= 2 and not has_result_numbers:
        codes.append("add_result")
    seen: list[str] = []
    for code in codes:
        if code not in seen:
            seen.append(code)
    return [{"code": code, "message": SUGGESTIONS[code][lang].format(author=name)} for code in seen]

"""Flag messages and evidence: turn decided flag codes into the api.md Flag shape.

Which flags fire is decided by `FlagClassifier`; this module only explains them to people, in the
reply's language (Russian, English or Arabic; English otherwise).
"""
from __future__ import annotations

from model.features import Featurizer, ReplyView
from model.text import Span

MESSAGES: dict[str, dict[str, str]] = {
    "no_greeting": {
        "ru": "В ответе нет приветствия.",
        "en": "The reply has no greeting.",
        "ar": "الرد لا يتضمن أي تحية.",
    },
    "bare_link": {
        "ru": "Ответ состоит из ссылки без описания: не сказано, что по ней и почему это подходит к запросу.",
        "en": "The reply is a bare link: it doesn't say what is behind it or why it matches the request.",
        "ar": "الرد مجرد رابط دون وصف لما يحتويه أو سبب ملاءمته للطلب.",
    },
    "off_topic": {
        "ru": "Предложенные кейсы или услуги не относятся к теме запроса.",
        "en": "The cases or services offered don't match the subject of the request.",
        "ar": "الحالات أو الخدمات المقدمة لا تتعلق بموضوع الطلب.",
    },
    "deck_without_context": {
        "ru": "Приложена презентация или документ без пояснения, что в нём относится к запросу.",
        "en": "A deck or document is attached without saying what in it matches the request.",
        "ar": "تم إرفاق عرض تقديمي أو مستند دون توضيح ما يتعلق بالطلب فيه.",
    },
    "lead_begging": {
        "ru": "Ответ просит передать лид или контакт, не показывая подходящего опыта.",
        "en": "The reply asks for the lead or contact without showing relevant experience.",
        "ar": "الرد يطلب بيانات العميل دون عرض خبرة ذات صلة.",
    },
    "late_reply": {
        "ru": "Запрос уже закрыт, а ответ пришёл позже и никак это не учитывает.",
        "en": "The request was already closed; this reply came later and doesn't acknowledge it.",
        "ar": "تم إغلاق الطلب، وجاء هذا الرد بعد ذلك دون الإشارة إلى الإغلاق.",
    },
    "generic_pitch": {
        "ru": "Ответ рекламирует компанию целиком вместо конкретного кейса под запрос.",
        "en": "The reply pitches the whole company instead of a concrete case matching the request.",
        "ar": "الرد يروّج للشركة بأكملها بدلاً من حالة محددة تطابق الطلب.",
    },
}

_CONCEPT_FOR_FLAG = {"lead_begging": "begging", "generic_pitch": "pitch", "off_topic": "case"}
_LEXICON_FOR_FLAG = {"lead_begging": "lead_begging", "generic_pitch": "generic_pitch"}


def message_language(lang: str) -> str:
    return lang if lang in ("ru", "en", "ar") else "en"


def _span_item(span: Span) -> dict:
    return {"start": span.start, "end": span.end, "text": span.text}


def evidence_for(flag: str, view: ReplyView, featurizer: Featurizer) -> list[dict]:
    """Where in the reply the flag comes from: char offsets, or an attachment page."""
    if flag == "bare_link":
        return [_span_item(u) for u in (view.url_outside_signature or view.analysis.urls)]
    if flag == "deck_without_context":
        if view.pages:
            first = view.pages[0]
            return [{"attachment": first.attachment, "page": first.number, "text": first.text[:200]}]
        return []
    lexicon = _LEXICON_FOR_FLAG.get(flag)
    if lexicon:
        spans = featurizer.text.phrase_spans(view.analysis, lexicon)
        if spans:
            return [_span_item(s) for s in spans[:3]]
    concept = _CONCEPT_FOR_FLAG.get(flag)
    if concept:
        sentence = featurizer.best_concept_sentence(view, concept)
        if sentence is not None:
            return [_span_item(sentence)]
    return []


def build_flags(codes: list[str], view: ReplyView, featurizer: Featurizer, fallback_lang: str = "en") -> list[dict]:
    """Messages in the reply's language; a reply with no words (a bare URL) gets the request's language."""
    lang = message_language(view.analysis.lang if view.analysis.lang in MESSAGES["no_greeting"] else fallback_lang)
    return [{"code": code, "message": MESSAGES[code][lang], "evidence": evidence_for(code, view, featurizer)}
            for code in codes]

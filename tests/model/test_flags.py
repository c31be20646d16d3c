"""Each of the seven flags, a positive and a negative case in each language, through the real engine.

The texts are written for these tests (not taken from data/samples), so they also check that the
trained model generalises beyond its training threads.
"""
from datetime import datetime, timedelta, timezone

import pytest

from model.types import Attachment, Reply, Request

POSTED = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)

REQUESTS = {
    "ru": "Коллеги, добрый день! Есть лид: сеть стоматологических клиник (12 филиалов) хочет чат-бота в Telegram "
          "для записи пациентов к врачам, с интеграцией в их МИС и напоминаниями о визите. Нужны релевантные кейсы.",
    "en": "Hi all, we have a lead: a regional grocery chain wants a WhatsApp ordering bot integrated with their POS "
          "and delivery slots. Looking for partners with a relevant case.",
    "ar": "مرحبا زملائي، لدينا عميل: سلسلة عيادات أسنان تريد بوت واتساب لحجز المواعيد مع التكامل مع نظام إدارة العيادة "
          "وإرسال التذكيرات للمرضى. نبحث عن شركاء لديهم حالات مشابهة.",
}

GOOD = {
    "ru": "Добрый день! Делали ровно такое для сети клиник «Дентал Плюс»: Telegram-бот записи к врачу, "
          "расписание тянем из их МИС в реальном времени, пациент выбирает филиал, врача и слот, за сутки "
          "приходит напоминание с кнопкой подтверждения. Неявки снизились на 28%, администраторы разгрузились "
          "на треть. Запуск занял 2,5 месяца. Готовы показать демо.",
    "en": "Hi Mark! We built almost exactly this for FreshCo, a 40-store grocery chain: a WhatsApp bot where "
          "customers browse the catalogue, build a basket and pick a delivery slot; orders go straight into "
          "their POS and stock is synced every 5 minutes. 18% of orders moved to WhatsApp within 4 months, "
          "average basket up 12%. Happy to walk you through it.",
    "ar": "مرحبا! نفذنا مشروعا مطابقا تقريبا لمجموعة عيادات سمايل: بوت واتساب لحجز المواعيد مرتبط بنظام إدارة "
          "العيادة، يختار المريض الفرع والطبيب والموعد، ويصله تذكير قبل يوم مع زر للتأكيد. انخفض عدد المواعيد "
          "الفائتة بنسبة 30٪ خلال ثلاثة أشهر. يسعدنا عرض نسخة تجريبية.",
}

NO_GREETING = {
    "ru": "Делали бота записи для сети стоматологий: Telegram, интеграция с МИС, напоминания пациентам. "
          "Неявок стало на 25% меньше, запуск за 2 месяца.",
    "en": "We built a WhatsApp ordering bot for a grocery chain: catalogue, basket, delivery slots, POS "
          "integration. 15% of orders now come through it.",
    "ar": "نفذنا بوت واتساب لحجز المواعيد لسلسلة عيادات أسنان مع التكامل مع نظام العيادة والتذكيرات، "
          "وانخفضت المواعيد الفائتة بنسبة 25٪.",
}

BARE_LINK = {
    "ru": "Добрый день! Вот https://botfactory.ru/portfolio",
    "en": "Hi! Everything is on our site: https://chatworks.io/cases",
    "ar": "مرحبا، كل شيء على موقعنا https://botsmena.com/portfolio",
}

OFF_TOPIC = {
    "ru": "Здравствуйте! Мы разработали интернет-магазин мебели на Битрикс с интеграцией 1С и доставкой "
          "по Москве. Конверсия выросла на 20%, средний чек на 15%. Будем рады сотрудничеству!",
    "en": "Hello! We recently delivered a credit-scoring model for a microfinance lender: gradient boosting on "
          "bureau data, Gini 0.62, approval rate up 9% at the same default rate. Happy to share details.",
    "ar": "مرحبا! قمنا بتطوير منصة لإدارة العقارات لشركة تطوير في القاهرة: عرض الوحدات، إدارة العقود، "
          "وتقارير المبيعات. ارتفعت المبيعات بنسبة 15٪.",
}

BEGGING = {
    "ru": "Добрый день! Интересно, готовы взять. Скиньте контакт клиента, дальше сами.",
    "en": "Hi! We're interested, send us the lead and we'll take it from here.",
    "ar": "مرحبا، نحن مهتمون. أرسل لنا بيانات العميل وسنتواصل معه مباشرة.",
}

PITCH = {
    "ru": "Добрый день! Мы — digital-агентство полного цикла: сайты, мобильные приложения, SEO, SMM, дизайн, "
          "внедрение CRM, контекстная реклама. 12 лет на рынке, более 400 проектов, 60 специалистов в штате. "
          "Беремся за задачи любой сложности — обращайтесь!",
    "en": "Hello! We are a full-service digital agency: websites, mobile apps, SEO, social media, branding, CRM "
          "and paid ads. 15 years on the market, 500+ projects, 80 people in-house. We handle projects of any "
          "complexity — let's talk!",
    "ar": "مرحبا! نحن وكالة رقمية متكاملة الخدمات: مواقع، تطبيقات جوال، تحسين محركات البحث، التسويق عبر "
          "وسائل التواصل، التصميم وأنظمة CRM. أكثر من 10 سنوات خبرة و300 مشروع. نحن جاهزون لأي مهمة!",
}

DECK_INTRO_BAD = {"ru": "Добрый день! Направляем презентацию нашей компании.",
                  "en": "Hi, please find our company presentation attached.",
                  "ar": "مرحبا، مرفق العرض التقديمي لشركتنا."}
DECK_INTRO_GOOD = {
    "ru": "Добрый день! Во вложении кейс: бот записи для сети клиник, на стр. 2 — интеграция с МИС и результаты.",
    "en": "Hi! Attached is our WhatsApp grocery ordering case — page 2 covers the POS integration and results.",
    "ar": "مرحبا! في المرفق حالة بوت حجز المواعيد لعيادات، الصفحة الثانية تشرح التكامل مع نظام العيادة والنتائج.",
}
GENERIC_DECK = ["About us: founded in 2010, 300 employees", "Our mission and values", "Our team", "Services: web",
                "Services: mobile", "Services: marketing", "Clients: banks, retail", "Awards 2019-2024",
                "Our offices", "Technology stack", "Process", "Quality", "Partners", "Press", "Contacts",
                "Thank you"]
CASE_DECK = {
    "ru": ["Кейс: бот записи для сети клиник «Дентал Плюс»", "Интеграция с МИС: расписание врачей в реальном "
           "времени, запись и перенос визита, напоминания. Неявки −28%."],
    "en": ["Case: WhatsApp ordering bot for FreshCo grocery chain", "POS integration, delivery slots, stock sync "
           "every 5 minutes. 18% of orders via WhatsApp."],
    "ar": ["حالة: بوت واتساب لحجز المواعيد لعيادات سمايل", "التكامل مع نظام إدارة العيادة والتذكيرات. انخفاض "
           "المواعيد الفائتة 30٪."],
}

CLOSED_ACK = {
    "ru": "Добрый день! Вижу, что запрос уже закрыт, но оставлю кейс на будущее: делали Telegram-бота записи "
          "для сети клиник с интеграцией в МИС, неявки снизились на 28%.",
    "en": "Hi Mark, I see the request is already closed, but sharing for the future: we built a WhatsApp "
          "ordering bot for a grocery chain with POS integration.",
    "ar": "مرحبا، أعلم أن الطلب قد أُغلق، لكن نشارك للمستقبل: نفذنا بوت واتساب لحجز المواعيد لعيادات.",
}

LANGS = ("ru", "en", "ar")


def screen_one(screener, lang, text, attachments=(), closed=False, after_close=False):
    closed_at = POSTED + timedelta(hours=5) if closed else None
    sent_at = POSTED + timedelta(hours=7 if after_close else 1)
    request = Request(text=REQUESTS[lang], author="Mark", posted_at=POSTED, closed_at=closed_at)
    reply = Reply(text=text, id="r1", sent_at=sent_at, attachments=tuple(attachments))
    return screener.screen(request, [reply])[0]


def codes(result):
    return {flag["code"] for flag in result["flags"]}


@pytest.mark.parametrize("lang", LANGS)
def test_good_case_raises_no_flag_and_is_relevant(screener, lang):
    result = screen_one(screener, lang, GOOD[lang])
    assert codes(result) == set()
    assert result["relevant"] and result["grade"] >= 2
    assert result["language"] == lang


@pytest.mark.parametrize("lang", LANGS)
def test_no_greeting(screener, lang):
    result = screen_one(screener, lang, NO_GREETING[lang])
    assert "no_greeting" in codes(result)
    flag = next(f for f in result["flags"] if f["code"] == "no_greeting")
    assert flag["message"]
    assert "no_greeting" not in codes(screen_one(screener, lang, GOOD[lang]))


@pytest.mark.parametrize("lang", LANGS)
def test_bare_link(screener, lang):
    result = screen_one(screener, lang, BARE_LINK[lang])
    assert "bare_link" in codes(result)
    flag = next(f for f in result["flags"] if f["code"] == "bare_link")
    url = flag["evidence"][0]
    assert BARE_LINK[lang][url["start"]:url["end"]] == url["text"] and url["text"].startswith("https://")
    signed = GOOD[lang] + "\n\n—\nИван, Bot Factory\nbotfactory.ru | t.me/ivan_bots"
    assert "bare_link" not in codes(screen_one(screener, lang, signed))


# Arabic was a known miss (xfail) until the eighth session: 27 Arabic training threads and the
# kind-of-business features catch it now (docs/quality.md)
@pytest.mark.parametrize("lang", LANGS)
def test_off_topic(screener, lang):
    result = screen_one(screener, lang, OFF_TOPIC[lang])
    assert "off_topic" in codes(result)
    assert not result["relevant"]
    assert "off_topic" not in codes(screen_one(screener, lang, GOOD[lang]))


@pytest.mark.parametrize("lang", LANGS)
def test_lead_begging(screener, lang):
    assert "lead_begging" in codes(screen_one(screener, lang, BEGGING[lang]))
    assert "lead_begging" not in codes(screen_one(screener, lang, GOOD[lang]))


@pytest.mark.parametrize("lang", LANGS)
def test_generic_pitch(screener, lang):
    assert "generic_pitch" in codes(screen_one(screener, lang, PITCH[lang]))
    assert "generic_pitch" not in codes(screen_one(screener, lang, GOOD[lang]))


@pytest.mark.parametrize("lang", LANGS)
def test_deck_without_context(screener, lang):
    deck = Attachment("company_overview.pdf", pages=tuple(GENERIC_DECK))
    bad = screen_one(screener, lang, DECK_INTRO_BAD[lang], attachments=[deck])
    assert "deck_without_context" in codes(bad)
    evidence = next(f for f in bad["flags"] if f["code"] == "deck_without_context")["evidence"]
    assert evidence[0]["attachment"] == "company_overview.pdf" and evidence[0]["page"] == 1
    case = Attachment("case.pdf", pages=tuple(CASE_DECK[lang]))
    good = screen_one(screener, lang, DECK_INTRO_GOOD[lang], attachments=[case])
    assert "deck_without_context" not in codes(good)
    assert good["relevant"]
    assert any(e["source"] == "attachment" and e["attachment"] == "case.pdf" for e in good["evidence"])


@pytest.mark.parametrize("lang", LANGS)
def test_late_reply(screener, lang):
    late = screen_one(screener, lang, GOOD[lang], closed=True, after_close=True)
    assert "late_reply" in codes(late)
    acknowledged = screen_one(screener, lang, CLOSED_ACK[lang], closed=True, after_close=True)
    assert "late_reply" not in codes(acknowledged)
    before_close = screen_one(screener, lang, GOOD[lang], closed=True, after_close=False)
    assert "late_reply" not in codes(before_close)


@pytest.mark.parametrize("lang", LANGS)
def test_messages_are_in_the_reply_language(screener, lang):
    result = screen_one(screener, lang, BEGGING[lang].replace("Добрый день! ", "").replace("Hi! ", "")
                        .replace("مرحبا، ", ""))
    messages = " ".join(f["message"] for f in result["flags"])
    script = {"ru": "а-яё", "en": "a-z", "ar": "\u0600-\u06ff"}[lang]
    import re

    assert re.search(f"[{script}]", messages.lower())

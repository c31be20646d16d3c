"""The lead request and the ten replies the live UI tests paste (Russian, as requesters would).

Index → what the reply is, so tests can assert on ranks and flags by the reply id the UI
assigns (r1…r10 in paste order).
"""
from __future__ import annotations

REQUEST = (
    "Коллеги, есть лид: ищем подрядчика с опытом разработки мобильного приложения для курьерской службы "
    "доставки (iOS и Android, трекинг курьеров, маршруты). Нужен релевантный кейс."
)

REPLIES: list[str] = [
    # r1 — bare link, no greeting
    "https://studio-alpha.ru/portfolio",
    # r2 — greeting-less "give me the lead"
    "дайте лид, обсудим",
    # r3 — off-topic: websites and SEO for dental clinics
    "Добрый день! Мы делаем сайты для стоматологий и SEO-продвижение клиник, у нас 40 кейсов по медицине. "
    "Будем рады сотрудничеству!",
    # r4 — the good matching case (with a signature link, which is not a bare link)
    "Елена, добрый день! Мы делали мобильное приложение для курьерской службы «Быстрее»: приложение курьера "
    "на iOS и Android, трекинг в реальном времени, оптимизация маршрутов и оплата на месте. За полгода время "
    "доставки сократилось на 18 %, курьеры успевают на 25 % больше заказов. Готовы показать кейс на созвоне.\n"
    "—\nИван, ООО Альфа, alfa.ru",
    # r5 — same domain, another task
    "Здравствуйте! Делали BI-дашборды для логистической компании: аналитика по складам и срокам доставки.",
    # r6 — generic pitch
    "Добрый день! Мы делаем всё: сайты, мобильные приложения, SEO, дизайн, маркетинг и CRM. Обращайтесь!",
    # r7 — same technology, another domain
    "Добрый день! Сделали мобильное приложение на Flutter для банка: переводы, вклады, чат с поддержкой.",
    # r8 — honest decline
    "Добрый день! Это не наш профиль, мы занимаемся только веб-сайтами. Удачи с проектом!",
    # r9 — lead begging with a greeting
    "Здравствуйте! Интересно, пришлите ТЗ и контакт клиента, оценим.",
    # r10 — weakly related
    "Привет! У нас есть опыт в e-commerce, делали интернет-магазин с доставкой по городу.",
]

GOOD = "r4"
BARE_LINK = "r1"
BEGGING = "r2"
OFF_TOPIC = "r3"


def pasted() -> str:
    """All replies as one paste, separated the way the paste box documents ("---" lines)."""
    return "\n---\n".join(REPLIES)


DRAFT_BAD = "дайте контакт клиента, обсудим"
DRAFT_GOOD = (
    "Елена, добрый день! Мы делали мобильное приложение для курьерской службы «Быстрее»: приложение курьера "
    "на iOS и Android, трекинг и маршруты. Время доставки сократилось на 18 %. Готовы показать кейс."
)

"""Concept prototypes: short paraphrases whose embeddings stand for a failure pattern.

Lexicons catch the usual wording; prototypes catch paraphrases in any of the encoder's languages.
The similarity of a reply's sentences to each concept is a feature for the learned heads — the
decision itself is learned from labeled data, these texts only name the concepts.
"""
from __future__ import annotations

PROTOTYPES: dict[str, tuple[str, ...]] = {
    "begging": (
        "Дайте нам этот лид, мы возьмём клиента в работу",
        "Скиньте контакт клиента, пообщаемся сами",
        "Пришлите ТЗ, посчитаем",
        "Интересно, напишите в личку, обсудим лид",
        "Send us the lead, we will take it from here",
        "Interested, DM me the client's contact",
        "Share the client details and we'll prepare a proposal",
        "أرسل لنا بيانات العميل وسنتواصل معه",
        "مهتمون، أرسل لي التفاصيل على الخاص",
    ),
    "pitch": (
        "Мы делаем всё: сайты, мобильные приложения, SEO, дизайн, маркетинг, CRM",
        "Полный цикл разработки под ключ, более 500 проектов в любых отраслях",
        "Наша компания — лидер рынка, у нас сильная команда и много наград",
        "We are a full-service agency: web, mobile, SEO, branding, marketing, anything you need",
        "Our company has 15 years of experience and 300+ specialists across all industries",
        "نحن وكالة متكاملة الخدمات: مواقع، تطبيقات، تسويق، تصميم",
    ),
    "decline": (
        "Это не наш профиль, мы таким не занимаемся, удачи в поиске",
        "К сожалению, такого опыта у нас нет, не возьмёмся",
        "Not our area of expertise, sorry, good luck with the search",
        "We don't have relevant experience for this one, passing",
        "للأسف هذا ليس من اختصاصنا، بالتوفيق",
    ),
    "closed_ack": (
        "Вижу, что запрос уже закрыт, но хотим познакомиться на будущее",
        "Понимаю, что вы уже выбрали подрядчика, оставлю кейс на будущее",
        "I see the request is already closed, but sharing our case for future reference",
        "I know you've already picked a vendor, just introducing ourselves",
        "أعلم أن الطلب قد أُغلق، لكن نود التعارف للمستقبل",
    ),
    "see_site": (
        "Все наши кейсы на сайте, там всё есть",
        "Посмотрите портфолио по ссылке",
        "Everything is on our website, check out our portfolio",
        "See our portfolio at the link",
        "كل أعمالنا موجودة على موقعنا",
    ),
    "pointer": (
        "Во вложении кейс, на слайде 3 похожий проект",
        "В презентации на странице 2 описан подходящий кейс",
        "See the attached case study, page 3 describes a similar project",
        "The relevant part is on slides 4-6 of the attached deck",
        "في المرفق دراسة حالة مشابهة، الصفحة الثانية",
    ),
    "case": (
        "Мы делали похожий проект для клиента: разработали систему и сократили сроки на 30%",
        "Запустили решение за 4 месяца, результат — рост выручки на 20%",
        "We built a similar solution for a client, launched in 3 months and cut costs by 25%",
        "نفذنا مشروعا مشابها لعميل وحققنا نتائج ملموسة",
    ),
}

CONCEPTS: tuple[str, ...] = tuple(PROTOTYPES)

#: A background of typical lead requests across unrelated domains. A reply that matches *any*
#: request about as well as the actual one is generic; specificity = similarity to the request
#: minus the typical similarity to this background (e5 cosines are compressed, so absolute
#: similarity alone says little).
BACKGROUND_REQUESTS: tuple[str, ...] = (
    "Нужен кейс: мобильное приложение для курьерской службы",
    "Ищем подрядчика: внедрение 1С:ERP на производстве",
    "Нужен интернет-магазин одежды с интеграцией маркетплейсов",
    "Ищем опыт: скоринговая модель для микрофинансовой организации",
    "Нужна медицинская информационная система для частной клиники",
    "Платформа онлайн-обучения для корпоративного университета",
    "Внедрение amoCRM для отдела продаж",
    "Настройка Kubernetes и CI/CD для стартапа",
    "Пентест веб-приложения банка",
    "Чат-бот в Telegram для записи клиентов салона красоты",
    "Дашборды Power BI для сети ресторанов",
    "Мобильная игра: монетизация и live-ops",
    "Контекстная реклама и SEO для мебельного магазина",
    "Сайт для застройщика с каталогом квартир",
    "HR-портал для адаптации новых сотрудников",
    "Система видеоаналитики для складов",
    "Need a case: warehouse management system for a 3PL operator",
    "Looking for a partner to build a neobank onboarding flow with KYC",
    "Shopify store migration for a fashion brand",
    "Predictive maintenance with IoT sensors for a factory",
    "Telemedicine app for a hospital network",
    "LMS for a K-12 tutoring company",
    "HubSpot CRM rollout for a SaaS company",
    "Fraud detection for online payments",
    "Cloud cost optimisation on AWS",
    "SOC 2 compliance and security audit",
    "Paid social campaigns for a cosmetics brand",
    "Hotel booking engine and channel manager",
    "Computer vision for quality control on a production line",
    "Recommendation engine for a streaming service",
    "Legal document automation for a law firm",
    "Fleet tracking and telematics for trucks",
    "تطبيق متجر إلكتروني لعلامة أزياء",
    "نظام إدارة أسطول لشركة نقل",
    "منصة تعليمية لتحفيظ القرآن",
    "بوابة خدمات حكومية إلكترونية",
)


#: What kind of business a text speaks for. A partner chat is mostly IT contractors; a recruiting agency,
#: an equipment dealer or an ad agency answering a software request sells another kind of service even
#: when it names the client's industry (docs/labeling.md: off-topic). The taxonomy names these kinds by
#: phrase; these paraphrases let the encoder recognise the wordings a phrase list misses.
SERVICE_KINDS: dict[str, tuple[str, ...]] = {
    "it": (
        "Мы разрабатываем мобильные приложения, сайты и веб-сервисы",
        "Внедряем CRM, ERP и 1С, делаем интеграции и автоматизацию",
        "Делаем аналитику данных, BI-дашборды и модели машинного обучения",
        "Настраиваем облачную инфраструктуру, DevOps и информационную безопасность",
        "We build mobile apps, web platforms and custom software",
        "We implement CRM and ERP systems, integrations and data platforms",
        "We do machine learning, analytics dashboards, cloud and cybersecurity",
        "نطور تطبيقات الجوال والمواقع والأنظمة البرمجية",
        "ننفذ أنظمة ERP و CRM والتكامل وتحليل البيانات",
    ),
    "marketing": (
        "Мы рекламное агентство: контекстная реклама, SEO, SMM и продвижение бренда",
        "Снимаем видеоролики, делаем дизайн, брендинг и PR-кампании",
        "We are a marketing agency: paid ads, SEO, social media and branding",
        "We produce videos, photo shoots, events and PR campaigns",
        "نحن وكالة تسويق: إعلانات، سوشيال ميديا، تصوير وإنتاج فيديو",
    ),
    "business_services": (
        "Мы кадровое агентство, подбираем персонал и специалистов",
        "Оказываем бухгалтерские, юридические и консалтинговые услуги",
        "Колл-центр на аутсорсе, обучение и тренинги для сотрудников, переводы",
        "We are a recruitment agency placing staff and specialists",
        "We provide accounting, tax, legal and consulting services",
        "Outsourced call centre, staff training and translation services",
        "مكتب توظيف واستقدام عمالة، ومكتب محاسبة واستشارات قانونية",
    ),
    "goods_and_facilities": (
        "Поставляем оборудование, технику и расходные материалы",
        "Оказываем услуги доставки, перевозки грузов, складского хранения",
        "Типография, упаковка, строительство и ремонт, клининг, охрана объектов",
        "Лизинг, страхование и финансирование техники",
        "We supply equipment, machinery and materials",
        "We provide freight, delivery, printing, construction, cleaning and security guards",
        "نورد المعدات والأجهزة، ونقدم خدمات النقل والطباعة والمقاولات والتنظيف والحراسة",
    ),
}
KINDS: tuple[str, ...] = tuple(SERVICE_KINDS)

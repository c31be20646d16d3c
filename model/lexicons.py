"""Phrase lists per language: the lexical signals behind the flags (data only, no logic).

These lists are *features* for a learned model, not the decision itself: recall matters more than
precision here, the model weighs them. `model.text.TextProcessor.phrase_spans` matches them —
Russian by lemma (so "скиньте контакт" also matches "скинь контакты"), English and Arabic by a
normalised lower-case form (Arabic: diacritics/tatweel dropped, alef/yaa/taa-marbuta unified).
Punctuation is a token and is matched literally: list a comma-less variant next to one with commas.

Layout: ``LEXICONS[name][lang] -> tuple of phrases``; ``lang`` is one of 'ru', 'en', 'ar', and greetings
also have 'other': replies come in languages we do not screen ("Bonjour Salma, …" to an Arabic request
from Casablanca), and a greeting in any language is a greeting.
"""
from __future__ import annotations

GREETINGS: dict[str, tuple[str, ...]] = {
    "ru": (
        "здравствуйте", "здравствуй", "здрасте", "здрасьте", "здравия желаю",
        "добрый день", "добрый вечер", "доброе утро", "доброй ночи", "доброго дня", "доброго утра",
        "доброго вечера", "доброго времени суток",
        "привет", "приветик", "приветствую", "приветствуем", "всем привет", "коллеги привет",
        "привет коллеги", "привет всем", "всем здравствуйте", "всем добрый день", "всем доброе утро",
        "салют", "хай", "хеллоу", "хелло", "хэллоу", "мое почтение", "моё почтение",
        "уважаемая", "уважаемый", "уважаемые коллеги", "дорогие коллеги", "доброго здоровья",
    ),
    "en": (
        "hello", "hello all", "hello everyone", "hello team", "hi", "hi all", "hi everyone",
        "hi there", "hi team", "hiya", "hey", "hey all", "hey there", "heya", "howdy",
        "good morning", "good afternoon", "good evening", "good day", "morning all",
        "greetings", "dear all", "dear colleagues", "dear team", "dear partners", "dear sir",
        "dear madam", "dear sir or madam", "to whom it may concern", "hope you are well",
        "hope you're well", "hope this finds you well", "hello again", "hi again",
    ),
    "ar": (
        "مرحبا", "مرحباً", "مرحبا بكم", "مرحبا بالجميع", "السلام عليكم", "السلام عليكم ورحمة الله",
        "السلام عليكم ورحمة الله وبركاته", "سلام عليكم", "وعليكم السلام", "سلام", "أهلا", "أهلاً",
        "أهلا وسهلا", "أهلاً وسهلاً", "أهلا بكم", "اهلا", "هلا", "تحية طيبة", "تحية طيبة وبعد",
        "تحياتي", "تحية", "صباح الخير", "صباح النور", "مساء الخير", "مساء النور", "يسعد صباحك",
        "يسعد مساءك", "عزيزي", "عزيزتي", "الأعزاء", "الزملاء الأعزاء", "حضرة", "السادة",
        "السادة المحترمين", "تحية واحترام", "أسعد الله صباحكم", "أسعد الله مساءكم", "هاي",
        # dialect forms: Levantine, Gulf, Egyptian, Maghrebi
        "أهلين", "اهلين", "هلا والله", "هلا وغلا", "يا هلا", "مرحبتين", "سلامات", "أهلا بيك", "اهلا بيك",
        "أهلا بك", "اهلا بك", "صباح الفل",
    ),
    "other": (
        "bonjour", "bonsoir", "salut", "bonjour à tous", "hallo", "guten tag", "guten morgen", "moin",
        "servus", "grüß gott", "hola", "buenos días", "buenas tardes", "buenas", "ciao", "buongiorno",
        "buonasera", "olá", "bom dia", "boa tarde", "merhaba", "selam", "günaydın", "iyi günler",
        "привіт", "вітаю", "добрий день", "салом", "ассалому алайкум", "сәлеметсіз бе",
        "сәлем", "саламатсызбы", "dzień dobry", "cześć", "dobrý den", "ahoj", "namaste", "namaskar",
        "jambo", "habari", "hoi", "goedemorgen", "goedemiddag", "hej", "god dag",
        # Arabic greetings written in Latin letters (Maghreb, Gulf chats)
        "salam", "salam alaykum", "salam alaikum", "salamu alaikum", "assalamu alaikum", "as-salamu alaykum",
        "marhaba", "ahlan", "ahlan wa sahlan",
    ),
}

LEAD_BEGGING: dict[str, tuple[str, ...]] = {
    "ru": (
        "дайте лид", "отдайте лид", "передайте лид", "передайте нам", "передайте нам лид",
        "скиньте контакт", "скиньте контакты", "скинь контакт", "киньте контакт", "дайте контакт",
        "дайте контакты", "поделитесь контактом", "поделитесь контактами", "дайте связь",
        "свяжите нас", "свяжите с клиентом", "сведите нас", "познакомьте нас", "пришлите тз",
        "скиньте тз", "пришлите детали", "скиньте детали", "пришлите подробности",
        "можно подробнее", "можно подробности", "нужны детали", "готовы взять", "готовы взяться",
        "возьмём", "возьмем", "берём", "берем", "беремся", "берёмся", "интересно", "нам интересно",
        "интересует", "мы в деле", "готовы обсудить", "пишите в лс", "напишите в лс", "в личку",
        "пишите в личку", "стучите в личку", "жду в личке", "кому передать", "давайте созвонимся",
        "оставьте контакт", "дайте телефон", "дайте почту", "как связаться с клиентом",
        "хотим этот проект", "забираем", "отдайте нам", "это к нам",
    ),
    "en": (
        "send us the lead", "send me the lead", "pass us the lead", "pass the lead",
        "give us the lead", "share the lead", "share the contact", "share the contacts",
        "share contact details", "send the contact", "send contact details", "send me the contact",
        "intro us", "introduce us", "connect us", "put us in touch", "please connect", "dm me",
        "dm us", "pm me", "ping me", "message me", "text me", "drop me a line", "send me details",
        "send us details", "send the brief", "send us the brief", "send the specs", "more details please",
        "need more details", "interested", "we are interested", "we're interested", "very interested",
        "we can take it", "we'll take it", "we can do it", "happy to take", "count us in", "we're in",
        "let's talk", "let's connect", "let's have a call", "book a call", "who is the client",
        "what is the budget", "what's the budget", "who should we contact", "forward us",
        "send it our way", "we'd love this project",
    ),
    "ar": (
        "أرسل لنا التفاصيل", "ارسل لنا التفاصيل", "أرسلوا لنا التفاصيل", "أرسل التفاصيل",
        "أرسل لي التفاصيل", "أرسل لنا العميل", "شاركنا التواصل", "شارك معنا التواصل",
        "أرسل لنا رقم العميل", "أرسل رقم العميل", "أعطنا العميل", "أعطونا العميل", "مرر لنا العميل",
        "حولوا لنا العميل", "عرفونا على العميل", "عرفنا على العميل", "وصلنا بالعميل",
        "نحن مهتمون", "مهتمين", "مهتم", "نستطيع تنفيذه", "نقدر ننفذ", "جاهزين", "نحن جاهزون",
        "تواصل معي", "تواصلوا معي", "تواصل معنا", "راسلني", "راسلني خاص", "على الخاص",
        "كلمني خاص", "أرسل لي على الخاص", "ابعث لي", "ابعتلي", "ابعث التفاصيل", "ممكن التفاصيل",
        "نريد التفاصيل", "أرسل كراسة الشروط", "أرسل المتطلبات", "ما هي الميزانية", "كم الميزانية",
        "من هو العميل", "نأخذ المشروع", "نأخذه", "خلونا نتواصل", "لنحدد مكالمة",
    ),
}

DECLINE: dict[str, tuple[str, ...]] = {
    "ru": (
        "не наш профиль", "не наш", "не наша тема", "не наша специализация", "не по нашему профилю",
        "не наш стек", "не возьмёмся", "не возьмемся", "не берёмся", "не беремся", "не возьмём",
        "не возьмем", "не сможем", "не сможем помочь", "не потянем", "не делаем такое",
        "такое не делаем", "мы такое не делаем", "не занимаемся", "этим не занимаемся",
        "не наша компетенция", "нет компетенций", "нет экспертизы", "нет опыта", "опыта нет",
        "к сожалению", "к сожалению нет", "пас", "пасуем", "мимо", "не про нас",
        "это не к нам", "не к нам", "порекомендую", "могу порекомендовать", "рекомендую обратиться",
        "посоветую коллег", "нет свободных ресурсов", "нет ресурса", "сейчас загружены",
        "не готовы", "откажемся", "вынуждены отказаться", "не подходит",
    ),
    "en": (
        "not our area", "not our profile", "not our thing", "not our expertise", "not our field",
        "not our stack", "not our specialty", "not our speciality", "outside our expertise",
        "outside our scope", "out of scope for us", "we don't do", "we do not do", "we don't work",
        "we can't take", "we cannot take", "we can't help", "we cannot help", "we'll pass",
        "we will pass", "pass on this", "not a fit", "not a good fit", "not the right fit",
        "no experience", "no relevant experience", "we lack experience", "unfortunately", "unfortunately not",
        "unfortunately we", "have to decline", "must decline", "we decline", "not for us",
        "we'd recommend", "can recommend", "i can refer", "happy to refer", "no capacity",
        "fully booked", "not available",
    ),
    "ar": (
        "ليس من اختصاصنا", "ليس اختصاصنا", "خارج اختصاصنا", "ليس مجالنا", "ليس من مجالنا",
        "خارج نطاق عملنا", "خارج نطاقنا", "لا نعمل في", "لا نعمل على", "لا نقدم", "لا نستطيع",
        "لا يمكننا", "لن نتمكن", "نعتذر", "نعتذر عن", "للأسف لا", "للاسف لا", "للأسف", "ليس لدينا خبرة",
        "لا نملك خبرة", "ليست لدينا خبرة", "لا يناسبنا", "غير مناسب لنا", "نعتذر عن المشاركة",
        "سنمرر", "أنصح بالتواصل", "أنصحكم", "يمكنني ترشيح", "نرشح", "لا توجد لدينا موارد",
        "مشغولون حاليا", "لسنا الأنسب",
    ),
}

CLOSED_ACK: dict[str, tuple[str, ...]] = {
    "ru": (
        "запрос закрыт", "запрос уже закрыт", "видим что запрос закрыт", "вижу что запрос закрыт",
        "знаю что запрос закрыт", "понимаю что запрос закрыт", "хоть запрос и закрыт",
        "хотя запрос закрыт", "пусть запрос и закрыт", "несмотря на то что запрос закрыт",
        "лид закрыт", "лид уже закрыт", "задача закрыта", "тема закрыта", "уже закрыли",
        "вы уже закрыли", "вы уже выбрали", "знаю что вы уже выбрали", "вижу что вы уже выбрали",
        "уже выбрали подрядчика", "уже выбрали исполнителя", "подрядчик уже выбран",
        "исполнитель уже выбран", "уже нашли", "вы уже нашли", "уже определились", "вы уже определились",
        "на будущее", "на всякий случай на будущее", "если вдруг не сложится", "если что-то не сложится",
        "если не сложится", "если передумаете", "для знакомства", "хотим познакомиться",
        "просто познакомиться", "запоздалый ответ", "простите за поздний ответ",
        "извините за поздний ответ", "с опозданием", "поздно увидели", "поздно заметили",
        "опоздали", "мы опоздали", "вне конкурса",
    ),
    "en": (
        "i see it's closed", "i see it is closed", "i see the request is closed",
        "i know it's closed", "i know the request is closed", "request is closed",
        "request has been closed", "the request is already closed", "though the request is closed",
        "although the request is closed", "even though it's closed", "even though it is closed",
        "i know you've already chosen", "i know you have already chosen", "you've already chosen",
        "you have already chosen", "you've already picked", "already found a vendor",
        "already found a partner", "already selected a vendor", "already made a decision",
        "already closed", "lead is closed", "for future reference", "for the future",
        "in case it falls through", "if it doesn't work out", "if things change", "just to introduce",
        "just to get acquainted", "sorry for the late reply", "sorry for the delay", "late to the party",
        "a bit late", "i'm late", "we are late", "missed the deadline", "for next time",
    ),
    "ar": (
        "الطلب مغلق", "الطلب تم إغلاقه", "تم إغلاق الطلب", "أعلم أن الطلب مغلق", "نعلم أن الطلب مغلق",
        "رغم أن الطلب مغلق", "مع أن الطلب مغلق", "بالرغم من إغلاق الطلب", "أغلقتم الطلب",
        "تم اختيار", "اخترتم بالفعل", "أعلم أنكم اخترتم", "نعلم أنكم اخترتم", "وجدتم مزودا",
        "للمستقبل", "في المستقبل", "للتعارف", "للتعرف", "نود التعرف", "في حال لم ينجح",
        "إذا تغيرت الأمور", "نعتذر عن التأخير", "آسف على التأخير", "عذرا على التأخر",
        "متأخرين", "رد متأخر",
    ),
}

GENERIC_PITCH: dict[str, tuple[str, ...]] = {
    "ru": (
        "мы делаем всё", "делаем всё", "делаем все", "мы делаем все", "делаем любые",
        "любой сложности", "задачи любой сложности", "проекты любой сложности", "полный цикл",
        "полного цикла", "под ключ", "full-cycle", "фулл-стек агентство", "сайты, приложения, SEO",
        "сайты приложения seo", "сайты и приложения", "разработка сайтов", "разработка приложений",
        "мобильные приложения", "веб-разработка", "seo", "smm", "контекстная реклама", "таргет",
        "дизайн", "брендинг", "маркетинг", "digital-агентство", "диджитал агентство", "агентство полного цикла",
        "широкий спектр услуг", "весь спектр услуг", "комплексные решения", "комплексный подход",
        "более 10 лет на рынке", "лет на рынке", "более 100 проектов", "сотни проектов",
        "сотни довольных клиентов", "команда профессионалов", "опытная команда", "наши услуги",
        "наши направления", "наше портфолио", "все наши кейсы", "мы умеем всё", "умеем всё",
        "любые задачи", "все виды", "от идеи до запуска", "от идеи до релиза", "лучшие цены",
        "индивидуальный подход",
    ),
    "en": (
        "we do everything", "we do it all", "we can do anything", "full-service", "full service",
        "full-cycle", "full cycle", "end-to-end", "one-stop shop", "one stop shop", "turnkey",
        "web and mobile", "websites, apps, seo", "websites apps seo", "web development",
        "mobile development", "app development", "seo", "smm", "ppc", "digital marketing",
        "branding", "design and development", "a wide range of services", "wide range of services",
        "full range of services", "all kinds of projects", "any complexity", "projects of any complexity",
        "years on the market", "years of experience", "over 100 projects", "hundreds of projects",
        "hundreds of happy clients", "team of professionals", "experienced team", "our services",
        "our portfolio", "all our cases", "from idea to launch", "from concept to launch",
        "best prices", "tailored solutions", "individual approach", "digital agency",
        "award-winning", "industry-leading",
    ),
    "ar": (
        "نقدم جميع الخدمات", "نقوم بكل شيء", "نعمل كل شيء", "جميع الخدمات", "كافة الخدمات",
        "مجموعة واسعة من الخدمات", "باقة متكاملة", "حلول متكاملة", "خدمات متكاملة",
        "دورة كاملة", "تسليم مفتاح", "تصميم مواقع", "تطوير مواقع", "تطبيقات الجوال",
        "تطوير التطبيقات", "تحسين محركات البحث", "التسويق الرقمي", "التسويق الإلكتروني",
        "إدارة حسابات التواصل الاجتماعي", "الهوية البصرية", "تصميم وتطوير", "وكالة رقمية",
        "سنوات من الخبرة", "سنوات خبرة", "أكثر من 100 مشروع", "مئات المشاريع", "فريق محترف",
        "فريق من المحترفين", "خدماتنا", "أعمالنا", "أفضل الأسعار", "أي مشروع", "أي حجم",
        "من الفكرة إلى الإطلاق",
    ),
}

SEE_SITE: dict[str, tuple[str, ...]] = {
    "ru": (
        "см. сайт", "см сайт", "смотрите сайт", "смотрите на сайте", "посмотрите сайт",
        "посмотрите на сайте", "загляните на сайт", "заходите на сайт", "там всё есть",
        "там все есть", "там всё", "всё на сайте", "все на сайте", "всё есть на сайте",
        "все есть на сайте", "подробнее на сайте", "подробности на сайте", "детали на сайте",
        "кейсы на сайте", "портфолио на сайте", "наше портфолио", "наши кейсы тут", "наши кейсы здесь",
        "кейсы по ссылке", "портфолио по ссылке", "всё по ссылке", "все по ссылке", "по ссылке",
        "ссылка на портфолио", "вот наш сайт", "наш сайт", "вот сайт", "сайт в профиле",
        "смотрите портфолио", "посмотрите портфолио", "изучите сайт", "ознакомьтесь с сайтом",
        "ознакомьтесь на сайте", "всё в презентации", "все в презентации", "посмотрите презентацию",
        "в шапке профиля", "в био",
    ),
    "en": (
        "see our site", "see our website", "see website", "see our portfolio", "see portfolio",
        "see our cases", "check our website", "check our site", "check out our website",
        "check out our site", "check our portfolio", "check out our portfolio", "visit our website",
        "visit our site", "have a look at our website", "take a look at our website",
        "take a look at our portfolio", "everything is on our website", "all on our website",
        "all the details on our website", "details on our website", "more on our website",
        "more at", "more info at", "our portfolio", "our website", "portfolio here",
        "cases here", "everything is there", "it's all there", "all there", "link in bio",
        "see link", "see the link", "via the link", "at the link",
    ),
    "ar": (
        "كل شيء على موقعنا", "كل شيء في موقعنا", "كل شيء موجود على موقعنا", "تفضل بزيارة موقعنا",
        "تفضلوا بزيارة موقعنا", "زوروا موقعنا", "زر موقعنا", "قم بزيارة موقعنا", "راجع موقعنا",
        "راجعوا موقعنا", "شاهد موقعنا", "اطلع على موقعنا", "اطلعوا على موقعنا", "على موقعنا",
        "موقعنا الإلكتروني", "معرض أعمالنا", "اطلع على أعمالنا", "أعمالنا على الموقع",
        "التفاصيل على الموقع", "كل التفاصيل في الرابط", "في الرابط", "على الرابط", "الرابط",
        "كل شيء هناك", "تجد كل شيء", "ستجد كل شيء",
    ),
}

ATTACHMENT_POINTER: dict[str, tuple[str, ...]] = {
    "ru": (
        "во вложении", "в вложении", "вложение", "прикладываю", "прикрепляю", "прилагаю",
        "приложил", "приложила", "приложили", "прикрепил", "прикрепила", "прикрепили", "в приложении",
        "в файле", "файл", "в презентации", "презентация", "презентацию", "в презе", "преза",
        "презу", "на слайде", "слайд", "слайды", "на слайдах", "на странице", "страница", "стр",
        "на стр", "в кейсе", "в pdf", "pdf", "пдф", "в пдф", "в документе", "документ",
        "см. вложение", "см вложение", "смотрите вложение", "смотрите файл", "в деке", "дека",
        "отправляю презентацию", "кидаю презентацию", "скидываю", "ниже файл", "выше файл",
    ),
    "en": (
        "see attached", "attached", "please find attached", "find attached", "attaching",
        "i attach", "i've attached", "we've attached", "in the attachment", "attachment",
        "enclosed", "in the deck", "the deck", "deck", "in the presentation", "presentation",
        "in the pdf", "pdf", "in the file", "the file", "in the doc", "in the document",
        "on slide", "slide", "slides", "on page", "page", "pages", "see page", "see slide",
        "case study attached", "one-pager", "one pager", "brochure", "see the attachment",
        "sharing our deck", "our deck",
    ),
    "ar": (
        "في المرفق", "مرفق", "مرفقة", "المرفق", "المرفقات", "تجدون مرفقا", "تجد مرفقا",
        "أرفقت", "أرفقنا", "نرفق", "في الملف", "الملف", "في العرض", "العرض التقديمي",
        "عرض تقديمي", "في العرض التقديمي", "الشريحة", "في الشريحة", "شريحة", "الصفحة",
        "في الصفحة", "صفحة", "ملف pdf", "الملف المرفق", "دراسة الحالة المرفقة", "الكتيب",
        "البروفايل", "ملف الشركة", "بروفايل الشركة",
    ),
}

CASE_MARKERS: dict[str, tuple[str, ...]] = {
    "ru": (
        "делали", "сделали", "разработали", "реализовали", "внедрили", "запустили", "построили",
        "создали", "автоматизировали", "интегрировали", "перевели", "мигрировали", "оптимизировали",
        "сократили", "снизили", "увеличили", "ускорили", "вырос", "выросла", "выросли", "выросло",
        "рост", "результат", "результаты", "в результате", "итог", "итоги", "кейс", "кейсы",
        "проект", "проекты", "для клиента", "для компании", "для сети", "заказчик",
        "конверсия", "конверсию", "выручка", "выручку", "окупаемость", "экономия", "сэкономили",
        "за месяца", "за неделю", "команда из", "процентов", "в разы", "работали с", "сотрудничали", "опыт в",
    ),
    "en": (
        "built", "developed", "delivered", "implemented", "launched", "shipped", "deployed",
        "created", "designed", "automated", "integrated", "migrated", "optimized", "optimised",
        "reduced", "cut", "lowered", "increased", "improved", "grew", "boosted", "sped up",
        "saved", "result", "results", "resulted in", "outcome", "case", "case study", "project",
        "for a client", "for the client", "our client", "conversion",
        "revenue", "roi", "within months", "in weeks", "timeline", "team of", "percent", "times faster",
        "worked with", "partnered with", "experience in", "experience with",
    ),
    "ar": (
        "نفذنا", "قمنا بتنفيذ", "قمنا ب", "طورنا", "قمنا بتطوير", "صممنا", "أنشأنا", "بنينا",
        "أطلقنا", "قمنا بإطلاق", "أتممنا", "أنجزنا", "سلمنا", "دمجنا", "أتمتنا", "حسّنا",
        "خفضنا", "قللنا", "زدنا", "رفعنا", "وفرنا", "النتيجة", "النتائج", "نتيجة", "أدى إلى",
        "دراسة حالة", "مشروع", "مشروعا", "مشاريع", "لعميل", "للعميل", "عميلنا",
        "لشركة", "الإيرادات", "المبيعات", "التحويل", "بنسبة", "أشهر", "أسابيع",
        "فريق من", "عملنا مع", "خبرة في", "سبق لنا",
    ),
}

LEXICONS: dict[str, dict[str, tuple[str, ...]]] = {
    "greetings": GREETINGS,
    "lead_begging": LEAD_BEGGING,
    "decline": DECLINE,
    "closed_ack": CLOSED_ACK,
    "generic_pitch": GENERIC_PITCH,
    "see_site": SEE_SITE,
    "attachment_pointer": ATTACHMENT_POINTER,
    "case_markers": CASE_MARKERS,
}
LEXICON_NAMES: tuple[str, ...] = tuple(LEXICONS)

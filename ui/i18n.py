"""Russian and English strings for the UI (Russian is the default).

Kept as plain dicts so tests can check that every key exists in both languages with the same
placeholders, and that every flag code of the contract (flags.md) has a readable badge.
"""
from __future__ import annotations

import string
from typing import Any

LANGS: tuple[str, ...] = ("ru", "en")
DEFAULT_LANG = "ru"
LANG_NAMES = {"ru": "Русский", "en": "English"}

# Mirrors model.types.FLAG_CODES (a test keeps them equal); the UI does not import the engine.
FLAG_CODES: tuple[str, ...] = (
    "no_greeting",
    "bare_link",
    "off_topic",
    "deck_without_context",
    "lead_begging",
    "late_reply",
    "generic_pitch",
)

FLAG_LABELS: dict[str, dict[str, str]] = {
    "no_greeting": {"ru": "Нет приветствия", "en": "No greeting"},
    "bare_link": {"ru": "Только ссылка", "en": "Bare link"},
    "off_topic": {"ru": "Не по теме", "en": "Off-topic"},
    "deck_without_context": {"ru": "Презентация без пояснения", "en": "Deck without context"},
    "lead_begging": {"ru": "Просит лид", "en": "Lead begging"},
    "late_reply": {"ru": "После закрытия", "en": "After closing"},
    "generic_pitch": {"ru": "Общая самопрезентация", "en": "Generic pitch"},
}

FLAG_HINTS: dict[str, dict[str, str]] = {
    "no_greeting": {
        "ru": "В ответе нет ни приветствия, ни обращения.",
        "en": "The reply has no greeting or salutation at all.",
    },
    "bare_link": {
        "ru": "Суть ответа — ссылка без описания, что за ней и почему подходит.",
        "en": "The reply is mostly a link with no description of what is behind it.",
    },
    "off_topic": {
        "ru": "Предложены кейсы или услуги не из той области и не под ту задачу.",
        "en": "Cases or services offered do not match the request's domain or task.",
    },
    "deck_without_context": {
        "ru": "Приложен документ без пояснения, что в нём относится к запросу.",
        "en": "A document is attached with no word on what in it matches the request.",
    },
    "lead_begging": {
        "ru": "Просит отдать лид или контакт, не показав опыта.",
        "en": "Asks for the lead or contact without showing relevant experience.",
    },
    "late_reply": {
        "ru": "Отправлен после закрытия запроса и не признаёт этого.",
        "en": "Sent after the request was closed without acknowledging it.",
    },
    "generic_pitch": {
        "ru": "Рассказ о компании целиком вместо подходящего кейса.",
        "en": "Pitches the whole company instead of a matching case.",
    },
}

GRADE_LABELS: dict[int, dict[str, str]] = {
    3: {"ru": "точное совпадение", "en": "close match"},
    2: {"ru": "релевантный опыт", "en": "relevant experience"},
    1: {"ru": "слабо связан", "en": "weakly related"},
    0: {"ru": "не подходит", "en": "not relevant"},
}

STRINGS: dict[str, dict[str, str]] = {
    # --- shell -------------------------------------------------------------------
    "app_title": {"ru": "ReplyScreen", "en": "ReplyScreen"},
    "app_tagline": {
        "ru": "Отбор ответов партнёров на запросы лидов",
        "en": "Screening partner replies to lead requests",
    },
    "nav_screen": {"ru": "Отбор ответов", "en": "Screen replies"},
    "nav_check": {"ru": "Проверить черновик", "en": "Check my draft"},
    "nav_label": {"ru": "Разметка и обучение", "en": "Label & retrain"},
    "language": {"ru": "Язык интерфейса", "en": "Language"},
    "status_ok": {"ru": "Сервис работает", "en": "Service is up"},
    "status_down": {"ru": "Сервис недоступен", "en": "Service is unavailable"},
    "status_url": {"ru": "Адрес сервиса: {url}", "en": "Service address: {url}"},
    "status_recheck": {"ru": "Проверить снова", "en": "Check again"},
    # --- friendly errors -----------------------------------------------------------
    "err_down": {
        "ru": "Сервис ReplyScreen сейчас недоступен ({url}). Проверьте, что он запущен "
        "(команда «replyscreen serve» или «make run»), и попробуйте ещё раз.",
        "en": "The ReplyScreen service is not reachable ({url}). Make sure it is running "
        "(«replyscreen serve» or «make run») and try again.",
    },
    "err_timeout": {
        "ru": "Сервис не ответил вовремя. Возможно, он перегружен или запрос слишком большой — "
        "попробуйте ещё раз или отправьте меньше ответов за раз.",
        "en": "The service did not answer in time. It may be busy or the request too large — "
        "try again or send fewer replies at once.",
    },
    "err_400": {"ru": "Сервис не принял данные: {detail}", "en": "The service rejected the input: {detail}"},
    "err_401": {
        "ru": "Сервис требует ключ API, а переданный ключ не подошёл. Задайте REPLYSCREEN_API_KEY.",
        "en": "The service needs an API key and the one given was not accepted. Set REPLYSCREEN_API_KEY.",
    },
    "err_403": {
        "ru": "У ключа API нет прав на это действие. Нужен ключ с нужной областью доступа.",
        "en": "The API key is not allowed to do this. A key with the right scope is needed.",
    },
    "err_404": {"ru": "Не найдено: {detail}", "en": "Not found: {detail}"},
    "err_409": {
        "ru": "Конфликт: {detail}. Обновите страницу и попробуйте снова.",
        "en": "Conflict: {detail}. Refresh and try again.",
    },
    "err_413": {
        "ru": "Слишком большой объём: {detail}. Уменьшите текст, число ответов или вложений.",
        "en": "Too large: {detail}. Reduce the text, the number of replies or attachments.",
    },
    "err_415": {
        "ru": "Файл не удалось прочитать: {detail}. Поддерживаются PDF, PPTX, DOCX, TXT и MD.",
        "en": "A file could not be read: {detail}. PDF, PPTX, DOCX, TXT and MD are supported.",
    },
    "err_429": {
        "ru": "Слишком много запросов подряд. Подождите минуту и повторите.",
        "en": "Too many requests in a row. Wait a minute and try again.",
    },
    "err_503": {
        "ru": "Сервис пока не готов отвечать: модель загружается или ещё не обучена. Подождите минуту и "
        "повторите; если не поможет — обучите модель на странице «Разметка и обучение».",
        "en": "The service is not ready yet: the model is loading or has not been trained. Wait a minute "
        "and retry; if that does not help, train a model on the «Label & retrain» page.",
    },
    "err_5xx": {
        "ru": "Сервис столкнулся с внутренней ошибкой. Попробуйте ещё раз чуть позже.",
        "en": "The service hit an internal error. Please try again a bit later.",
    },
    "err_other": {"ru": "Сервис вернул ошибку: {detail}", "en": "The service returned an error: {detail}"},
    "err_unexpected": {
        "ru": "Что-то пошло не так при показе этой страницы. Обновите страницу; если ошибка "
        "повторится, сообщите администратору (подробности записаны в журнал).",
        "en": "Something went wrong while showing this page. Refresh the page; if it happens "
        "again, tell the administrator (details are in the log).",
    },
    "err_field": {"ru": "поле «{field}»", "en": "field «{field}»"},
    # --- shared inputs -------------------------------------------------------------
    "request_label": {"ru": "Запрос (текст лида)", "en": "Request (the lead text)"},
    "request_placeholder": {
        "ru": "Коллеги, есть лид: ищем подрядчика с опытом разработки мобильного приложения "
        "для курьерской службы…",
        "en": "Hi all, we have a lead: looking for a team that built a courier delivery app…",
    },
    "request_closed": {"ru": "Запрос уже закрыт", "en": "The request is closed"},
    "closed_help": {
        "ru": "Ответы, отправленные позже (время берётся из экспорта Telegram или поля ответа), "
        "проверяются на метку «После закрытия».",
        "en": "Replies sent later (time from the Telegram export or the reply's field) are checked "
        "for the «After closing» flag.",
    },
    "closed_at": {"ru": "Дата закрытия", "en": "Closed on"},
    "closed_time": {"ru": "Время закрытия", "en": "Closed at (time)"},
    "requester_name": {"ru": "Имя автора запроса (необязательно)", "en": "Requester's name (optional)"},
    "author_label": {"ru": "Автор", "en": "Author"},
    "sent_at_label": {"ru": "Время отправки (необязательно)", "en": "Sent at (optional)"},
    "bad_time": {
        "ru": "Время не распознано — укажите его как 02.03.2026 10:14 (или оставьте поле пустым).",
        "en": "Time not recognised — enter it as 02.03.2026 10:14 (or leave it empty).",
    },
    "attach_label": {"ru": "Вложения (PDF, PPTX, DOCX)", "en": "Attachments (PDF, PPTX, DOCX)"},
    "attached_files": {"ru": "Прикреплено: {files}", "en": "Attached: {files}"},
    "remove_files": {"ru": "Убрать вложения", "en": "Remove attachments"},
    "file_too_big": {
        "ru": "Файл «{name}» больше {limit} МБ и не будет отправлен.",
        "en": "File «{name}» is larger than {limit} MB and will not be sent.",
    },
    "file_bad_type": {
        "ru": "Файл «{name}» не поддерживается (нужен PDF, PPTX, DOCX, TXT или MD).",
        "en": "File «{name}» is not supported (PDF, PPTX, DOCX, TXT or MD needed).",
    },
    "loading": {"ru": "Обрабатываем…", "en": "Working…"},
    # --- screen page ---------------------------------------------------------------
    "screen_title": {"ru": "Отбор ответов на запрос", "en": "Screen replies to a request"},
    "screen_intro": {
        "ru": "Вставьте запрос и ответы партнёров — получите ранжированный список с оценкой и "
        "метками проблем.",
        "en": "Paste the request and the partners' replies to get a ranked list with scores and "
        "problem flags.",
    },
    "paste_label": {"ru": "Вставьте ответы (сразу несколько)", "en": "Paste replies (several at once)"},
    "paste_help": {
        "ru": "Разделяйте ответы пустой строкой или строкой «---». Экспорт из Telegram "
        "(«Имя, [02.03.2026 10:14]») распознаётся автоматически.",
        "en": "Separate replies with a blank line or a «---» line. Telegram exports "
        "(«Name, [02.03.2026 10:14]») are recognised automatically.",
    },
    "paste_preview": {"ru": "Распознано ответов: {n}", "en": "Replies recognised: {n}"},
    "paste_add": {"ru": "Добавить в список", "en": "Add to the list"},
    "paste_nothing": {"ru": "В поле нет текста ответов.", "en": "There is no reply text in the box."},
    "paste_added": {"ru": "Добавлено ответов: {n}", "en": "Replies added: {n}"},
    "replies_header": {"ru": "Ответы ({n})", "en": "Replies ({n})"},
    "replies_empty": {
        "ru": "Ответов пока нет: вставьте их выше или добавьте по одному.",
        "en": "No replies yet: paste them above or add them one by one.",
    },
    "reply_add_one": {"ru": "Добавить ответ", "en": "Add a reply"},
    "reply_title": {"ru": "Ответ {n}", "en": "Reply {n}"},
    "reply_text": {"ru": "Текст ответа", "en": "Reply text"},
    "reply_delete": {"ru": "Удалить ответ", "en": "Delete reply"},
    "reply_empty_text": {"ru": "(пустой ответ)", "en": "(empty reply)"},
    "clear_all": {"ru": "Очистить всё", "en": "Clear all"},
    "screen_button": {"ru": "Отобрать", "en": "Screen"},
    "need_request": {
        "ru": "Введите текст запроса — без него не с чем сравнивать ответы.",
        "en": "Enter the request text — replies are compared against it.",
    },
    "need_replies": {
        "ru": "Добавьте хотя бы один ответ с текстом или вложением.",
        "en": "Add at least one reply with text or an attachment.",
    },
    "skipped_empty": {
        "ru": "Пустых ответов пропущено: {n}.",
        "en": "Empty replies skipped: {n}.",
    },
    "results_header": {"ru": "Результаты", "en": "Results"},
    "results_summary": {
        "ru": "{n} ответов · релевантных: {rel} · модель {model} · {ms} мс",
        "en": "{n} replies · relevant: {rel} · model {model} · {ms} ms",
    },
    "results_empty_hint": {
        "ru": "Здесь появится ранжированный список после нажатия «Отобрать».",
        "en": "The ranked list appears here after you press «Screen».",
    },
    "results_stale": {
        "ru": "Запрос или ответы изменились после отбора — нажмите «Отобрать» ещё раз.",
        "en": "The request or replies changed since screening — press «Screen» again.",
    },
    "filter_flags": {"ru": "Показывать только с метками", "en": "Show only with flags"},
    "filter_hide_irrelevant": {"ru": "Скрыть нерелевантные", "en": "Hide irrelevant"},
    "filter_none_left": {
        "ru": "Под фильтр не попал ни один ответ.",
        "en": "No reply matches the filter.",
    },
    "shown_of": {"ru": "Показано {shown} из {total}", "en": "Showing {shown} of {total}"},
    "export_csv": {"ru": "Скачать CSV", "en": "Download CSV"},
    "export_json": {"ru": "Скачать JSON", "en": "Download JSON"},
    # --- cards ---------------------------------------------------------------------
    "card_rank": {"ru": "№{rank}", "en": "#{rank}"},
    "card_grade": {"ru": "Прогноз: {grade} — {label}", "en": "Predicted grade: {grade} — {label}"},
    "card_relevant": {"ru": "Релевантен", "en": "Relevant"},
    "card_irrelevant": {"ru": "Нерелевантен", "en": "Not relevant"},
    "card_no_flags": {"ru": "Проблем не найдено", "en": "No problems found"},
    "card_page": {"ru": "стр. {page}", "en": "p. {page}"},
    "card_attachment_error": {
        "ru": "Вложение «{name}» не прочитано: {message}",
        "en": "Attachment «{name}» was not read: {message}",
    },
    "card_legend": {
        "ru": "Жёлтым выделены фрагменты, совпавшие с запросом; красным — причины меток.",
        "en": "Yellow marks passages that match the request; red marks what triggered a flag.",
    },
    # --- check page ----------------------------------------------------------------
    "check_title": {"ru": "Проверить черновик ответа", "en": "Check my draft reply"},
    "check_intro": {
        "ru": "Вставьте запрос и свой черновик — увидите оценку, метки и что исправить до отправки.",
        "en": "Paste the request and your draft to see the score, flags and what to fix before sending.",
    },
    "draft_label": {"ru": "Ваш черновик ответа", "en": "Your draft reply"},
    "draft_placeholder": {
        "ru": "Елена, добрый день! Мы делали приложение для курьерской службы…",
        "en": "Hi Elena! We built a courier app for…",
    },
    "check_button": {"ru": "Проверить", "en": "Check"},
    "auto_recheck": {
        "ru": "Перепроверять при изменении черновика",
        "en": "Re-check when the draft changes",
    },
    "need_draft": {
        "ru": "Введите текст черновика или приложите файл.",
        "en": "Enter the draft text or attach a file.",
    },
    "draft_changed": {
        "ru": "Черновик изменился после проверки — нажмите «Проверить».",
        "en": "The draft changed since the check — press «Check».",
    },
    "check_result_header": {"ru": "Результат проверки", "en": "Check result"},
    "suggestions_header": {"ru": "Что поправить", "en": "What to fix"},
    "suggestions_none": {
        "ru": "Замечаний нет — черновик можно отправлять.",
        "en": "No remarks — the draft is ready to send.",
    },
    "check_empty_hint": {
        "ru": "Результат проверки появится здесь.",
        "en": "The check result appears here.",
    },
    "example_header": {"ru": "Пример хорошего ответа", "en": "Example of a good reply"},
    "example_note": {
        "ru": "Это пример-шаблон, а не настоящий кейс: замените текст в квадратных скобках своими "
        "фактами.",
        "en": "This is a template example, not a real case: replace the text in square brackets "
        "with your own facts.",
    },
    "example_need_request": {
        "ru": "Введите запрос, чтобы увидеть пример ответа на него.",
        "en": "Enter the request to see an example reply to it.",
    },
    # --- label page ----------------------------------------------------------------
    "label_title": {"ru": "Разметка и переобучение", "en": "Label and retrain"},
    "tab_label": {"ru": "Разметка", "en": "Labeling"},
    "tab_models": {"ru": "Обучение и модели", "en": "Training and models"},
    "screenings_header": {"ru": "Сохранённые отборы", "en": "Stored screenings"},
    "screenings_empty": {
        "ru": "Отборов пока нет. Сделайте отбор на странице «Отбор ответов».",
        "en": "No screenings yet. Run one on the «Screen replies» page.",
    },
    "screening_pick": {"ru": "Отбор", "en": "Screening"},
    "examples_since_active": {"ru": "после обучения активной модели: {n}",
                              "en": "{n} since the active model was trained"},
    "label_order": {"ru": "Порядок", "en": "Order"},
    "label_order_rank": {"ru": "по рангу", "en": "by rank"},
    "label_order_useful": {"ru": "сначала самые полезные для разметки", "en": "most useful to label first"},
    "label_order_help": {"ru": "Сначала ответы без метки, в которых модель сомневается или расходится с уже "
                                "размеченными похожими ответами.",
                         "en": "Unlabeled replies first, those the model is least sure of or where it disagrees "
                               "with similar labeled replies."},
    "screening_request": {"ru": "Запрос", "en": "Request"},
    "label_grade": {"ru": "Оценка релевантности (0–3)", "en": "Relevance grade (0–3)"},
    "label_flags": {"ru": "Метки", "en": "Flags"},
    "label_save": {"ru": "Сохранить разметку", "en": "Save label"},
    "label_saved": {"ru": "Сохранено (id {id})", "en": "Saved (id {id})"},
    "label_saved_short": {"ru": "сохранено", "en": "saved"},
    "none": {"ru": "нет", "en": "none"},
    "examples_header": {"ru": "Сохранённые примеры", "en": "Stored examples"},
    "examples_empty": {"ru": "Размеченных примеров пока нет.", "en": "No labeled examples yet."},
    "examples_count": {"ru": "Всего примеров: {n}", "en": "Examples stored: {n}"},
    "refresh": {"ru": "Обновить", "en": "Refresh"},
    "col_id": {"ru": "id", "en": "id"},
    "col_grade": {"ru": "оценка", "en": "grade"},
    "col_flags": {"ru": "метки", "en": "flags"},
    "col_reply": {"ru": "ответ", "en": "reply"},
    "col_request": {"ru": "запрос", "en": "request"},
    "col_created": {"ru": "создан", "en": "created"},
    "train_header": {"ru": "Обучение", "en": "Training"},
    "train_intro": {
        "ru": "Обучает модель-кандидата на примерах из поставки и сохранённой разметке. "
        "Активная модель не меняется, пока вы её не переключите.",
        "en": "Trains a candidate model on the bundled samples plus stored labels. The active "
        "model stays until you switch.",
    },
    "train_button": {"ru": "Запустить обучение", "en": "Start training"},
    "train_status": {"ru": "Задача {id}: {status}", "en": "Job {id}: {status}"},
    "train_done": {
        "ru": "Обучение завершено: модель {version}.",
        "en": "Training finished: model {version}.",
    },
    "train_failed": {"ru": "Обучение не удалось: {detail}", "en": "Training failed: {detail}"},
    "models_header": {"ru": "Модели", "en": "Models"},
    "models_empty": {"ru": "Моделей пока нет.", "en": "No models yet."},
    "model_active": {"ru": "активная", "en": "active"},
    "model_compare": {"ru": "Сравнить с активной", "en": "Compare with the active one"},
    "model_chart": {"ru": "Метрики: {a} против {b}", "en": "Metrics: {a} vs {b}"},
    "model_no_metrics": {
        "ru": "У этих моделей нет сопоставимых метрик.",
        "en": "These models have no comparable metrics.",
    },
    "model_activate": {"ru": "Сделать активной", "en": "Make active"},
    "model_rollback": {"ru": "Откатиться на эту версию", "en": "Roll back to this version"},
    "model_activated": {"ru": "Активна модель {version}.", "en": "Model {version} is now active."},
    "col_version": {"ru": "версия", "en": "version"},
    "col_value": {"ru": "значение", "en": "value"},
    "col_model": {"ru": "модель", "en": "model"},
}


def t(key: str, lang: str = DEFAULT_LANG, /, **kwargs: Any) -> str:
    """Translate `key`; unknown keys return the key itself so a typo never crashes a page."""
    entry = STRINGS.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry[DEFAULT_LANG]
    if kwargs:
        try:
            return text.format(**kwargs)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def normalize_lang(value: Any) -> str:
    """Query params and session values are untrusted: anything unknown → Russian."""
    return value if value in LANGS else DEFAULT_LANG


def flag_label(code: str, lang: str = DEFAULT_LANG) -> str:
    """Readable badge text; an unknown code (a newer service) shows as itself, prettified."""
    entry = FLAG_LABELS.get(code)
    if entry is None:
        return code.replace("_", " ").capitalize()
    return entry.get(lang) or entry[DEFAULT_LANG]


def flag_hint(code: str, lang: str = DEFAULT_LANG) -> str:
    entry = FLAG_HINTS.get(code)
    return "" if entry is None else entry.get(lang) or entry[DEFAULT_LANG]


def grade_label(grade: Any, lang: str = DEFAULT_LANG) -> str:
    try:
        entry = GRADE_LABELS[int(grade)]
    except (TypeError, ValueError, KeyError):
        return "?"
    return entry.get(lang) or entry[DEFAULT_LANG]


def placeholders(text: str) -> set[str]:
    """Named `{fields}` in a format string (used by tests to compare languages)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}

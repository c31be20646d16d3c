"""The good-reply example template (ui/examples.py)."""
from __future__ import annotations

from ui.examples import detect_language, good_reply_example, request_subject


def test_language_by_script() -> None:
    assert detect_language("Коллеги, есть лид на CRM") == "ru"
    assert detect_language("We need a Flutter team") == "en"
    assert detect_language("نحتاج إلى تطبيق توصيل") == "ar"
    assert detect_language("12345") == "en"


def test_subject_strips_lead_in() -> None:
    assert request_subject("Коллеги, есть лид: мобильное приложение для курьерской службы. Бюджет 3 млн.") == (
        "мобильное приложение для курьерской службы"
    )
    assert request_subject("Hi all, looking for a team with a hospital chatbot case!") == "looking for a team with a hospital chatbot case"
    assert request_subject("Коллеги, всем привет! Есть лид: ищем CRM-интегратора") == "ищем CRM-интегратора"
    assert len(request_subject("слово " * 100)) <= 111


def test_russian_example_shape() -> None:
    lang, text = good_reply_example("Коллеги, есть лид: чат-бот записи для сети клиник", "Елена")
    assert lang == "ru"
    assert text.startswith("Елена, добрый день!")
    assert "«чат-бот записи для сети клиник»" in text and "[результат в цифрах" in text and "созвониться" in text


def test_english_and_arabic_examples() -> None:
    lang, text = good_reply_example("We need a BI dashboard for a retail chain")
    assert lang == "en" and text.startswith("Hello,") and "[what we built]" in text
    lang, text = good_reply_example("نحتاج إلى تطبيق توصيل", "سارة")
    assert lang == "ar" and text.startswith("مرحبا سارة")

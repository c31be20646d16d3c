"""Reply features from the real encoder and text processing: taxonomy, credentials, language, lemma coverage."""
import pytest

from model.features import FEATURE_INDEX, Featurizer
from model.taxonomy import INDUSTRIES, INDUSTRY_SECTORS
from model.types import Attachment, Reply, Request
from tests.support.engine import encoder

REQUEST = Request(text="Коллеги, добрый день! Есть лид: курьерская служба хочет мобильное приложение для курьеров "
                       "с маршрутами и оплатой на месте. Нужны кейсы.")
REPLIES = {
    "match": "Добрый день! Делали мобильное приложение для службы доставки «Экспресс»: маршруты, оплата по QR.",
    "same_task": "Здравствуйте! Сделали мобильное приложение для банка: переводы, вклады, 200 тыс. пользователей.",
    "unrelated": "Здравствуйте! Провели SEO-продвижение сайта сети стоматологий, трафик +140%.",
    "pitch": "Мы делаем всё: сайты, мобильные приложения, SEO, SMM, чат-боты, CRM, дизайн, контекстная реклама.",
    "recruiting": "Кадровое агентство: массовый подбор курьеров для служб доставки, закрываем вакансии за 5 дней.",
    "neighbour": "Здравствуйте! Автоматизировали склад ответственного хранения: адресное хранение, ТСД, сборка заказов.",
    "empty": "",
}


@pytest.fixture(scope="module")
def featurizer():
    return Featurizer(encoder())


@pytest.fixture(scope="module")
def features(featurizer):
    replies = [Reply(id=name, text=text) for name, text in REPLIES.items()]
    X, _, _ = featurizer.thread_features(REQUEST, replies)
    return {name: {f: X[i, j] for f, j in FEATURE_INDEX.items() if f.startswith("tax_")}
            for i, name in enumerate(REPLIES)}


def test_request_task_and_industry_are_known(features):
    assert all(row["tax_request_known"] == 2 for row in features.values())


def test_a_matching_case_matches_task_and_industry(features):
    row = features["match"]
    assert row["tax_task_match"] == 1 and row["tax_industry_match"] == 1
    assert row["tax_task_miss"] == 0 and row["tax_family_miss"] == 0


def test_same_task_other_industry(features):
    row = features["same_task"]
    assert row["tax_task_match"] == 1 and row["tax_industry_match"] == 0 and row["tax_industry_miss"] == 1


def test_unrelated_case_misses_both(features):
    row = features["unrelated"]
    assert row["tax_task_miss"] == 1 and row["tax_industry_miss"] == 1
    assert row["tax_task_match"] == 0 and row["tax_industry_match"] == 0


def test_a_neighbouring_industry_is_the_same_sector(features):
    """labeling.md: a warehouse operator and a courier service are one domain, though the taxonomy names them apart."""
    row = features["neighbour"]
    assert row["tax_industry_match"] == 0 and row["tax_sector_match"] == 1
    assert row["tax_sector_miss"] == 0 and row["tax_both_miss"] == 0


def test_only_another_domain_and_another_task_misses_both(features):
    assert features["unrelated"]["tax_both_miss"] == 1
    assert features["same_task"]["tax_both_miss"] == 0 and features["match"]["tax_both_miss"] == 0


def test_pitch_names_many_types_of_work(features):
    assert features["pitch"]["tax_n_tasks"] >= 5 > features["match"]["tax_n_tasks"]


def test_another_kind_of_service_naming_the_industry(features):
    """labeling.md: the industry a recruiting agency serves does not make it match a software request."""
    row = features["recruiting"]
    assert row["tax_industry_match"] == 1 and row["tax_family_miss"] == 1
    assert row["tax_both_miss"] == 1  # another kind of business counts as another domain


def test_empty_reply_names_nothing(features):
    row = features["empty"]
    assert row["tax_n_tasks"] == row["tax_n_industries"] == row["tax_task_miss"] == row["tax_industry_miss"] == 0
    assert row["tax_sector_match"] == row["tax_sector_miss"] == row["tax_both_miss"] == 0


@pytest.mark.parametrize("text, count", [
    ("Мы — агентство, 12 лет на рынке, 200+ проектов, 50 специалистов в штате.", 3),
    ("We are a team of 40 developers with 9 years of experience.", 2),
    ("شركة رقمية متكاملة، أكثر من ٣٠٠ عميل في الخليج", 1),
    ("Сделали за 3 месяца, конверсия +20%, 14 филиалов.", 0),  # results of a case are not credentials
])
def test_credentials_in_place_of_a_case(featurizer, text, count):
    X, _, _ = featurizer.thread_features(REQUEST, [Reply(id="r", text=text)])
    assert X[0, FEATURE_INDEX["credentials"]] == count


@pytest.mark.parametrize("reply, cross", [
    (Reply(id="ru", text="Добрый день! Делали приложение для курьеров службы доставки."), 0),
    (Reply(id="en", text="Hi! We built a courier app for a delivery company in Berlin."), 1),
    (Reply(id="ar", text="مرحبا، نفذنا تطبيقا لمندوبي التوصيل لشركة شحن في الرياض."), 1),
    (Reply(id="deck", text="", attachments=(Attachment(filename="case.pdf", pages=(
        "Courier app for a parcel delivery company: routes, proof of delivery, cash on delivery.",)),)), 1),
    (Reply(id="url", text="https://example.com"), 0),  # no words: no language to differ
])
def test_cross_language_reply(featurizer, reply, cross):
    """A reply in another language shares no lemmas with the request; the heads are told so."""
    X, _, _ = featurizer.thread_features(REQUEST, [reply])
    assert X[0, FEATURE_INDEX["cross_language"]] == cross


def test_arabic_lemma_coverage_sees_through_the_article(featurizer):
    request = Request(text="عميل عنده سلسلة عيادات أسنان يحتاج نظام مواعيد")
    with_article = Reply(id="a", text="نفذنا بوت للعيادات لحجز المواعيد")
    bare = Reply(id="b", text="نفذنا بوت عيادات لحجز مواعيد")
    X, _, _ = featurizer.thread_features(request, [with_article, bare])
    coverage = X[:, FEATURE_INDEX["lemma_coverage"]]
    assert coverage[0] == coverage[1] > 0


def test_every_industry_has_a_sector():
    assert set(INDUSTRY_SECTORS) == set(INDUSTRIES)

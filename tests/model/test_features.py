"""Reply features from the real encoder and text processing: taxonomy, credentials, language, lemma coverage."""
import pytest

from model.features import FEATURE_INDEX, Featurizer
from model.knowledge import default_knowledge
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
    assert set(default_knowledge().industry_sectors) == set(default_knowledge().taxonomies["industry"])


KIND_REQUEST = Request(text="Hi all, lead: a parcel delivery company wants a mobile app for its couriers with routes "
                            "and proof of delivery. Looking for relevant cases.")
KIND_REPLIES = {
    "software_case": "Hello! We built an iOS and Android app for a courier startup: route planning, photo proof of "
                     "delivery, offline mode. Failed deliveries fell by 18%.",
    "software_other_industry": "Hi! We developed a Flutter banking app for a regional bank, 200k users.",
    "staffing": "Good morning! We are an agency that finds and hires drivers and couriers for delivery firms, "
                "1,200 people placed last year.",
    "equipment": "Hello, we sell and service cargo bikes, scooters and thermal bags for delivery fleets.",
    "ad_agency": "Hi! We run Google and Meta ad campaigns and make promo videos for delivery brands.",
}
ADS_REQUEST = Request(text="Добрый день! Сеть автомоек ищет подрядчика на контекстную рекламу в Яндекс Директ.")


def _kind(featurizer, request, replies):
    X, _, _ = featurizer.thread_features(request, [Reply(id=k, text=v) for k, v in replies.items()])
    return {name: {f: X[i, FEATURE_INDEX[f]] for f in ("kind_mismatch", "kind_reply_it")}
            for i, name in enumerate(replies)}


def test_another_kind_of_business_in_words_no_phrase_list_has(featurizer):
    """A staffing agency, an equipment dealer or an ad agency answering a software request reads as another kind
    of business; a software case reads as the same kind, whatever industry it was for."""
    kind = _kind(featurizer, KIND_REQUEST, KIND_REPLIES)
    same_kind = max(kind["software_case"]["kind_mismatch"], kind["software_other_industry"]["kind_mismatch"])
    for other in ("staffing", "equipment", "ad_agency"):
        assert kind[other]["kind_mismatch"] > same_kind + 0.15, (other, kind)
        assert kind[other]["kind_reply_it"] < kind["software_case"]["kind_reply_it"], (other, kind)


def test_the_kind_of_business_is_read_from_the_request_too(featurizer):
    """An ad agency matches an advertising request; a software house does not."""
    kind = _kind(featurizer, ADS_REQUEST, {
        "ads": "Здравствуйте! Ведём Яндекс Директ для сетей автосервисов, заявки подешевели на 30%.",
        "software": "Здравствуйте! Разработали мобильное приложение и CRM для сети фитнес-клубов.",
    })
    assert kind["ads"]["kind_mismatch"] < kind["software"]["kind_mismatch"], kind

"""GET /api/v1/analytics/kpis: the WISMO and survey figures (docs/kpis.md "WISMO" and "Feedback").

The history is test_service_tiles.py's, worked out by hand there, plus five CSAT answers in March:
[5, 4, 3, 5, 2]: 3 of 5 scoring 4 or 5 = 60 %, mean 3.80. So for March 2026 (Paris), as of July 1:
4 orders first shipped, 2 WISMO contacts: 50.00 per 100; baseline 80.00: 37.5 % fewer; 6 tracking page
views: 1.5 per order; NPS +20 of 10 answers. The 31 days before: 2 shipped, 2 contacts: 100.00, −25 %,
no page view: 0, NPS 0 of 2 answers, no CSAT answer.
"""

import pytest

from core.scoping import merchant_scope
from feedback.models import Kind
from feedback.models import Response as Answer
from support.models import SupportContact
from tests.feedback.test_staff import answered
from tests.support.test_wismo_rate import shipped
from tracking.models import WismoContact

from .history import POSTGRESQL_ONLY, paris
from .test_api import NO_SERVICE
from .test_service_tiles import contacts  # noqa: F401 - the hand-made history, a fixture

pytestmark = [pytest.mark.django_db, POSTGRESQL_ONLY]

KPIS = "/api/v1/analytics/kpis"
MARCH = {"from": "2026-03-01", "to": "2026-04-01", "as_of": "2026-07-01"}
SERVICE_KEYS = (
    "wismo_contacts",
    "orders_shipped",
    "wismo_rate",
    "wismo_baseline_rate",
    "wismo_reduction",
    "tracking_page_views_per_shipped_order",
    "nps",
    "nps_answers",
    "csat",
    "csat_mean",
    "csat_answers",
)


@pytest.fixture
def history(contacts):  # noqa: F811 - the fixture imported above
    answered(contacts, Kind.CSAT, [5, 4, 3, 5, 2], at=paris(2026, 3, 21, 12))
    return contacts


def service(body: dict) -> dict:
    return {key: body[key] for key in SERVICE_KEYS}


def test_the_figures_of_march_and_of_the_period_before(api, history):
    body = api.get(KPIS, MARCH).json()
    assert service(body) == {
        "wismo_contacts": 2,
        "orders_shipped": 4,
        "wismo_rate": 50.0,
        "wismo_baseline_rate": 80.0,
        "wismo_reduction": 0.375,
        "tracking_page_views_per_shipped_order": 1.5,
        "nps": 20,
        "nps_answers": 10,
        "csat": 60,
        "csat_mean": 3.8,
        "csat_answers": 5,
    }
    assert service(body["previous"]) == {
        "wismo_contacts": 2,
        "orders_shipped": 2,
        "wismo_rate": 100.0,
        "wismo_baseline_rate": 80.0,
        "wismo_reduction": -0.25,
        "tracking_page_views_per_shipped_order": 0.0,
        "nps": 0,
        "nps_answers": 2,
        "csat": None,
        "csat_mean": None,
        "csat_answers": 0,
    }


def test_the_api_and_the_page_tiles_agree(api, staff_client, history):
    body = api.get(KPIS, MARCH).json()
    lines = b"".join(
        staff_client.get(
            "/app/analytics/kpis.csv", {"range": "custom", "from": "2026-03-01", "to": "2026-03-31"}
        ).streaming_content
    ).decode()
    assert f"wismo_rate,,{body['wismo_rate']:.2f}," in lines and f"nps,,{body['nps']}," in lines


def test_what_came_after_as_of_is_not_known(api, history):
    # As of March 5 10:00: parcels of March 2, 3 and 5 (9:00), the contact of the 4th and the ticket of the
    # 5th (9:00), the 6 views of the 5th (9:00); no answer yet (March 20 and 21).
    body = api.get(KPIS, MARCH | {"as_of": "2026-03-05T10:00:00+01:00"}).json()
    assert (body["orders_shipped"], body["wismo_contacts"], body["wismo_rate"]) == (3, 2, 66.67)
    assert body["tracking_page_views_per_shipped_order"] == 2.0
    assert (body["nps"], body["nps_answers"], body["csat"], body["csat_answers"]) == (None, 0, None, 0)


def test_a_shop_with_nothing_gets_nulls(api, merchant):
    body = api.get(KPIS, MARCH).json()
    assert service(body) == NO_SERVICE and service(body["previous"]) == NO_SERVICE


def test_another_shops_contacts_and_answers_are_never_counted(other_api, other_merchant, history):
    with merchant_scope(other_merchant):
        shipped(other_merchant, paris(2026, 3, 10, 9))
        answered(other_merchant, Kind.NPS, [6], at=paris(2026, 3, 20, 12))
    body = other_api.get(KPIS, MARCH).json()
    assert service(body) == NO_SERVICE | {
        "orders_shipped": 1,
        "wismo_rate": 0.0,
        "tracking_page_views_per_shipped_order": 0.0,
        "nps": -100,
        "nps_answers": 1,
    }
    assert service(body["previous"]) == NO_SERVICE  # nor the first shop's baseline


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"from": "2026-04-01", "to": "2026-03-01"}, "to", "must come after"),
        ({"from": "March"}, "from", "ISO 8601"),
        ({"from": "2026-03-01", "to": "2026-04-01", "as_of": "2026-02-28"}, "as_of", "cannot come before"),
    ],
)
def test_a_bad_period_is_a_400_that_says_why(api, history, params, field, words):
    with merchant_scope(history):
        stored = (WismoContact.objects.count(), SupportContact.objects.count(), Answer.objects.count())
    response = api.get(KPIS, params)
    assert response.status_code == 400 and words in response.json()[field][0]
    with merchant_scope(history):
        assert (WismoContact.objects.count(), SupportContact.objects.count(), Answer.objects.count()) == stored

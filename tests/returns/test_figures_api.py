"""GET /api/v1/returns/figures: the figures of tests/returns/test_figures.py as JSON, its refusals, its scope."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import api_client_for
from tests.returns.test_figures import march  # noqa: F401 - the history

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("figure_engine")]
URL = "/api/v1/returns/figures"
MARCH = {"from": "2026-03-01", "to": "2026-04-01"}


def test_the_figures_of_march(api, march):  # noqa: F811 - the fixture
    answer = api.get(URL, MARCH)
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert (data["from"], data["to"]) == ("2026-03-01T00:00:00+01:00", "2026-04-01T00:00:00+02:00")
    assert (data["items_shipped"], data["items_returned"], data["item_return_rate"]) == (8, 7, 0.875)
    assert (data["orders_shipped"], data["orders_returned"], data["order_return_rate"]) == (3, 4, 1.3333)
    assert data["by_reason"][0] == {"reason": "damaged", "items": 3, "share": 0.4286, "rate": 0.375}
    assert data["by_product"][0] == {
        "product_id": "P1", "title": "Linen shirt", "items_shipped": 3, "items_returned": 4, "rate": 1.3333
    }  # fmt: skip
    assert data["by_product_type"][1] == {"product_type": "home", "items_shipped": 4, "items_returned": 2, "rate": 0.5}
    assert data["value_returned"] == {"EUR": "220.00", "GBP": "20.00"}
    assert data["value_kept"] == {"EUR": "170.00", "GBP": "0.00"}
    assert data["revenue_kept"] == {"EUR": 0.7727, "GBP": 0.0}
    assert data["bonus_given"] == {"EUR": "15.00", "GBP": "0.00"}
    assert data["exchanges_returned"] == {"EUR": "20.00", "GBP": "0.00"}
    assert data["credit_expired"] == {"EUR": "50.00", "GBP": "0.00"}
    assert data["net_value_kept"] == {"EUR": "100.00", "GBP": "0.00"}
    assert data["net_revenue_kept"] == {"EUR": 0.4545, "GBP": 0.0}
    assert data["returns"] == 6
    assert data["resolutions"]["refund"] == {"returns": 2, "share": 0.3333}
    assert data["weeks"][0] == {
        "week": "2026-02-23",
        "returns": 1,
        "resolutions": {"store_credit": {"returns": 1, "share": 1.0}},
    }
    assert data["weeks"][-1] == {"week": "2026-03-30", "returns": 0, "resolutions": {}}
    assert (data["exchange_offered"], data["exchange_taken"], data["exchange_conversion"]) == (4, 2, 0.5)


def test_an_empty_shop_answers_nulls(api):
    data = api.get(URL, MARCH).json()
    assert data["item_return_rate"] is None and data["order_return_rate"] is None
    assert data["revenue_kept"] is None and data["value_returned"] is None
    assert data["exchange_conversion"] is None
    assert data["by_reason"] == [] and data["returns"] == 0


def test_another_shops_key_sees_none_of_it(march, other_merchant):  # noqa: F811 - the fixture
    data = api_client_for(other_merchant).get(URL, MARCH).json()
    assert (data["returns"], data["items_shipped"], data["by_product"], data["value_returned"]) == (0, 0, [], None)


@pytest.mark.parametrize(
    ("query", "field", "says"),
    [
        ({"from": "2026-04-01", "to": "2026-04-01"}, "to", "must come after"),
        ({"from": "2026-04-02", "to": "2026-04-01"}, "to", "must come after"),
        ({"from": "yesterday"}, "from", "Not a date"),
        ({"to": "2026-02-30"}, "to", "Not a date"),
        ({"from": "2026-03-01T00:00:00"}, "from", "Not a date"),  # a datetime without its offset
        ({"from": "2020-01-01", "to": "2025-01-02"}, "to", "at most 5 years"),
        ({"as_of": "2026-03-01"}, "as_of", "Unknown query parameter"),
    ],
)
def test_bad_ranges_are_refused_with_what_to_fix(api, query, field, says):
    answer = api.get(URL, query)
    assert answer.status_code == 400
    assert says in answer.json()[field][0]


def test_five_years_exactly_is_allowed(api):
    assert api.get(URL, {"from": "2020-01-01", "to": "2025-01-01"}).status_code == 200


def test_query_count_does_not_grow_with_the_history(api, march):  # noqa: F811 - the fixture
    with CaptureQueriesContext(connection) as queries:
        assert api.get(URL, MARCH).status_code == 200
    figures = [q for q in queries if "returns_returnrequest" in q["sql"] or "tracking_shipment" in q["sql"]]
    assert len(figures) == 5
    assert len(queries) == 7, [q["sql"][:80] for q in queries]  # the API key and its merchant besides

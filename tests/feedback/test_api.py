"""GET /api/v1/surveys/responses and /{id}: submitted answers only, filtered, scoped to the key's shop."""

import pytest

from feedback.models import Kind
from tests.feedback.test_staff import DAY, answered, invitation

pytestmark = pytest.mark.django_db
LIST = "/api/v1/surveys/responses"


def test_the_list_holds_answers_only_newest_first_with_a_pinned_number_of_queries(
    merchant, api, django_assert_num_queries
):
    answered(merchant, Kind.CSAT, [5, 2], comment="<b>ok</b>")
    answered(merchant, Kind.NPS, [9])
    invitation(merchant, Kind.CSAT, n="opened", opened=3)  # opened, never answered: not an answer
    with django_assert_num_queries(4):
        body = api.get(LIST).json()
    assert body["count"] == 3
    first = body["results"][0]
    assert set(first) == {
        "id", "survey", "score", "comment", "second_question", "second_answer", "language",
        "order_id", "customer_id", "invitation_id", "created_at", "updated_at",
    }  # fmt: skip
    assert {row["comment"] for row in body["results"]} == {"<b>ok</b>", ""}


def test_the_list_filters_by_survey_score_time_order_and_customer(merchant, api):
    csat = answered(merchant, Kind.CSAT, [5, 2, 4])
    answered(merchant, Kind.NPS, [3])

    def ids(**query):
        return sorted(row["id"] for row in api.get(LIST, query).json()["results"])

    assert ids(survey="csat", score_max=2) == [csat[1].pk]
    assert ids(score_min=4, survey="csat") == sorted([csat[0].pk, csat[2].pk])
    assert ids(order_id=csat[2].order_id) == [csat[2].pk]
    assert ids(customer_id=csat[0].customer_id) == [csat[0].pk]
    assert len(ids(created_at_after="2026-06-10T00:00:00Z", created_at_before=DAY.isoformat())) == 4
    assert ids(created_at_after="2026-06-11T00:00:00Z") == []


@pytest.mark.parametrize(
    "query",
    [
        {"survey": "ces"},
        {"score_min": "eleven"},
        {"score_max": "11"},
        {"order_id": "1.5"},
        {"created_at_after": "June"},
    ],
)
def test_a_bad_filter_is_a_400_naming_it(merchant, api, query):
    response = api.get(LIST, query)
    assert response.status_code == 400
    assert set(response.json()) & {*query, "created_at"}


def test_one_answer_and_another_shops_answer_not_found(merchant, other_merchant, api):
    [mine] = answered(merchant, Kind.CSAT, [4])
    [theirs] = answered(other_merchant, Kind.CSAT, [1])
    assert api.get(f"{LIST}/{mine.pk}").json()["score"] == 4
    assert api.get(f"{LIST}/{theirs.pk}").status_code == 404
    assert [row["id"] for row in api.get(LIST).json()["results"]] == [mine.pk]

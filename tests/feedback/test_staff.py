"""Dashboard → Feedback: figures by docs/kpis.md, answers with filters, the queue, the export, settings."""

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from core.scoping import merchant_scope
from feedback.models import FollowUp, Invitation, Kind, Response, SurveySettings
from feedback.selectors import response_rates, scores_of_period
from feedback.services import Answer, response_submit
from merchants.models import Role
from tests.conftest import login_as
from tests.factories import CustomerFactory, MembershipFactory, OrderFactory, UserFactory
from tests.feedback.test_dashboard import OVERVIEW_QUERIES

pytestmark = pytest.mark.django_db
DAY = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


def invitation(merchant, kind, *, n, sent_at=DAY, opened=0):
    with merchant_scope(merchant):
        customer = CustomerFactory(merchant=merchant, email=f"person{n}@example.org")
        order = OrderFactory(merchant=merchant, number=f"#{n}", customer=customer)
        anchor = {"order": order} if kind == Kind.CSAT else {"anchor_key": "nps:w1", "source_order": order}
        return Invitation.objects.create(
            merchant=merchant, kind=kind, sent_at=sent_at, open_count=opened, customer=customer, **anchor
        )


PEOPLE = itertools.count(1)


def answered(merchant, kind, scores, *, at=DAY, comment=""):
    """One answer per score, each from another person."""
    made = []
    for score in scores:
        inv = invitation(merchant, kind, n=f"{kind}{next(PEOPLE)}")
        with time_machine.travel(at, tick=False):
            response, _changed = response_submit(invitation=inv, answer=Answer(score, comment, "", "en"))
        made.append(response)
    return made


def test_nps_and_csat_follow_the_worked_examples_of_the_definitions(merchant):
    answered(merchant, Kind.NPS, [10, 9, 9, 8, 7, 6, 5, 10, 3, 9])
    answered(merchant, Kind.CSAT, [5, 4, 3, 5, 2])
    with merchant_scope(merchant):
        nps, csat = scores_of_period(merchant=merchant, start=date(2026, 6, 1), end=date(2026, 6, 30))
    assert (nps.promoters, nps.passives, nps.detractors, nps.count, nps.score) == (5, 2, 3, 10, 20)
    assert (csat.share, csat.count, str(csat.mean)) == (60, 5, "3.80")


def test_no_answer_gives_no_score_rather_than_zero(merchant):
    with merchant_scope(merchant):
        nps, csat = scores_of_period(merchant=merchant, start=date(2026, 6, 1), end=date(2026, 6, 30))
    assert nps.score is None and csat.share is None and csat.mean is None


def test_an_answer_counts_in_the_period_of_its_first_submit_with_its_latest_score(merchant):
    [first] = answered(merchant, Kind.NPS, [2], at=datetime(2026, 5, 31, 12, 0, tzinfo=UTC))
    with time_machine.travel(DAY, tick=False):
        response_submit(invitation=first.invitation, answer=Answer(10, "", "", "en"))
    with merchant_scope(merchant):
        june, _ = scores_of_period(merchant=merchant, start=date(2026, 6, 1), end=date(2026, 6, 30))
        may, _ = scores_of_period(merchant=merchant, start=date(2026, 5, 1), end=date(2026, 5, 31))
    assert june.count == 0 and (may.count, may.score) == (1, 100)


def test_the_response_rate_counts_submits_never_opens(merchant):
    answered(merchant, Kind.CSAT, [5, 4])
    invitation(merchant, Kind.CSAT, n="opened-only", opened=7)
    invitation(merchant, Kind.CSAT, n="untouched")
    with merchant_scope(merchant):
        rates = response_rates(merchant=merchant, start=date(2026, 6, 1), end=date(2026, 6, 30))
    csat = rates["csat"]
    assert (csat.delivered, csat.answered, csat.opened, csat.rate) == (4, 2, 1, 50)
    assert rates["nps"].rate is None


def test_the_overview_shows_the_figures_with_a_pinned_number_of_queries(
    merchant,
    staff_client,
    django_assert_num_queries,
    figure_engine,
):
    answered(merchant, Kind.NPS, [10, 9, 3])
    with django_assert_num_queries(OVERVIEW_QUERIES[figure_engine]):
        page = staff_client.get(reverse("feedback:index"), {"from": "2026-06-01", "to": "2026-06-30"})
    html = page.content.decode()
    assert page.status_code == 200 and "+33" in html


def test_a_bad_period_is_refused_with_a_message(merchant, staff_client):
    page = staff_client.get(reverse("feedback:index"), {"from": "2026-06-30", "to": "2026-06-01"})
    assert page.status_code == 400 and "The first day of the range comes after its last day." in page.content.decode()


def test_the_answers_list_filters_searches_and_links_to_the_order(merchant, staff_client, django_assert_num_queries):
    answered(merchant, Kind.CSAT, [1, 5], comment="Colis abîmé")
    answered(merchant, Kind.NPS, [9])
    query = {"from": "2026-06-01", "to": "2026-06-30", "band": "low", "q": "abîmé", "has_comment": "on"}
    with django_assert_num_queries(4):
        page = staff_client.get(reverse("feedback:answers"), query)
    html = page.content.decode()
    assert html.count("Colis abîmé") == 1
    with merchant_scope(merchant):
        low = Response.objects.get(score=1)
    assert reverse("orders:detail", kwargs={"pk": low.order_id}) in html


def test_comments_are_escaped_on_the_staff_pages(merchant, staff_client):
    answered(merchant, Kind.CSAT, [1], comment="<img src=x onerror=alert(1)>")
    html = staff_client.get(reverse("feedback:answers"), {"from": "2026-06-01", "to": "2026-06-30"}).content.decode()
    html += staff_client.get(reverse("feedback:attention")).content.decode()
    assert "<img src=x" not in html and html.count("&lt;img src=x onerror=alert(1)&gt;") == 2


def test_the_export_neutralises_formulas(merchant, staff_client):
    answered(merchant, Kind.CSAT, [4], comment='=HYPERLINK("http://evil")')
    response = staff_client.get(reverse("feedback:export"), {"from": "2026-06-01", "to": "2026-06-30"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert "'=HYPERLINK" in body and "\n=HYPERLINK" not in body and ",=HYPERLINK" not in body


def test_the_export_refuses_bad_dates(merchant, staff_client):
    response = staff_client.get(reverse("feedback:export"), {"from": "June"})
    assert response.status_code == 400 and "YYYY-MM-DD" in response.content.decode()


def test_staff_mark_an_item_contacted_then_resolved_and_the_first_contact_is_timed(merchant, staff_client):
    [low] = answered(merchant, Kind.CSAT, [1])
    with merchant_scope(merchant):
        item = FollowUp.objects.get(response=low)
    move = reverse("feedback:attention-move", kwargs={"pk": item.pk})
    with time_machine.travel(DAY + timedelta(hours=5), tick=False):
        assert staff_client.post(move, {"to": "contacted"}).status_code == 302
        assert staff_client.post(move, {"to": "contacted"}).status_code == 302  # a double click: nothing more
    with time_machine.travel(DAY + timedelta(hours=9), tick=False):
        assert staff_client.post(move, {"to": "resolved"}).status_code == 302
        refused = staff_client.post(move, {"to": "contacted"})
    assert refused.status_code == 409
    with merchant_scope(merchant):
        item.refresh_from_db()
    assert item.state == "resolved" and item.time_to_first_contact == timedelta(hours=5)
    assert staff_client.post(move, {"to": "deleted"}).status_code == 400


def test_the_queue_lists_new_items_with_a_pinned_number_of_queries(merchant, staff_client, django_assert_num_queries):
    answered(merchant, Kind.CSAT, [1, 2, 1])
    with django_assert_num_queries(6):
        page = staff_client.get(reverse("feedback:attention"))
    assert page.content.decode().count("Mark contacted") == 3


def test_another_shops_item_is_not_found(merchant, other_merchant, staff_client):
    [low] = answered(other_merchant, Kind.CSAT, [1])
    with merchant_scope(other_merchant):
        item = FollowUp.objects.get(response=low)
    move = reverse("feedback:attention-move", kwargs={"pk": item.pk})
    assert staff_client.post(move, {"to": "resolved"}).status_code == 404
    with merchant_scope(other_merchant):
        assert FollowUp.objects.get(pk=item.pk).state == "new"
    page = staff_client.get(reverse("feedback:answers"), {"from": "2026-06-01", "to": "2026-06-30"})
    assert low.order.number not in page.content.decode()


def test_a_viewer_cannot_move_items_or_change_settings(merchant, client):
    viewer = UserFactory(email="viewer@example.org")
    with merchant_scope(merchant):
        MembershipFactory(merchant=merchant, user=viewer, role=Role.VIEWER)
    login_as(client, viewer, merchant)
    [low] = answered(merchant, Kind.CSAT, [1])
    with merchant_scope(merchant):
        item = FollowUp.objects.get(response=low)
    assert (
        client.post(reverse("feedback:attention-move", kwargs={"pk": item.pk}), {"to": "resolved"}).status_code == 403
    )
    assert client.post(reverse("feedback:settings"), {"nps_throttle_days": "60"}).status_code == 403


def settings_form(**changes):
    form = {
        "csat_enabled": "on",
        "nps_enabled": "on",
        "nps_throttle_days": "90",
        "follow_up_en": "Why?",
        "follow_up_fr": "Pourquoi\u00a0?",
        "second_question_en": "",
        "second_question_fr": "",
        "alert_email": "care@example.org",
        "pause_during_return": "on",
        "quiet_days_after_low_score": "30",
    }
    return {**form, **changes}


def test_settings_are_saved_and_bad_ones_refused_with_a_message(merchant, staff_client):
    url = reverse("feedback:settings")
    assert staff_client.get(url).status_code == 200
    assert staff_client.post(url, settings_form(nps_throttle_days="120")).status_code == 302
    refused = staff_client.post(url, settings_form(nps_throttle_days="7", second_question_en="And?"))
    html = refused.content.decode()
    assert refused.status_code == 400
    assert "Ask at most once every 30 days or more" in html and "in both English and French" in html
    with merchant_scope(merchant):
        saved = SurveySettings.objects.get()
    assert (saved.nps_throttle_days, saved.alert_email) == (120, "care@example.org")

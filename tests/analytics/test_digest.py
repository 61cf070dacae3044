"""The weekly email digest: opt-in only, once per person, shop and week, Monday morning in each shop's
time zone, each shop's own figures, the unsubscribe link and the notifications page."""

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core import mail

from analytics.digest import digest_rows, digests_send_due, unsubscribe_token
from analytics.models import DigestOptIn, DigestSent
from analytics.page import better_or_worse
from analytics.tasks import send_weekly_digests
from core.scoping import merchant_scope, unscoped
from tests.conftest import login_as
from tests.factories import MembershipFactory, MerchantFactory, UserFactory
from tests.support.test_wismo_rate import shipped
from tracking.models import WismoContact

from .history import order, paris

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("figure_engine")]  # each test on both engines


# Monday November 30, 2026, 08:30 in Paris (07:30 UTC); 02:30 in New York.
MONDAY_PARIS_MORNING = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)
MONDAY_NEW_YORK_MORNING = datetime(2026, 11, 30, 13, 30, tzinfo=UTC)  # 08:30 there


def member(shop, email, *, opted_in=True, language="en"):
    user = UserFactory(email=email, language=language)
    with merchant_scope(shop):
        MembershipFactory(merchant=shop, user=user)
    if opted_in:
        DigestOptIn.objects.create(user=user)
    return user


@pytest.fixture
def paris_shop(merchant):
    """The last 7 days (Nov 23–29): 2 orders of 40 and 20 EUR by the same customer, who had ordered
    once before; the week before: 1 order of 50 EUR."""
    order(merchant, "w1", "a@example.org", paris(2026, 11, 18, 10), "50.00")
    order(merchant, "w2", "a@example.org", paris(2026, 11, 24, 10), "40.00")
    order(merchant, "w3", "a@example.org", paris(2026, 11, 29, 23, 30), "20.00")  # Sunday night, still in it
    order(merchant, "w4", "b@example.org", paris(2026, 11, 30, 0, 30), "99.00")  # Monday: next week's
    return merchant


def test_only_those_who_opted_in_get_it(paris_shop):
    member(paris_shop, "yes@example.com")
    member(paris_shop, "no@example.com", opted_in=False)
    assert digests_send_due(MONDAY_PARIS_MORNING) == 1
    (email,) = mail.outbox
    assert email.to == ["yes@example.com"]
    assert email.subject.startswith(f"{paris_shop.name}: your week, Mon, Nov 23")
    assert email.subject.endswith("Sun, Nov 29")


def test_the_figures_of_the_week_against_the_one_before(paris_shop):
    member(paris_shop, "yes@example.com")
    digests_send_due(MONDAY_PARIS_MORNING)
    text = mail.outbox[0].body
    assert "Orders: 2 (+100%)\n  The week before: 1" in text
    assert "Net revenue: €60.00 (+20%)\n  The week before: €50.00" in text
    assert "Average order value: €30.00 (-40%)\n  The week before: €50.00" in text
    # a@ is the week's one customer, with at least 2 orders by its end; the week before a@ had 1.
    assert "Repeat rate: 100% (+100 pts)\n  The week before: 0%" in text
    assert "NPS: —" in text and "Needs attention: no delayed shipment." in text
    html = mail.outbox[0].alternatives[0][0]
    assert "€60.00" in html and "The week before: €50.00" in html


GOOD, BAD = "color:#15803d;", "color:#b91c1c;"


def _change_style(html: str, change: str) -> str:
    """The style of the span that shows `change` in the HTML email."""
    span = html[: html.index(f">({change})</span>")]
    return span[span.rindex("<span") :]


def test_a_rising_wismo_rate_is_shown_as_bad_news(paris_shop):
    """WISMO contacts per 100 orders shipped: the last 7 days 2 shipped, 2 contacts = 100; the week before
    2 shipped, 1 contact = 50. Up 100 %, which is worse: red, where more orders (+100 %) are green and a
    lower average order value (−40 %) red."""
    with merchant_scope(paris_shop):
        week = [shipped(paris_shop, paris(2026, 11, day, 9)) for day in (23, 24)]
        before = [shipped(paris_shop, paris(2026, 11, day, 9)) for day in (16, 17)]
        for placed, day in ((week[0], 25), (week[1], 26), (before[0], 18)):
            WismoContact.objects.create(
                merchant=paris_shop, order=placed, reason="late", created_at=paris(2026, 11, day, 9)
            )
    member(paris_shop, "yes@example.com")
    digests_send_due(MONDAY_PARIS_MORNING)
    text, html = mail.outbox[0].body, mail.outbox[0].alternatives[0][0]
    assert "“Where is my order?” contacts per 100 orders shipped: 100 (+100%)\n  The week before: 50" in text
    wismo = html[html.index("“Where is my order?”") :]
    assert BAD in _change_style(wismo, "+100%")
    assert GOOD in _change_style(html, "+100%")  # the orders, first in the email
    assert BAD in _change_style(html, "-40%")


def test_which_way_is_better_for_each_kind_of_figure():
    """Lower is better for the WISMO rate (as for return and unsubscribe rates); higher for the others."""
    rows = digest_rows(
        {"orders": 2, "revenue": None, "aov": None, "repeat_rate": Decimal("0.5"), "wismo_rate": Decimal("3")}
        | {"nps": 10, "csat": None},
        {"orders": 1, "revenue": None, "aov": None, "repeat_rate": Decimal("0.6"), "wismo_rate": Decimal("2")}
        | {"nps": 20, "csat": None},
    )
    assert [(row["change"], row["direction"]) for row in rows] == [
        ("+100%", 1),
        ("", 0),
        ("", 0),
        ("-10 pts", -1),
        ("+50%", -1),
        ("-10 pts", -1),
        ("", 0),
    ]
    assert [better_or_worse(name, 1) for name in ("wismo_rate", "return_rate", "unsubscribe_rate", "nps")] == [
        -1,
        -1,
        -1,
        1,
    ]


def test_once_per_person_and_week(paris_shop):
    member(paris_shop, "yes@example.com")
    assert send_weekly_digests() in (0, 1)  # whatever day the tests run: at most this week's
    mail.outbox.clear()
    assert digests_send_due(MONDAY_PARIS_MORNING) == 1
    assert digests_send_due(MONDAY_PARIS_MORNING.replace(hour=10)) == 0  # the next hourly run
    assert digests_send_due(datetime(2026, 12, 7, 7, 30, tzinfo=UTC)) == 1  # the Monday after
    assert len(mail.outbox) == 2
    with unscoped():
        assert DigestSent.objects.filter(merchant=paris_shop).count() == 2 + (1 if send_weekly_digests() else 0)


def test_a_failed_send_is_tried_again_by_the_next_run(paris_shop, monkeypatch):
    member(paris_shop, "yes@example.com")

    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    with pytest.raises(ConnectionRefusedError):
        digests_send_due(MONDAY_PARIS_MORNING)
    with unscoped():
        assert not DigestSent.objects.exists()  # the claim rolled back with the failure
    monkeypatch.undo()
    assert digests_send_due(MONDAY_PARIS_MORNING.replace(hour=9)) == 1


def test_monday_morning_in_each_shops_time_zone(paris_shop):
    new_york = MerchantFactory(name="Brooklyn Candles", time_zone="America/New_York")
    member(paris_shop, "paris@example.com")
    member(new_york, "ny@example.com")
    assert digests_send_due(datetime(2026, 11, 30, 6, 30, tzinfo=UTC)) == 0  # 07:30 in Paris: too early
    assert digests_send_due(MONDAY_PARIS_MORNING) == 1
    assert [email.to for email in mail.outbox] == [["paris@example.com"]]
    assert digests_send_due(MONDAY_NEW_YORK_MORNING) == 1
    assert [email.to for email in mail.outbox] == [["paris@example.com"], ["ny@example.com"]]
    assert digests_send_due(datetime(2026, 11, 29, 13, 30, tzinfo=UTC)) == 0  # a Sunday


def test_a_person_of_two_shops_gets_each_shops_own_figures(paris_shop):
    other = MerchantFactory(name="Atelier Nord", time_zone="Europe/Paris")
    with merchant_scope(other):
        order(other, "n1", "z@example.org", paris(2026, 11, 25, 10), "7.00")
    user = member(paris_shop, "both@example.com")
    with merchant_scope(other):
        MembershipFactory(merchant=other, user=user)
    assert digests_send_due(MONDAY_PARIS_MORNING) == 2
    by_shop = {email.subject.split(":")[0]: email.body for email in mail.outbox}
    assert "Orders: 2" in by_shop[paris_shop.name] and "€7.00" not in by_shop[paris_shop.name]
    assert "Orders: 1" in by_shop["Atelier Nord"] and "€7.00" in by_shop["Atelier Nord"]
    assert "€60.00" not in by_shop["Atelier Nord"] and paris_shop.name not in by_shop["Atelier Nord"]


def test_in_the_persons_language(paris_shop):
    member(paris_shop, "fr@example.com", language="fr")
    digests_send_due(MONDAY_PARIS_MORNING)
    (email,) = mail.outbox
    assert email.subject.startswith(f"{paris_shop.name}\u00a0: votre semaine, lun. 23")
    assert "Commandes\u00a0: 2 (+100\u00a0%)" in email.body, email.body and "60,00\u00a0€" in email.body
    assert "Rien à surveiller\u00a0: aucun envoi en retard." in email.body


def unsubscribe_url(body: str) -> str:
    line = next(line for line in body.splitlines() if "/digest/unsubscribe/" in line)
    return line[line.index("http") :].removeprefix("http://testserver").split("://", 1)[-1].partition("/")[2]


def test_the_unsubscribe_link_asks_then_stops(client, paris_shop):
    user = member(paris_shop, "yes@example.com")
    digests_send_due(MONDAY_PARIS_MORNING)
    path = "/" + unsubscribe_url(mail.outbox[0].body)
    assert path == f"/app/analytics/digest/unsubscribe/{unsubscribe_token(user)}/"
    page = client.get(path)
    assert page.status_code == 200 and "Stop the weekly digest?" in page.content.decode()
    assert DigestOptIn.objects.filter(user=user).exists()  # opening the link (a mail scanner) stops nothing
    assert "No more weekly digest" in client.post(path).content.decode()
    assert not DigestOptIn.objects.filter(user=user).exists()
    assert client.post(path).status_code == 200  # twice: the same answer
    assert digests_send_due(datetime(2026, 12, 7, 7, 30, tzinfo=UTC)) == 0


@pytest.mark.parametrize("token", ["not-a-token", "MTI:1tampered:signature"])
def test_a_bad_unsubscribe_token_is_a_400_and_changes_nothing(client, paris_shop, token):
    user = member(paris_shop, "yes@example.com")
    forged = unsubscribe_token(user)[:-2] + "xx"
    for bad in (token, forged):
        for method in (client.get, client.post):
            response = method(f"/app/analytics/digest/unsubscribe/{bad}/")
            assert response.status_code == 400 and "This link is not valid" in response.content.decode()
    assert DigestOptIn.objects.filter(user=user).exists()


def test_the_notifications_page_turns_it_on_and_off(client, merchant, owner):
    login_as(client, owner, merchant)
    page = client.get("/app/analytics/digest/")
    assert page.status_code == 200 and "Send me the weekly email digest" in page.content.decode()
    # The box stands before its words, in the label a click on the words ticks it (not under the help text).
    assert re.search(
        r'<label class="choice-label"><input type="checkbox" name="weekly_digest"[^>]*> Send me', page.content.decode()
    )
    for _twice in range(2):
        assert client.post("/app/analytics/digest/", {"weekly_digest": "on"}).status_code == 302
    assert DigestOptIn.objects.filter(user=owner).count() == 1
    client.post("/app/analytics/digest/", {})
    assert not DigestOptIn.objects.filter(user=owner).exists()
    assert "/app/analytics/digest/" in client.get("/accounts/profile/").content.decode()

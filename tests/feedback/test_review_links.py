"""Review invitations and their links (feedback/review_links.py, review_views.py): the same links for every
score, a signed redirect that counts clicks, HEAD and tampered links, and only the shop's own URLs."""

import re
import threading

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from catalogue.models import Product
from core.event_kinds import event_kinds
from core.scoping import merchant_scope
from feedback.models_reviews import ReviewClick
from feedback.review_links import LinkTarget, review_token, review_token_read
from feedback.review_services import review_click_record
from orders.models import OrderEvent
from tests.factories import LineItemFactory, OrderFactory

from .reviews_support import GOOGLE, TRUSTPILOT, Answer, destinations_save, rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(merchant):
    return OrderFactory(merchant=merchant)


def invitation(merchant, response) -> str:
    request = RequestFactory().get("/thanks/")
    return render_to_string(
        "feedback/_review_invitation.html", {"merchant": merchant, "response": response}, request=request
    )


def link_paths(html: str) -> list[str]:
    return [re.sub(r"^https?://[^/]+", "", url) for url in re.findall(r'href="([^"]+/r/[^"]+)"', html)]


def click_path(merchant, order=None, destination="google", key=None) -> str:
    target = LinkTarget(
        merchant.pk, destination, key or f"order:{order.pk if order else 0}", order.pk if order else None, None
    )
    return reverse("review-click", kwargs={"token": review_token(target)})


def clicked_events(merchant):
    with merchant_scope(merchant):
        return list(OrderEvent.objects.filter(merchant=merchant, kind="review.clicked"))


def test_every_score_sees_the_same_invitation(merchant, order):
    destinations_save(merchant)
    pages = [invitation(merchant, Answer(7, order.pk, order.customer_id, score)) for score in (0, 1, 3, 5, 6, 10)]
    targets = [[review_token_read(path.split("/")[2]) for path in link_paths(page)] for page in pages]
    assert all(found == targets[0] for found in targets)  # the same destinations, for the same answer
    without_tokens = {re.sub(r"/r/[^/]+/", "/r/…/", page) for page in pages}  # the token is signed with the time
    assert len(without_tokens) == 1
    assert "Review us on Google" in pages[0] and "Review us on Trustpilot" in pages[0]
    assert len(link_paths(pages[0])) == 2


def test_no_destination_no_invitation(merchant, order):
    assert invitation(merchant, Answer(7, order.pk, order.customer_id, 9)).strip() == ""
    destinations_save(merchant, shown=[])
    assert invitation(merchant, None).strip() == ""


def test_invitation_in_french(merchant, order, settings):
    from django.utils import translation

    destinations_save(merchant)
    with translation.override("fr"):
        html = invitation(merchant, Answer(7, order.pk, order.customer_id, 9))
    assert "Donnez votre avis sur Google" in html and "Voulez-vous partager votre expérience" in html


def test_a_click_redirects_to_the_shops_link_and_is_counted(client, merchant, order):
    destinations_save(merchant)
    path = link_paths(invitation(merchant, Answer(7, order.pk, order.customer_id, 2)))[0]
    first = client.get(path)
    assert first.status_code == 302 and first["Location"] == GOOGLE
    assert "no-cache" in first["Cache-Control"] or "max-age=0" in first["Cache-Control"]
    client.get(path)
    client.get(path)
    (click,) = rows(merchant, ReviewClick)
    assert (click.key, click.destination, click.clicks, click.order_id) == ("response:7", "google", 3, order.pk)
    (event,) = clicked_events(merchant)  # counted every time, recorded once
    assert event.order_id == order.pk
    assert event.payload["destination"] == "google" and event.payload["invitation"] == "response:7"


def test_each_destination_and_invitation_counts_apart(client, merchant, order):
    destinations_save(merchant)
    for path in link_paths(invitation(merchant, Answer(7, order.pk, order.customer_id, 9))):
        client.get(path)
    client.get(click_path(merchant, order))  # the order's email: another invitation
    assert sorted((c.key, c.destination) for c in rows(merchant, ReviewClick)) == [
        (f"order:{order.pk}", "google"),
        ("response:7", "google"),
        ("response:7", "trustpilot"),
    ]
    assert len(clicked_events(merchant)) == 3


def test_head_redirects_and_counts_nothing(client, merchant, order):
    destinations_save(merchant)
    for _ in range(5):
        answer = client.head(click_path(merchant, order, "trustpilot"))
        assert answer.status_code == 302 and answer["Location"] == TRUSTPILOT
    assert rows(merchant, ReviewClick) == [] and clicked_events(merchant) == []


def test_post_is_refused_and_counts_nothing(client, merchant, order):
    destinations_save(merchant)
    assert client.post(click_path(merchant, order)).status_code == 405
    assert rows(merchant, ReviewClick) == []


@pytest.mark.parametrize(
    "token",
    ["garbage", "eyJtIjoxfQ:1t:abc", "x" * 300],
)
def test_tampered_links_give_a_friendly_404(client, merchant, token):
    destinations_save(merchant)
    answer = client.get(f"/r/{token}/")
    assert answer.status_code == 404
    assert "This review link is not available" in answer.content.decode()
    assert rows(merchant, ReviewClick) == []


def test_a_link_whose_signature_was_edited_is_refused(client, merchant, order):
    destinations_save(merchant)
    path = click_path(merchant, order)
    token = path.split("/")[2]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(f"/r/{forged}/").status_code == 404


def test_a_destination_no_longer_shown_is_not_followed(client, merchant, order):
    destinations_save(merchant)
    path = click_path(merchant, order, "trustpilot")
    destinations_save(merchant, shown=["google"])
    answer = client.get(path)
    assert answer.status_code == 404 and merchant.name in answer.content.decode()
    assert rows(merchant, ReviewClick) == []


def test_a_changed_link_sends_old_invitations_to_the_new_one(client, merchant, order):
    destinations_save(merchant)
    path = click_path(merchant, order)
    destinations_save(merchant, google_url="https://g.page/r/CabcDEF/review")
    assert client.get(path)["Location"] == "https://g.page/r/CabcDEF/review"


def test_a_link_naming_another_shops_order_counts_without_it(client, merchant, other_merchant):
    """A token is ours, but an order id from elsewhere never ties the click to that order."""
    destinations_save(merchant)
    foreign = OrderFactory(merchant=other_merchant)
    target = LinkTarget(merchant.pk, "google", "order:x", foreign.pk, foreign.customer_id)
    answer = client.get(reverse("review-click", kwargs={"token": review_token(target)}))
    assert answer.status_code == 302
    (click,) = rows(merchant, ReviewClick)
    assert click.order_id is None and click.customer_id is None
    assert rows(other_merchant, ReviewClick) == []


def test_the_product_page_is_the_orders_first_product_with_a_page(client, merchant, order):
    LineItemFactory(merchant=merchant, order=order, product_id="p-without-page")
    LineItemFactory(merchant=merchant, order=order, product_id="p-candle")
    with merchant_scope(merchant):
        Product.objects.create(merchant=merchant, product_id="p-without-page", title="Gift card")
        Product.objects.create(
            merchant=merchant, product_id="p-candle", title="Candle", url="https://shop.example.com/candle#reviews"
        )
    destinations_save(merchant, shown=["product"])
    paths = link_paths(invitation(merchant, Answer(7, order.pk, order.customer_id, 4)))
    assert len(paths) == 1
    assert client.get(paths[0])["Location"] == "https://shop.example.com/candle#reviews"
    assert invitation(merchant, Answer(8, None, order.customer_id, 4)).strip() == ""  # no order: no product


def test_a_click_costs_a_pinned_number_of_queries(client, merchant, order, django_assert_num_queries):
    destinations_save(merchant)
    path = click_path(merchant, order)
    client.get(path)
    with django_assert_num_queries(5):  # settings with its shop; savepoint, count, read back, release
        client.get(path)


def test_review_events_reach_outbound_webhooks(merchant):
    kinds = {entry.kind: entry for entry in event_kinds(webhook=True)}
    assert {"review.clicked", "review.reported"} <= set(kinds)
    assert str(kinds["review.clicked"].label) == "Review link clicked"


@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_the_same_moment_count_twice_and_record_once(monkeypatch):
    """Both requests find no row and insert: the second waits for the first, fails, and counts on its row."""
    from django.db import connection

    from orders.models import Order
    from tests.factories import MerchantFactory

    merchant = MerchantFactory()
    order = OrderFactory(merchant=merchant)
    destinations_save(merchant)
    both_inside = threading.Barrier(2, timeout=10)
    real_filter = Order.objects.filter

    def filter_after_both_arrive(*args, **kwargs):
        both_inside.wait()  # both have counted on no row and are about to insert one
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Order.objects, "filter", filter_after_both_arrive)
    target = LinkTarget(merchant.pk, "google", f"order:{order.pk}", order.pk, None)
    errors = []

    def click():
        try:
            review_click_record(merchant=merchant, target=target)
        except Exception as exc:  # reported below: a thread's exception would be lost
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    monkeypatch.undo()
    assert errors == []
    (row,) = rows(merchant, ReviewClick)
    assert row.clicks == 2 and len(clicked_events(merchant)) == 1


def test_a_click_without_an_order_shows_on_the_customers_page(client, merchant):
    from orders.selectors import customer_timeline
    from tests.factories import CustomerFactory

    customer = CustomerFactory(merchant=merchant)
    destinations_save(merchant)
    (path, _trustpilot) = link_paths(invitation(merchant, Answer(9, None, customer.pk, 8)))
    client.get(path)
    (event,) = clicked_events(merchant)
    assert event.order_id is None and event.payload["customer_id"] == customer.pk
    with merchant_scope(merchant):
        entries = [entry for entry in customer_timeline(customer) if entry.kind == "review.clicked"]
    assert [(entry.label, entry.detail) for entry in entries] == [("Review link clicked", "Google")]

"""Staff pages under /app/returns/: the queue, bulk approval, a return's page and moves, the CSV; roles and isolation."""

import csv
import io
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone

from core.scoping import merchant_scope, unscoped
from merchants.models import Role
from returns.exports import neutralised
from returns.lifecycle import (
    ItemInput,
    return_approve,
    return_receive,
    return_reject,
    return_request_create,
    return_resolve,
)
from returns.models import ReturnItem, ReturnNote, ReturnPolicy, ReturnRequest, ReturnStatus
from returns.photos import photo_prepare
from tests.conftest import login_as
from tests.factories import (
    CustomerFactory,
    LineItemFactory,
    MembershipFactory,
    MerchantFactory,
    OrderFactory,
    UserFactory,
)
from tests.returns.images import picture, upload

pytestmark = pytest.mark.django_db

S = ReturnStatus
INDEX = "/app/returns/"


def staff(merchant, client, role, language="en"):
    user = UserFactory(email=f"{role}-{merchant.slug}@example.com", full_name=f"Sam {role}", language=language)
    with merchant_scope(merchant):
        MembershipFactory(merchant=merchant, user=user, role=role)
    return login_as(client, user, merchant)


@pytest.fixture
def policy(merchant):
    with merchant_scope(merchant):
        return ReturnPolicy.objects.create(
            merchant=merchant,
            methods=["ship_yourself", "label", "keep_it"],
            fee=Decimal("3"),
            keep_it_below=Decimal(50),
        )


@pytest.fixture
def agent(merchant, client):
    return staff(merchant, client, Role.AGENT)


def make_return(merchant, *, days_ago=0, reason="too_big", method="ship_yourself", customer=None, titles=("Candle",)):
    """A return asked `days_ago` days ago for one of each item of a fresh order."""
    asked = timezone.now() - timedelta(days=days_ago)
    with merchant_scope(merchant):
        customer = customer or CustomerFactory(merchant=merchant)
        order = OrderFactory(merchant=merchant, customer=customer, placed_at=asked - timedelta(days=1))
        lines = [
            LineItemFactory(merchant=merchant, order=order, title=title, unit_price=Decimal("30"), sku=f"SKU-{title}")
            for title in titles
        ]
    items = [ItemInput(line.pk, 1, reason, "too tight on the shoulders") for line in lines]
    return return_request_create(order=order, items=items, method=method, now=asked)


def reload(ret) -> ReturnRequest:
    with unscoped():
        return ReturnRequest.objects.get(pk=ret.pk)


def notes(ret) -> list[tuple[str, str]]:
    with unscoped():
        return list(ReturnNote.objects.filter(request=ret).values_list("status", "text"))


def url(ret, suffix=""):
    return f"{INDEX}{ret.pk}/{suffix}"


def rmas(response) -> list[str]:
    return [ret.rma for ret in response.context["returns"]]


# --- The queue -------------------------------------------------------------------------------------


def test_the_section_replaces_the_placeholder_and_opens_on_what_needs_action(agent, merchant, policy):
    waiting = make_return(merchant, days_ago=5)
    approved = make_return(merchant, days_ago=8)
    return_approve(request=approved)
    broken_label = make_return(merchant, days_ago=4)
    return_approve(request=broken_label)
    with unscoped():
        ReturnRequest.objects.filter(pk=broken_label.pk).update(label_error="Address rejected by the carrier")
    received = make_return(merchant, days_ago=10)
    return_approve(request=received)
    with unscoped():
        item_ids = list(ReturnItem.objects.filter(request=received).values_list("pk", flat=True))
    return_receive(request=received, inspections=dict.fromkeys(item_ids, "as_expected"))

    response = agent.get(INDEX)
    assert response.status_code == 200
    # Oldest first: the customer who waits longest comes first; the approved return with its label made is not there.
    assert rmas(response) == [received.rma, waiting.rma, broken_label.rma]
    html = response.text
    assert "Label failed" in html and "10 days" in html and "€30.00" not in html  # 30.00 minus the 3.00 fee
    assert "€27.00" in html
    counts = {tab["label"]: tab["count"] for tab in response.context["tabs"]}
    assert counts["All"] == 3 and counts["Requested"] == 1 and counts["Approved"] == 1 and counts["Received"] == 1
    assert response.context["needs_action_count"] == 3
    assert agent.get(f"{INDEX}?status=").context["needs_action_count"] == 3  # of 4 returns: one approved is fine


@pytest.mark.parametrize(
    "query, expected",
    [
        ("status=", ["old_damaged", "mid_label", "new_keep"]),
        ("status=approved", ["mid_label"]),
        ("status=resolved", ["new_keep"]),  # a kept item's return is resolved (its refund asked) once approved
        ("status=&reason=damaged", ["old_damaged"]),
        ("status=&method=keep_it", ["new_keep"]),
        ("status=&age=7", ["old_damaged", "mid_label"]),
        ("status=&age=14", ["old_damaged"]),
        ("status=&age=7&method=label", ["mid_label"]),
        ("needs_action=on", ["old_damaged"]),
    ],
)
def test_the_queue_filters_by_status_reason_method_age_and_needs_action(agent, merchant, policy, query, expected):
    made = {
        "old_damaged": make_return(merchant, days_ago=20, reason="damaged"),
        "mid_label": make_return(merchant, days_ago=9, method="label"),
        "new_keep": make_return(merchant, days_ago=1, method="keep_it"),
    }
    return_approve(request=made["mid_label"])
    return_approve(request=made["new_keep"])
    response = agent.get(f"{INDEX}?{query}")
    assert rmas(response) == [made[name].rma for name in expected]


def test_the_tabs_count_each_status_under_the_other_filters_and_keep_them(agent, merchant, policy):
    make_return(merchant, reason="damaged")
    make_return(merchant, reason="too_big")
    rejected = make_return(merchant, reason="damaged")
    return_reject(request=rejected, reason="Worn")
    response = agent.get(f"{INDEX}?status=&reason=damaged")
    tabs = {tab["label"]: tab for tab in response.context["tabs"]}
    assert tabs["All"]["count"] == 2 and tabs["Requested"]["count"] == 1 and tabs["Rejected"]["count"] == 1
    assert "reason=damaged" in tabs["Rejected"]["query"] and "status=rejected" in tabs["Rejected"]["query"]
    assert tabs["All"]["current"] and not tabs["Rejected"]["current"]


def test_approve_selected_is_offered_only_with_a_requested_return_to_tick(agent, merchant, policy):
    approved = make_return(merchant)
    return_approve(request=approved)
    assert "Approve selected" not in agent.get(f"{INDEX}?status=approved").text
    make_return(merchant)
    assert "Approve selected" in agent.get(f"{INDEX}?status=").text


def test_a_filter_it_does_not_know_is_ignored_and_said(agent, merchant, policy):
    make_return(merchant)
    response = agent.get(f"{INDEX}?status=lost&age=abc")
    assert response.status_code == 200 and len(rmas(response)) == 1
    assert "Some filters were not understood and are ignored." in response.text


def test_the_queue_pages_by_25(agent, merchant, policy):
    customer = None
    for _n in range(26):
        make_return(merchant, customer=customer)
    first, second = agent.get(f"{INDEX}?status="), agent.get(f"{INDEX}?status=&page=2")
    assert len(rmas(first)) == 25 and len(rmas(second)) == 1
    assert "status=&amp;page=2" in first.text


def test_the_queue_query_count_does_not_grow_with_rows(agent, merchant, policy, django_assert_num_queries):
    make_return(merchant, titles=("Candle", "Vase"))
    agent.get(INDEX)  # warms the session and per-process caches
    with django_assert_num_queries(6) as few:
        agent.get(f"{INDEX}?status=")
    for _n in range(5):
        make_return(merchant, titles=("Candle", "Vase", "Lamp"))
    with django_assert_num_queries(len(few.captured_queries)):
        response = agent.get(f"{INDEX}?status=")
    assert len(rmas(response)) == 6 and response.context["returns"][0].items_count == 2


# --- Bulk approval -----------------------------------------------------------------------------------


def test_bulk_approve_moves_each_and_says_which_could_not(agent, merchant, policy):
    first, second, taken = make_return(merchant), make_return(merchant), make_return(merchant)
    return_reject(request=taken, reason="Already sent back once")  # someone else got there first
    response = agent.post(
        f"{INDEX}bulk-approve/", {"returns": [first.pk, second.pk, taken.pk], "query": "status=requested"}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"{INDEX}?status=requested"
    assert reload(first).status == S.APPROVED and reload(second).status == S.APPROVED
    assert reload(taken).status == S.REJECTED
    shown = [str(message) for message in response.context["messages"]]
    assert shown[0] == f"2 returns approved: {first.rma}, {second.rma}."
    assert shown[1] == f"{taken.rma} was not approved. This return is rejected: it cannot become approved."
    with unscoped():
        assert ReturnNote.objects.get(request=first, status=S.APPROVED).author.email.startswith("agent")


def test_bulk_approve_without_a_selection_is_refused_with_the_queue(agent, merchant, policy):
    waiting = make_return(merchant)
    response = agent.post(f"{INDEX}bulk-approve/", {"returns": ["x", ""], "query": "status="})
    assert response.status_code == 400 and "Select the returns to approve first." in response.text
    assert rmas(response) == [waiting.rma] and reload(waiting).status == S.REQUESTED


def test_bulk_approve_never_reaches_another_merchants_return(agent, merchant, policy):
    other = MerchantFactory(slug="other-shop")
    with merchant_scope(other):
        ReturnPolicy.objects.create(merchant=other, methods=["ship_yourself"])
    theirs = make_return(other)
    response = agent.post(f"{INDEX}bulk-approve/", {"returns": [theirs.pk]}, follow=True)
    assert reload(theirs).status == S.REQUESTED
    assert [str(m) for m in response.context["messages"]] == [
        "A selected return no longer exists: it was not approved."
    ]


# --- A return's page -----------------------------------------------------------------------------------


def test_the_return_page_shows_items_totals_label_history_timeline_and_audit(agent, merchant, policy):
    with merchant_scope(merchant):
        customer = CustomerFactory(merchant=merchant, email="camille@example.org")
    earlier = make_return(merchant, customer=customer, days_ago=40)
    ret = make_return(merchant, customer=customer, titles=("Candle", "Vase"), days_ago=2)
    return_approve(request=ret)
    with unscoped():
        ReturnRequest.objects.filter(pk=ret.pk).update(
            label_url="https://labels.example.com/l/1.pdf", tracking_number="1Z999", label_error="No such street"
        )
    response = agent.get(url(ret))
    html = response.text
    assert response.status_code == 200
    for text in ("Candle", "SKU-Vase", "Too big", "too tight on the shoulders", "€60.00", "€3.00", "€57.00"):
        assert text in html
    assert "https://labels.example.com/l/1.pdf" in html and "1Z999" in html
    assert "The return label could not be made:" in html and "No such street" in html
    assert f'href="{url(earlier)}"' in html  # the customer's other return
    assert (
        "<strong>Return requested</strong> — " in html and "<strong>Return approved</strong>" in html
    )  # order timeline
    assert f'href="/app/orders/{ret.order_id}/"' in html
    assert "moved to Approved" in html
    # Approved: receive, refund now and cancel are offered; approve and reject are not.
    assert url(ret, "receive/") in html and url(ret, "resolve/") in html and url(ret, "cancel/") in html
    assert url(ret, "approve/") not in html and url(ret, "reject/") not in html


def test_the_return_page_query_count_does_not_grow_with_items_and_notes(
    agent, merchant, policy, django_assert_num_queries
):
    small = make_return(merchant)
    agent.get(url(small))  # warms the session and per-process caches
    with django_assert_num_queries(11) as few:
        agent.get(url(small))
    big = make_return(merchant, customer=small.customer, titles=("Candle", "Vase", "Lamp", "Bowl"))
    return_approve(request=big)
    with django_assert_num_queries(len(few.captured_queries)):
        agent.get(url(big))


def test_approve_then_a_second_click_is_told_and_changes_nothing(agent, merchant, policy):
    ret = make_return(merchant)
    response = agent.post(url(ret, "approve/"))
    assert response.status_code == 302 and reload(ret).status == S.APPROVED
    again = agent.post(url(ret, "approve/"))
    assert again.status_code == 409
    assert "Nothing was changed. This return is approved: it cannot become approved." in again.text
    assert [status for status, _text in notes(ret)] == [S.REQUESTED, S.APPROVED]


@pytest.mark.django_db(transaction=True)
def test_two_staff_approving_at_once_approve_once(merchant, policy):
    ret = make_return(merchant)
    clients = [staff(merchant, Client(), Role.AGENT), staff(merchant, Client(), Role.ADMIN)]
    barrier, codes = threading.Barrier(2), []

    def approve(client):
        try:
            barrier.wait()
            codes.append(client.post(url(ret, "approve/")).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [302, 409]
    assert [status for status, _text in notes(ret)].count(S.APPROVED) == 1


def test_reject_needs_a_reason_the_customer_reads(agent, merchant, policy):
    ret = make_return(merchant)
    refused = agent.post(url(ret, "reject/"), {"reason": "   "})
    assert refused.status_code == 400 and "Say why: the customer reads this reason." in refused.text
    assert reload(ret).status == S.REQUESTED
    assert agent.post(url(ret, "reject/"), {"reason": "Worn and washed"}).status_code == 302
    ret = reload(ret)
    assert ret.status == S.REJECTED and ret.rejection_reason == "Worn and washed"


def test_receive_records_each_items_inspection(agent, merchant, policy):
    ret = make_return(merchant, titles=("Candle", "Vase"))
    return_approve(request=ret)
    with unscoped():
        candle, vase = ReturnItem.objects.filter(request=ret).order_by("id")
    incomplete = agent.post(url(ret, "receive/"), {f"inspection-{candle.pk}": "damaged"})
    assert incomplete.status_code == 400 and "Record what you found for every item of the return." in incomplete.text
    wrong = agent.post(url(ret, "receive/"), {f"inspection-{candle.pk}": "lost", f"inspection-{vase.pk}": "missing"})
    assert wrong.status_code == 400 and reload(ret).status == S.APPROVED
    done = agent.post(url(ret, "receive/"), {f"inspection-{candle.pk}": "damaged", f"inspection-{vase.pk}": "missing"})
    assert done.status_code == 302 and reload(ret).status == S.RECEIVED
    with unscoped():
        assert dict(ReturnItem.objects.filter(request=ret).values_list("pk", "inspection")) == {
            candle.pk: "damaged",
            vase.pk: "missing",
        }
    page = agent.get(url(ret)).text
    assert "Damaged" in page and "Missing" in page and url(ret, "resolve/") in page and url(ret, "cancel/") not in page


def test_refund_now_resolves_and_cancel_cancels(agent, merchant, policy):
    received = make_return(merchant)
    return_approve(request=received)
    assert agent.post(url(received, "resolve/")).status_code == 302 and reload(received).status == S.RESOLVED
    waiting = make_return(merchant)
    assert agent.post(url(waiting, "cancel/")).status_code == 302 and reload(waiting).status == S.CANCELLED
    refused = agent.post(url(waiting, "resolve/"))
    assert refused.status_code == 409 and "it cannot become resolved" in refused.text
    assert reload(waiting).status == S.CANCELLED


def test_a_move_the_status_does_not_allow_is_refused_and_not_offered(agent, merchant, policy):
    ret = make_return(merchant)
    return_reject(request=ret, reason="Worn")
    page = agent.get(url(ret)).text
    for move in ("approve/", "reject/", "receive/", "resolve/", "cancel/"):
        assert url(ret, move) not in page
    assert agent.post(url(ret, "receive/"), {}).status_code == 400  # no item field: the form is refused first
    for move in ("approve/", "resolve/", "cancel/"):
        assert agent.post(url(ret, move)).status_code == 409
    assert agent.post(url(ret, "reject/"), {"reason": "Again"}).status_code == 409
    assert reload(ret).status == S.REJECTED and reload(ret).rejection_reason == "Worn"


def test_staff_add_notes_to_the_audit_trail(agent, merchant, policy):
    ret = make_return(merchant)
    assert agent.post(url(ret, "notes/"), {"text": "  "}).status_code == 400
    assert agent.post(url(ret, "notes/"), {"text": "Called the customer: parcel leaves Monday"}).status_code == 302
    assert notes(ret)[-1] == ("", "Called the customer: parcel leaves Monday")
    page = agent.get(url(ret)).text
    assert "Called the customer: parcel leaves Monday" in page and "Sam agent" in page


# --- Roles and isolation ---------------------------------------------------------------------------


def test_viewers_read_everything_but_cannot_act(client, merchant, policy):
    ret = make_return(merchant)
    viewer = staff(merchant, client, Role.VIEWER)
    listing, page = viewer.get(INDEX), viewer.get(url(ret))
    assert listing.status_code == 200 and page.status_code == 200
    assert 'name="returns"' not in listing.text and url(ret, "approve/") not in page.text
    assert "Your role lets you read returns" in page.text
    assert viewer.get(f"{INDEX}export.csv?from=2020-01-01&to=2020-01-02").status_code == 200
    posts = {
        "approve/": {},
        "reject/": {"reason": "No"},
        "receive/": {},
        "cancel/": {},
        "resolve/": {},
        "notes/": {"text": "Hi"},
    }
    for suffix, data in posts.items():
        assert viewer.post(url(ret, suffix), data).status_code == 403
    assert viewer.post(f"{INDEX}bulk-approve/", {"returns": [ret.pk]}).status_code == 403
    assert reload(ret).status == S.REQUESTED and len(notes(ret)) == 1


def test_another_merchants_return_is_not_found(agent, merchant, policy):
    other = MerchantFactory(slug="elsewhere")
    with merchant_scope(other):
        ReturnPolicy.objects.create(merchant=other, methods=["ship_yourself"])
    theirs = make_return(other)
    assert agent.get(url(theirs)).status_code == 404
    assert agent.post(url(theirs, "approve/")).status_code == 404
    assert agent.post(url(theirs, "notes/"), {"text": "Hello"}).status_code == 404
    assert reload(theirs).status == S.REQUESTED and len(notes(theirs)) == 1
    assert theirs.rma not in agent.get(f"{INDEX}?status=").text


# --- The order page ----------------------------------------------------------------------------------


def test_the_order_page_lists_its_returns(agent, merchant, policy):
    ret = make_return(merchant)
    html = agent.get(f"/app/orders/{ret.order_id}/").text
    assert f'href="{url(ret)}"' in html and ret.rma in html and "Requested" in html
    with merchant_scope(merchant):
        bare = OrderFactory(merchant=merchant)
    assert "No return for this order." in agent.get(f"/app/orders/{bare.pk}/").text


# --- The CSV export ------------------------------------------------------------------------------------


def export_rows(response) -> list[dict]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_export_has_one_row_per_item_for_the_days_asked(agent, merchant, policy):
    ret = make_return(merchant, titles=("Candle", "Vase"), days_ago=3)
    make_return(merchant, days_ago=40)  # outside the range
    day = timezone.localtime(ret.created_at, merchant.tzinfo).date()
    rows = export_rows(agent.get(f"{INDEX}export.csv?from={day}&to={day}"))
    assert [(row["rma"], row["title"], row["sku"]) for row in rows] == [
        (ret.rma, "Candle", "SKU-Candle"),
        (ret.rma, "Vase", "SKU-Vase"),
    ]
    row = rows[0]
    assert row["status"] == "requested" and row["reason"] == "too_big" and row["method"] == "ship_yourself"
    assert row["item_amount"] == "30.00" and row["refund_amount"] == "57.00" and row["currency"] == "EUR"
    assert row["quantity"] == "1" and row["order_number"] == ret.order.number and row["inspection"] == ""


def test_the_export_neutralises_formulas(agent, merchant, policy):
    ret = make_return(merchant, titles=('=HYPERLINK("http://x")',))
    with unscoped():
        ret.order.line_items.update(sku="+33 1 23")
        ReturnRequest.objects.filter(pk=ret.pk).update(customer=None)
        ret.order.__class__.objects.filter(pk=ret.order_id).update(email="@evil@example.org")
    today = timezone.localdate(timezone=merchant.tzinfo)
    row = export_rows(agent.get(f"{INDEX}export.csv?from={today}&to={today}"))[0]
    assert row["title"] == '\'=HYPERLINK("http://x")' and row["sku"] == "'+33 1 23"
    assert row["customer_email"] == "'@evil@example.org"
    assert [neutralised(v) for v in ("-2", "\tx", "\rx", "ok", None)] == ["'-2", "'\tx", "'\rx", "ok", ""]


@pytest.mark.parametrize(
    "query, message",
    [
        ("", "Give the first day (YYYY-MM-DD)."),
        ("from=2026-01-01", "Give the last day (YYYY-MM-DD)."),
        ("from=01/02/2026&to=2026-02-01", "Write dates as YYYY-MM-DD."),
        ("from=2026-02-30&to=2026-03-01", "Write dates as YYYY-MM-DD."),
        ("from=2026-03-01&to=2026-02-01", "The first day comes after the last one."),
        ("from=2024-01-01&to=2026-01-01", "Export at most 366 days at a time."),
    ],
)
def test_the_export_refuses_bad_dates(agent, query, message):
    response = agent.get(f"{INDEX}export.csv?{query}")
    assert response.status_code == 400 and message in response.content.decode()


# --- French ---------------------------------------------------------------------------------------------


def test_the_pages_speak_french(client, merchant, policy):
    ret = make_return(merchant)
    french = staff(merchant, client, Role.AGENT, language="fr")
    listing = french.get(INDEX).text
    assert "Retours" in listing and "Accepter la sélection" in listing and "27,00\u00a0€" in listing
    page = french.get(url(ret)).text
    assert "Refuser le retour" in page and "Trop grand" in page and "Historique de ce retour" in page


def test_the_return_page_gathers_what_other_parts_did_for_the_return(
    agent, merchant, policy, settings, tmp_path, django_capture_on_commit_callbacks
):
    """Photos, the label's refusal with a retry, the packing slip and the refund waiting for staff."""
    settings.RETURN_PHOTOS_DIR = str(tmp_path / "photos")
    with merchant_scope(merchant):
        order = OrderFactory(merchant=merchant, placed_at=timezone.now() - timedelta(days=2))
        line = LineItemFactory(merchant=merchant, order=order, title="Candle", unit_price=Decimal("30"))
    photo = photo_prepare(upload(picture()))
    item = ItemInput(line.pk, 1, "damaged", "cracked", photos=(photo,))
    ret = return_request_create(order=order, items=[item], method="label")
    return_approve(request=ret)
    with unscoped():
        ReturnRequest.objects.filter(pk=ret.pk).update(label_error="No rate from USPS.")
    page = agent.get(url(ret)).content.decode()
    assert "No rate from USPS." in page and f"/app/returns/{ret.pk}/label/retry/" in page
    assert f"/app/returns/{ret.pk}/slip.pdf" in page and "/app/returns/photos/" in page
    with django_capture_on_commit_callbacks(execute=True):  # the refund's first attempt
        return_resolve(request=reload(ret))  # no shop access given: the refund waits for staff
    page = agent.get(url(ret)).content.decode()
    assert "The refund waits for you" in page and "/app/shop-actions/" in page


def test_staff_complete_the_items_of_a_shop_return_the_shop_did_not_name(agent, merchant, policy):
    from returns.shop_returns import shop_return_create

    with merchant_scope(merchant):
        order = OrderFactory(merchant=merchant, placed_at=timezone.now() - timedelta(days=3))
        candle = LineItemFactory(merchant=merchant, order=order, title="Candle", unit_price=Decimal("30"), quantity=2)
        LineItemFactory(merchant=merchant, order=order, title="Vase", unit_price=Decimal("40"))
    ret, _notes = shop_return_create(order=order, shop_return_id="gid://shopify/Return/1", lines=None)
    page = agent.get(url(ret)).content.decode()
    assert "Which items does this return hold?" in page and f'name="quantity-{candle.pk}"' in page
    # More than was bought, or no reason from the list: refused, nothing recorded.
    assert (
        agent.post(url(ret, "items/"), {f"quantity-{candle.pk}": "3", f"reason-{candle.pk}": "too_big"}).status_code
        == 400
    )
    assert (
        agent.post(url(ret, "items/"), {f"quantity-{candle.pk}": "1", f"reason-{candle.pk}": "bored"}).status_code
        == 400
    )
    assert reload(ret).items_unknown
    viewer = staff(merchant, Client(), Role.VIEWER)
    assert (
        viewer.post(url(ret, "items/"), {f"quantity-{candle.pk}": "1", f"reason-{candle.pk}": "too_big"}).status_code
        == 403
    )
    response = agent.post(url(ret, "items/"), {f"quantity-{candle.pk}": "2", f"reason-{candle.pk}": "too_big"})
    assert response.status_code == 302
    done = reload(ret)
    assert (done.items_unknown, done.items_amount, done.refund_amount) == (False, Decimal("60"), Decimal("60"))
    with merchant_scope(merchant):
        assert list(done.items.values_list("line_item__title", "quantity", "reason")) == [("Candle", 2, "too_big")]
    again = agent.post(url(ret, "items/"), {f"quantity-{candle.pk}": "1", f"reason-{candle.pk}": "too_big"})
    assert again.status_code == 409  # known now: a second submit changes nothing


def test_the_export_form_offers_the_last_30_days_of_the_shops_calendar(merchant, client):
    """At 00:30 in Paris (23:30 UTC the day before), the export ends on the shop's today."""
    staff(merchant, client, Role.VIEWER)
    with time_machine.travel(datetime(2026, 12, 1, 23, 30, tzinfo=UTC), tick=False):
        html = client.get("/app/returns/").content.decode()
    assert 'value="2026-12-02"' in html and 'value="2026-11-02"' in html

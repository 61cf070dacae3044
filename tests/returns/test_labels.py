"""Return labels: the EasyPost adapter, buying once after approval, refusals, retries (returns/labels/)."""

import json
import uuid
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
import requests
from django.test import Client
from django.utils import timezone

from core.scoping import merchant_scope
from merchants.credentials import credential_set
from merchants.models import Role
from orders.models import OrderEvent
from portal.links import order_token
from returns.labels.base import LabelError
from returns.labels.models import LabelSettings, ParcelSize, ReturnLabel
from returns.labels.services import (
    LabelRetryError,
    parcel_for,
    return_label_buy,
    return_label_retry,
    return_labels_sweep,
)
from returns.lifecycle import ItemInput, return_approve, return_request_create
from returns.models import ReturnPolicy, ReturnRequest, ReturnStatus
from returns.tasks import buy_return_label
from tests.conftest import login_as
from tests.factories import LineItemFactory, MembershipFactory, OrderFactory, UserFactory

pytestmark = pytest.mark.django_db
API = "https://api.easypost.com/v2"

# --- Fixtures written from wire_formats_2.md §4 -----------------------------------------------


def shipment_created(shipment_id="shp_0a1b2c3d4e"):
    """§4.2: the Shipment with its rates, not bought yet (null postage_label and tracking_code)."""
    return {
        "id": shipment_id,
        "object": "Shipment",
        "is_return": True,
        "messages": [],
        "postage_label": None,
        "tracking_code": None,
        "forms": [],
        "rates": [
            {"id": "rate_ups_ground", "carrier": "UPS", "service": "Ground", "rate": "9.80", "currency": "USD"},
            {
                "id": "rate_usps_ground",
                "carrier": "USPS",
                "service": "GroundAdvantage",
                "rate": "6.95",
                "currency": "USD",
            },
            {"id": "rate_usps_priority", "carrier": "USPS", "service": "Priority", "rate": "8.10", "currency": "USD"},
            {"id": "rate_fedex_home", "carrier": "FedEx", "service": "FEDEX_GROUND", "rate": "5.40", "currency": "USD"},
        ],
    }


def shipment_bought(shipment_id="shp_0a1b2c3d4e", rate="rate_usps_ground", forms=()):
    """§4.3: the Shipment after /buy, with selected_rate, postage_label, tracking_code and tracker."""
    carrier, service = {"rate_usps_ground": ("USPS", "GroundAdvantage"), "rate_ups_ground": ("UPS", "Ground")}[rate]
    return {
        **shipment_created(shipment_id),
        "selected_rate": {"id": rate, "carrier": carrier, "service": service, "rate": "6.95", "currency": "USD"},
        "postage_label": {
            "label_url": "https://easypost-files.s3.amazonaws.com/files/postage_label/20261204/label.png",
            "label_pdf_url": "https://easypost-files.s3.amazonaws.com/files/postage_label/20261204/label.pdf",
            "label_file_type": "image/png",
            "label_size": "4x6",
            "label_resolution": 300,
            "label_date": "2026-12-04T15:40:00Z",
        },
        "tracking_code": "9400100000000000000001",
        "tracker": {"id": "trk_9f8e7d", "public_url": "https://track.easypost.com/djE6dHJrXzlmOGU3ZA"},
        "forms": list(forms),
    }


QR_FORM = {
    "id": "form_5e6f7a",
    "object": "Form",
    "mode": "test",
    "form_type": "label_qr_code",
    "form_url": "https://easypost-files.s3.amazonaws.com/files/form/20261204/qr.png",
    "submitted_electronically": None,
    "created_at": "2026-12-04T15:40:02Z",
    "updated_at": "2026-12-04T15:40:02Z",
}
INVALID_ADDRESS = {
    "error": {
        "code": "ADDRESS.VERIFY.FAILURE",
        "message": "Unable to verify address.",
        "errors": [{"field": "street1", "message": "House number is missing", "suggestion": None}],
    }
}


def reply(status, body=None, text=None):
    response = requests.Response()
    response.status_code = status
    response._content = (json.dumps(body) if body is not None else text or "").encode()
    response.reason = {200: "OK", 201: "Created"}.get(status, "Error")
    return response


class FakeEasyPost:
    """Answers (method, path) from a queue of replies; records every call. An Exception in the queue is raised."""

    def __init__(self, replies: dict):
        self.replies = {key: list(value) for key, value in replies.items()}
        self.calls = []

    def __call__(self, session, method, url, json=None, **kwargs):
        path = url.removeprefix(API)
        self.calls.append((method, path, json, kwargs.get("auth")))
        answers = self.replies.get((method, path))
        if not answers:
            raise AssertionError(f"unexpected call {method} {path}")
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def paths(self):
        return [f"{method} {path}" for method, path, _body, _auth in self.calls]


def easypost(replies):
    fake = FakeEasyPost(replies)
    return fake, mock.patch.object(requests.Session, "request", autospec=True, side_effect=fake)


HAPPY = {
    ("POST", "/shipments"): [reply(201, shipment_created())],
    ("POST", "/shipments/shp_0a1b2c3d4e/buy"): [reply(200, shipment_bought())],
    ("POST", "/shipments/shp_0a1b2c3d4e/forms"): [reply(201, QR_FORM)],
}

# --- The shop, an order, a return -----------------------------------------------------------


@pytest.fixture
def shop(merchant):
    with merchant_scope(merchant):
        ReturnPolicy.objects.create(merchant=merchant, methods=["label", "qr_dropoff", "ship_yourself"])
        LabelSettings.objects.create(
            merchant=merchant,
            provider="easypost",
            carriers=["USPS", "UPS"],
            address_name="Acme Returns",
            address_street1="417 Montgomery St",
            address_street2="Fl 5",
            address_city="San Francisco",
            address_state="CA",
            address_zip="94104",
            address_country="US",
            address_phone="4155550199",
        )
    credential_set(merchant, "easypost_api_key", "EZTK_test_key")
    return merchant


@pytest.fixture
def order(merchant):
    order = OrderFactory(
        merchant=merchant,
        shipping_name="Jane Doe",
        shipping_address1="179 N Harbor Dr",
        shipping_city="Redondo Beach",
        shipping_postal_code="90277",
        shipping_country="US",
    )
    LineItemFactory(merchant=merchant, order=order, title="Candle", quantity=2, product_type="candle")
    LineItemFactory(merchant=merchant, order=order, title="Coat", quantity=1, product_type="coat")
    return order


def requested(order, method="label") -> ReturnRequest:
    with merchant_scope(order.merchant):
        lines = list(order.line_items.order_by("id"))
    return return_request_create(order=order, items=[ItemInput(lines[0].pk, 1, "too_big")], method=method)


def fresh(the_return) -> ReturnRequest:
    with merchant_scope(the_return.merchant):
        return ReturnRequest.objects.get(pk=the_return.pk)


def label_row(the_return) -> ReturnLabel:
    with merchant_scope(the_return.merchant):
        return ReturnLabel.objects.get(request=the_return)


# --- Approval buys the label once -------------------------------------------------------------


def test_approving_a_label_return_buys_the_cheapest_rate_of_the_chosen_carriers(
    shop, order, django_capture_on_commit_callbacks
):
    the_return = requested(order)
    fake, patched = easypost(HAPPY)
    with patched, django_capture_on_commit_callbacks(execute=True):
        return_approve(request=the_return)
    done = fresh(the_return)
    assert done.status == ReturnStatus.APPROVED
    assert done.label_url.endswith("label.pdf") and done.tracking_number == "9400100000000000000001"
    assert done.qr_code_url == "" and done.label_error == ""
    assert fake.paths() == ["POST /shipments", "POST /shipments/shp_0a1b2c3d4e/buy"]
    created, buy = fake.calls[0][2], fake.calls[1][2]
    assert buy == {"rate": {"id": "rate_usps_ground"}}  # FedEx is cheaper but not one of the shop's carriers
    shipment = created["shipment"]
    assert shipment["is_return"] is True and shipment["reference"] == the_return.rma
    # The same addresses as the outbound parcel: EasyPost swaps them itself.
    assert shipment["to_address"]["street1"] == "179 N Harbor Dr"
    assert shipment["from_address"] == {
        "name": "Acme Returns",
        "street1": "417 Montgomery St",
        "street2": "Fl 5",
        "city": "San Francisco",
        "state": "CA",
        "zip": "94104",
        "country": "US",
        "phone": "4155550199",
    }
    assert shipment["parcel"] == {"length": 11.8, "width": 7.9, "height": 3.9, "weight": 17.6}  # 500 g
    assert fake.calls[0][3] == ("EZTK_test_key", "")  # HTTP Basic, the key as user name
    row = label_row(the_return)
    assert (row.shipment_id, row.carrier, row.service) == ("shp_0a1b2c3d4e", "USPS", "GroundAdvantage")
    assert row.bought_at is not None and row.claim_token is None
    with merchant_scope(shop):
        ready = OrderEvent.objects.get(order=order, kind="return.label_ready")
    assert ready.payload["tracking_number"] == "9400100000000000000001" and ready.payload["rma"] == the_return.rma
    # The label's parcel is tracked as the return's: its first scan moves the return in transit.
    assert (done.shipment.direction, done.shipment.tracking_number) == ("return", "9400100000000000000001")


def test_a_qr_drop_off_return_gets_the_label_qr_code_form(shop, order, django_capture_on_commit_callbacks):
    the_return = requested(order, method="qr_dropoff")
    fake, patched = easypost(HAPPY)
    with patched, django_capture_on_commit_callbacks(execute=True):
        return_approve(request=the_return)
    done = fresh(the_return)
    assert done.qr_code_url == QR_FORM["form_url"] and done.label_url
    assert fake.paths()[-1] == "POST /shipments/shp_0a1b2c3d4e/forms"
    assert fake.calls[-1][2] == {"form": {"type": "label_qr_code"}}


def test_auto_approval_buys_the_label_too(shop, order, django_capture_on_commit_callbacks):
    with merchant_scope(shop):
        ReturnPolicy.objects.filter(merchant=shop).update(auto_approve=True)
    fake, patched = easypost(HAPPY)
    with patched, django_capture_on_commit_callbacks(execute=True):
        the_return = requested(order)
    assert fresh(the_return).status == ReturnStatus.APPROVED and fresh(the_return).label_url
    assert fake.paths().count("POST /shipments/shp_0a1b2c3d4e/buy") == 1


def test_ship_yourself_and_no_provider_buy_nothing(shop, order, django_capture_on_commit_callbacks):
    fake, patched = easypost({})
    with patched, django_capture_on_commit_callbacks(execute=True):
        return_approve(request=requested(order, method="ship_yourself"))
        with merchant_scope(shop):
            LabelSettings.objects.filter(merchant=shop).update(provider="none")
        the_return = requested(order, method="label")
        return_approve(request=the_return)
    assert fake.calls == []
    assert fresh(the_return).label_url == "" and fresh(the_return).label_error == ""


# --- Never twice -----------------------------------------------------------------------------


def test_a_retried_task_after_a_crash_finds_the_bought_shipment_instead_of_buying_again(shop, order):
    the_return = requested(order)
    return_approve(request=the_return)  # on-commit callbacks not run: the task is called by hand below
    crash = {**HAPPY, ("POST", "/shipments/shp_0a1b2c3d4e/buy"): [reply(200, shipment_bought())]}
    fake, patched = easypost(crash)
    # The worker dies right after EasyPost sold the label, before recording it.
    with patched, mock.patch("returns.labels.services._record_label", side_effect=SystemExit("worker killed")):
        with pytest.raises(SystemExit):
            return_label_buy(merchant=shop, return_id=the_return.pk)
    assert label_row(the_return).shipment_id == "shp_0a1b2c3d4e"  # stored before the purchase
    with merchant_scope(shop):  # the lease of the dead worker runs out
        ReturnLabel.objects.filter(request=the_return).update(claimed_until=timezone.now() - timedelta(seconds=1))
    again, patched = easypost({("GET", "/shipments/shp_0a1b2c3d4e"): [reply(200, shipment_bought())]})
    with patched:
        buy_return_label.delay(shop.pk, the_return.pk)
    assert again.paths() == ["GET /shipments/shp_0a1b2c3d4e"]  # looked up, not bought again
    assert fresh(the_return).tracking_number == "9400100000000000000001"
    assert label_row(the_return).attempts == 2


def test_a_shipment_created_but_not_bought_is_bought_on_retry_without_a_new_shipment(shop, order):
    the_return = requested(order)
    return_approve(request=the_return)
    fake, patched = easypost({**HAPPY, ("POST", "/shipments/shp_0a1b2c3d4e/buy"): [requests.ConnectionError()]})
    with patched, pytest.raises(LabelError):
        return_label_buy(merchant=shop, return_id=the_return.pk)
    again, patched = easypost(
        {
            ("GET", "/shipments/shp_0a1b2c3d4e"): [reply(200, shipment_created())],
            ("POST", "/shipments/shp_0a1b2c3d4e/buy"): [reply(200, shipment_bought())],
        }
    )
    with patched:
        return_label_buy(merchant=shop, return_id=the_return.pk)
    assert again.paths() == ["GET /shipments/shp_0a1b2c3d4e", "POST /shipments/shp_0a1b2c3d4e/buy"]
    assert fresh(the_return).label_url


def test_a_return_with_its_label_or_claimed_by_another_worker_is_left_alone(shop, order):
    the_return = requested(order)
    return_approve(request=the_return)
    fake, patched = easypost(HAPPY)
    with patched:
        return_label_buy(merchant=shop, return_id=the_return.pk)
        return_label_buy(merchant=shop, return_id=the_return.pk)  # redelivered task
    assert fake.paths().count("POST /shipments") == 1
    other = requested(order, method="qr_dropoff")
    return_approve(request=other)
    with merchant_scope(shop):
        ReturnLabel.objects.create(
            merchant=shop, request=other, provider="easypost", claimed_until=timezone.now() + timedelta(minutes=1)
        )
    busy, patched = easypost({})
    with patched:
        assert return_label_buy(merchant=shop, return_id=other.pk) is None
    assert busy.calls == []


def test_the_sweep_queues_labels_the_broker_lost_and_only_those(shop, order, merchant, other_merchant):
    lost = requested(order)
    return_approve(request=lost)  # its on-commit task never ran: the broker was down
    tried = requested(order, method="qr_dropoff")
    return_approve(request=tried)
    with merchant_scope(shop):
        ReturnLabel.objects.create(merchant=shop, request=tried, provider="easypost")
    other = OrderFactory(merchant=other_merchant)
    line = LineItemFactory(merchant=other_merchant, order=other)
    with merchant_scope(other_merchant):
        ReturnPolicy.objects.create(merchant=other_merchant, methods=["label"])  # and no label provider
    no_provider = return_approve(
        request=return_request_create(order=other, items=[ItemInput(line.pk, 1, "too_big")], method="label")
    )
    later = timezone.now() + timedelta(minutes=11)
    with mock.patch("returns.tasks.buy_return_label.delay") as queued:
        assert return_labels_sweep(now=timezone.now()) == 0  # too recent: its own task may still run
        assert return_labels_sweep(now=later) == 1
    queued.assert_called_once_with(shop.pk, lost.pk)
    assert no_provider.label_url == ""


# --- Refusals ---------------------------------------------------------------------------------


def test_no_rate_from_the_chosen_carriers_leaves_a_message_for_staff(shop, order):
    with merchant_scope(shop):
        LabelSettings.objects.filter(merchant=shop).update(carriers=["DHLExpress"])
    the_return = requested(order)
    return_approve(request=the_return)
    fake, patched = easypost(HAPPY)
    with patched:
        buy_return_label.delay(shop.pk, the_return.pk)  # permanent: no retry
    done = fresh(the_return)
    assert done.status == ReturnStatus.APPROVED and done.label_url == ""
    assert "DHLExpress" in done.label_error
    assert fake.paths() == ["POST /shipments"]


def test_an_invalid_address_gives_easypost_s_reasons_in_the_staff_s_language(shop, order):
    the_return = requested(order)
    return_approve(request=the_return)
    fake, patched = easypost({("POST", "/shipments"): [reply(422, INVALID_ADDRESS)]})
    with patched:
        buy_return_label.delay(shop.pk, the_return.pk)
    error = fresh(the_return).label_error
    assert "HTTP 422" in error and "Unable to verify address." in error and "street1: House number is missing" in error
    assert error.startswith("EasyPost a refusé")  # the shop's default language is French
    assert len(fake.calls) == 1  # not retried: resending the same address cannot help
    assert label_row(the_return).claim_token is None


def test_errors_given_as_plain_strings_are_shown_too(shop, order):
    the_return = requested(order)
    return_approve(request=the_return)
    body = {"error": {"code": "PARCEL.INVALID", "message": "Invalid parcel", "errors": ["weight must be > 0"]}}
    fake, patched = easypost({("POST", "/shipments"): [reply(400, body)]})
    with patched, pytest.raises(LabelError):
        return_label_buy(merchant=shop, return_id=the_return.pk)
    assert "weight must be > 0" in fresh(the_return).label_error


@pytest.mark.parametrize(
    "trouble",
    [
        reply(429, {"error": {"code": "RATE_LIMITED", "message": "Too many requests"}}),
        reply(503, text="<html>"),
        requests.Timeout("read timed out"),
        reply(200, text="not json"),
    ],
    ids=["429", "503", "timeout", "unreadable"],
)
def test_transient_errors_are_retried_with_backoff_then_the_label_is_bought(shop, order, trouble):
    the_return = requested(order)
    return_approve(request=the_return)
    fake, patched = easypost({**HAPPY, ("POST", "/shipments"): [trouble, reply(201, shipment_created())]})
    countdowns = []
    real_retry = buy_return_label.retry

    def retry(*args, countdown=None, **kwargs):
        countdowns.append(countdown)
        return real_retry(*args, countdown=countdown, **kwargs)

    with patched, mock.patch.object(buy_return_label, "retry", side_effect=retry):
        buy_return_label.apply(args=(shop.pk, the_return.pk), throw=False)
    assert countdowns == [30]
    done = fresh(the_return)
    assert done.label_url and done.label_error == ""  # the message of the failed attempt is cleared


def test_a_transient_error_is_shown_to_staff_while_waiting_for_the_retry(shop, order):
    the_return = requested(order)
    return_approve(request=the_return)
    fake, patched = easypost({("POST", "/shipments"): [reply(503, text="")]})
    with patched, pytest.raises(LabelError) as refused:
        return_label_buy(merchant=shop, return_id=the_return.pk)
    assert refused.value.transient
    assert "503" in fresh(the_return).label_error and fresh(the_return).status == ReturnStatus.APPROVED


def test_missing_shop_address_or_api_key_are_said_plainly(shop, order):
    with merchant_scope(shop):
        LabelSettings.objects.filter(merchant=shop).update(address_street1="")
    the_return = requested(order)
    return_approve(request=the_return)
    with pytest.raises(LabelError):
        return_label_buy(merchant=shop, return_id=the_return.pk)
    assert "adresse de la boutique" in fresh(the_return).label_error
    with merchant_scope(shop):
        LabelSettings.objects.filter(merchant=shop).update(address_street1="417 Montgomery St")
    fake, patched = easypost({("POST", "/shipments"): [reply(401, {"error": {"code": "APIKEY.INACTIVE"}})]})
    with patched, pytest.raises(LabelError):
        return_label_buy(merchant=shop, return_id=the_return.pk)
    assert "clé" in fresh(the_return).label_error


# --- Staff retry ------------------------------------------------------------------------------


def test_staff_retry_queues_the_purchase_again_only_when_it_makes_sense(
    shop, order, django_capture_on_commit_callbacks
):
    the_return = requested(order)
    return_approve(request=the_return)
    fake, patched = easypost({("POST", "/shipments"): [reply(422, INVALID_ADDRESS)]})
    with patched, pytest.raises(LabelError):
        return_label_buy(merchant=shop, return_id=the_return.pk)
    fake, patched = easypost(HAPPY)
    with patched, django_capture_on_commit_callbacks(execute=True):
        return_label_retry(fresh(the_return))
    assert fresh(the_return).label_url and fresh(the_return).label_error == ""
    with pytest.raises(LabelRetryError, match="already has its label"):
        return_label_retry(fresh(the_return))
    with pytest.raises(LabelRetryError, match="does not travel on a label"):
        return_label_retry(requested(order, method="ship_yourself"))


def test_the_staff_retry_url_needs_an_agent_of_the_shop(
    shop, order, staff_client, other_merchant, django_capture_on_commit_callbacks
):
    the_return = requested(order)
    return_approve(request=the_return)
    url = f"/app/returns/{the_return.pk}/label/retry/"
    with mock.patch("returns.tasks.buy_return_label.delay") as queued, django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url)
    assert response.status_code == 302 and response["Location"] == f"/app/returns/{the_return.pk}/"
    assert queued.call_count == 1
    assert staff_client.get(url).status_code == 405
    done = requested(order, method="ship_yourself")
    refused = staff_client.post(f"/app/returns/{done.pk}/label/retry/")
    assert refused.status_code == 400 and "travel on a label" in refused.content.decode()
    viewer = UserFactory(email="viewer@maison-lumiere.example.com")
    with merchant_scope(shop):
        MembershipFactory(merchant=shop, user=viewer, role=Role.VIEWER)
    assert login_as(Client(), viewer, shop).post(url).status_code == 403
    stranger = UserFactory(email="agent@other.example")
    with merchant_scope(other_merchant):
        MembershipFactory(merchant=other_merchant, user=stranger, role=Role.AGENT)
    assert login_as(Client(), stranger, other_merchant).post(url).status_code == 404


# --- Parcels -----------------------------------------------------------------------------------


def test_the_parcel_is_the_biggest_box_and_the_weight_of_every_unit(shop, order):
    with merchant_scope(shop):
        ParcelSize.objects.create(
            merchant=shop, product_type="coat", length_cm=60, width_cm=40, height_cm=15, weight_g=1500
        )
        lines = list(order.line_items.order_by("id"))
    the_return = return_request_create(
        order=order, items=[ItemInput(lines[0].pk, 2, "too_big"), ItemInput(lines[1].pk, 1, "too_big")], method="label"
    )
    with merchant_scope(shop):
        parcel = parcel_for(the_return, LabelSettings.objects.get(merchant=shop))
    assert (parcel.length_cm, parcel.width_cm, parcel.height_cm) == (Decimal(60), Decimal(40), Decimal(15))
    assert parcel.weight_g == 2 * 500 + 1500


# --- The label settings page ------------------------------------------------------------------

SETTINGS_URL = "/app/returns/settings/labels/"


def settings_form(**changes):
    form = {
        "provider": "easypost",
        "easypost_api_key": "EZTK_new_key",
        "carriers_text": "USPS, UPS , USPS",
        "address_name": "Acme Returns",
        "address_street1": "417 Montgomery St",
        "address_city": "San Francisco",
        "address_state": "CA",
        "address_zip": "94104",
        "address_country": "us",
        "parcel_length_cm": "35",
        "parcel_width_cm": "25",
        "parcel_height_cm": "12",
        "parcel_weight_g": "700",
        "sizes_text": "coat = 60 x 40 x 15, 1500\nscarf = 20,5 x 15 x 3 cm; 150 g",
        "received_on_delivery": "on",
    }
    return {**form, **changes}


def test_admins_save_the_label_settings(merchant, staff_client):
    with merchant_scope(merchant):
        ReturnPolicy.objects.create(merchant=merchant, methods=["label"])
    assert staff_client.get(SETTINGS_URL).status_code == 200
    response = staff_client.post(SETTINGS_URL, settings_form())
    assert response.status_code == 302
    with merchant_scope(merchant):
        saved = LabelSettings.objects.get(merchant=merchant)
        sizes = {size.product_type: size for size in ParcelSize.objects.filter(merchant=merchant)}
        policy = ReturnPolicy.objects.get(merchant=merchant)
    assert saved.provider == "easypost" and saved.carriers == ["USPS", "UPS"] and saved.address_country == "US"
    assert (saved.parcel_length_cm, saved.parcel_weight_g) == (Decimal(35), 700)
    assert sizes["scarf"].length_cm == Decimal("20.5") and sizes["coat"].weight_g == 1500
    assert policy.received_on_delivery is True
    from merchants.credentials import credential_get

    assert credential_get(merchant, "easypost_api_key") == "EZTK_new_key"
    page = staff_client.get(SETTINGS_URL).content.decode()
    assert "EZTK_new_key" not in page and "coat = 60.0 x 40.0 x 15.0, 1500" in page
    # Saved again without a key: the saved one stays.
    assert staff_client.post(SETTINGS_URL, settings_form(easypost_api_key="")).status_code == 302
    assert credential_get(merchant, "easypost_api_key") == "EZTK_new_key"


@pytest.mark.parametrize(
    "changes, field_message",
    [
        ({"sizes_text": "coat is big"}, "Line 1"),
        ({"sizes_text": "coat = 60 x 40 x 15, 1500\ncoat = 1 x 1 x 1, 1"}, "already listed"),
        ({"sizes_text": "coat = 900 x 40 x 15, 1500"}, "Line 1"),
        ({"carriers_text": "USPS, <script>"}, "is not a carrier name"),
        ({"address_country": "France"}, "Two letters"),
        ({"address_street1": ""}, "full address"),
        ({"parcel_weight_g": "0"}, "greater than or equal to 1"),
        ({"provider": "shippo"}, "Select a valid choice"),
    ],
)
def test_bad_label_settings_are_refused_with_a_message_and_nothing_saved(
    merchant, staff_client, changes, field_message
):
    response = staff_client.post(SETTINGS_URL, settings_form(**changes), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert field_message in response.content.decode().replace("&lt;", "<")
    with merchant_scope(merchant):
        assert not LabelSettings.objects.filter(merchant=merchant).exists()
        assert not ParcelSize.objects.exists()


def test_easypost_without_an_api_key_is_refused(merchant, staff_client):
    response = staff_client.post(SETTINGS_URL, settings_form(easypost_api_key=""))
    assert response.status_code == 400 and "API key" in response.content.decode()
    # Without a provider, nothing more is needed.
    assert staff_client.post(SETTINGS_URL, settings_form(provider="none", easypost_api_key="")).status_code == 302


def test_only_admins_see_the_label_settings(merchant):
    for role in (Role.VIEWER, Role.AGENT):
        user = UserFactory(email=f"{role}@maison-lumiere.example.com")
        with merchant_scope(merchant):
            MembershipFactory(merchant=merchant, user=user, role=role)
        client = login_as(Client(), user, merchant)
        assert client.get(SETTINGS_URL).status_code == 403
        assert client.post(SETTINGS_URL, settings_form()).status_code == 403


# --- The customer's return page ----------------------------------------------------------------


def portal_url(the_return, lang="en"):
    return f"/returns/{order_token(the_return.order)}/{the_return.rma}/?lang={lang}"


def portal_page(the_return, lang="en"):
    return Client().get(portal_url(the_return, lang))


def with_label(the_return, **fields) -> ReturnRequest:
    with merchant_scope(the_return.merchant):
        ReturnRequest.objects.filter(pk=the_return.pk).update(**fields)
    return fresh(the_return)


def test_the_return_page_shows_the_label_and_the_slip(shop, order, django_assert_num_queries):
    the_return = requested(order)
    return_approve(request=the_return)
    with_label(the_return, label_url="https://easypost-files.s3.amazonaws.com/label.pdf", tracking_number="9400111")
    url = portal_url(the_return)
    with django_assert_num_queries(9):
        response = Client().get(url)
    html = response.content.decode()
    assert 'href="https://easypost-files.s3.amazonaws.com/label.pdf"' in html and "Download the label" in html
    assert "Tracking number: 9400111" in html and f"/{the_return.rma}/slip.pdf?lang=en" in html
    assert "Print the prepaid label" in html


def test_the_return_page_shows_the_qr_code_in_french(shop, order):
    the_return = requested(order, method="qr_dropoff")
    return_approve(request=the_return)
    with_label(
        the_return, label_url="https://e.example/l.pdf", qr_code_url="https://easypost-files.s3.amazonaws.com/qr.png"
    )
    html = portal_page(the_return, lang="fr").content.decode()
    assert '<img class="return-qr" src="https://easypost-files.s3.amazonaws.com/qr.png"' in html
    assert "Montrez ce code au point de dépôt" in html and "Imprimer le bordereau de retour (PDF)" in html


def test_the_return_page_says_the_label_will_follow_while_it_is_bought(shop, order):
    the_return = requested(order)
    return_approve(request=the_return)
    with_label(the_return, label_error="EasyPost refused the label (HTTP 422): Unable to verify address.")
    html = portal_page(the_return).content.decode()
    assert "Your return label will follow" in html and "EasyPost" not in html  # the error is for staff only


def test_without_a_provider_the_customer_ships_it_to_the_return_address(shop, order):
    with merchant_scope(shop):
        LabelSettings.objects.filter(merchant=shop).update(provider="none")
        ReturnPolicy.objects.filter(merchant=shop).update(return_address="Maison Lumière\n12 rue des Lilas")
    the_return = requested(order)
    return_approve(request=the_return)
    html = portal_page(the_return).content.decode()
    assert "12 rue des Lilas" in html and f"write {the_return.rma} on the parcel" in html
    assert "Your return label will follow" not in html


def test_a_carrier_without_qr_codes_still_gives_the_customer_a_label_to_print(shop, order):
    the_return = requested(order, method="qr_dropoff")
    return_approve(request=the_return)
    refused = {"error": {"code": "FORM.INVALID", "message": "label_qr_code is only available for USPS"}}
    fake, patched = easypost({**HAPPY, ("POST", "/shipments/shp_0a1b2c3d4e/forms"): [reply(422, refused)]})
    with patched:
        buy_return_label.delay(shop.pk, the_return.pk)
    done = fresh(the_return)
    assert done.label_url and done.qr_code_url == "" and done.tracking_number
    assert "only available for USPS" in done.label_error  # staff know why there is no QR code
    html = portal_page(done).content.decode()
    assert "Download the label" in html and "Print the prepaid label" in html


def test_a_missing_api_key_is_said_before_calling_easypost(shop, order):
    credential_set(shop, "easypost_api_key", "")
    the_return = requested(order)
    return_approve(request=the_return)
    fake, patched = easypost({})
    with patched, pytest.raises(LabelError):
        return_label_buy(merchant=shop, return_id=the_return.pk)
    assert fake.calls == [] and "clé d’API EasyPost" in fresh(the_return).label_error


def test_a_worker_whose_lease_ran_out_does_not_overwrite_the_outcome_of_the_next_one(shop, order):
    the_return = requested(order)
    return_approve(request=the_return)

    def steal_the_claim(*args, **kwargs):
        # While this worker waits on EasyPost, its lease ends and another worker claims the label.
        with merchant_scope(shop):
            ReturnLabel.objects.filter(request=the_return).update(claim_token=uuid.uuid4())
        return reply(201, shipment_created())

    with mock.patch.object(requests.Session, "request", autospec=True, side_effect=steal_the_claim):
        with pytest.raises(LabelError, match="Une autre tentative a repris"):  # the shop's language
            return_label_buy(merchant=shop, return_id=the_return.pk)
    assert fresh(the_return).label_error == ""  # the other worker's outcome is the one staff will see
    assert label_row(the_return).shipment_id == ""  # and no shipment of the stale worker was kept

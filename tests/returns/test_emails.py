"""A return's emails (returns/mail/): one per return event, through the flows engine, in the customer's language."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.apps import apps
from django.core import mail

from core.scoping import merchant_scope
from flows.dispatcher import dispatch_due
from flows.models import Flow, FlowSettings, FlowStep, MessageStatus, ScheduledMessage
from flows.services import StepInput, default_flows_install, step_input_errors
from orders.events import event_publish
from orders.models import OrderEvent
from orders.services import LineItemInput
from returns.lifecycle import (
    ItemInput,
    return_approve,
    return_move,
    return_receive,
    return_reject,
    return_request_create,
    return_resolve,
)
from returns.mail.context import keyed_return_value
from returns.mail.defaults import return_flow_specs
from returns.models import ReturnPolicy, ReturnStatus
from tests.flows.helpers import place_order, publish_pending

pytestmark = pytest.mark.django_db

PLACED = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
ASKED = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def at(moment):
    return time_machine.travel(moment, tick=False)


def dispatch_at(moment) -> list:
    mail.outbox.clear()
    with at(moment):
        dispatch_due()
    return list(mail.outbox)


def html_of(email) -> str:
    return next(content for content, mimetype in email.alternatives if mimetype == "text/html")


def body_of(email) -> str:
    """The HTML part with its entities read (&nbsp; is the no-break space French puts before : and €)."""
    return unescape(html_of(email))


@pytest.fixture
def policy(merchant):
    with merchant_scope(merchant):
        return ReturnPolicy.objects.create(
            merchant=merchant,
            methods=["label", "qr_dropoff", "ship_yourself", "keep_it"],
            fee=Decimal("4.50"),
            keep_it_below=Decimal("100"),
            return_address="Maison Lumière — Retours\n12 rue des Lilas\n69001 Lyon",
        )


def placed(merchant, language="fr", external_id="1001", email="camille@example.org"):
    """An order with its own emails already sent, so the outbox holds only the return's from now on."""
    with at(PLACED):
        order = place_order(
            merchant,
            external_id=external_id,
            email=email,
            customer_external_id=f"cust-{external_id}",
            language=language,
            time_zone="Europe/Paris",
            placed_at=PLACED,
            total="99.80",
            items=[
                LineItemInput(title="Bougie Figuier", quantity=2, unit_price="49.90", product_id="p-candle"),
            ],
        )
        publish_pending(merchant)
        dispatch_due()
    mail.outbox.clear()
    return order


def ask(order, *, method="ship_yourself", quantity=1, moment=ASKED):
    with merchant_scope(order.merchant):
        line = order.line_items.get()
    with at(moment):
        request = return_request_create(
            order=order, items=[ItemInput(line.pk, quantity, "too_big")], method=method, now=moment
        )
        publish_pending(order.merchant)
    return request


def moved(merchant, moment, move, **kwargs):
    with at(moment):
        request = move(**kwargs)
        publish_pending(merchant)
    return request


def scheduled(order):
    with merchant_scope(order.merchant):
        rows = ScheduledMessage.objects.filter(order=order, step__key__startswith="return-")
        return list(rows.select_related("step").order_by("due_at", "id"))


# --- One email per event, in the customer's language ----------------------------------------------
def test_the_whole_return_in_french(merchant, policy):
    order = placed(merchant)
    request = ask(order)
    (email,) = dispatch_at(ASKED)
    assert email.subject == f"Votre retour {request.rma} est enregistré"
    assert email.to == ["camille@example.org"]
    body = body_of(email)
    assert "1 × Bougie Figuier — Trop grand" in body
    assert "45,40\u00a0€" in body and "4,50\u00a0€" in body  # 49.90 − 4.50, in French
    assert "nous examinons votre demande" in body

    moved(merchant, ASKED, return_approve, request=request)
    assert dispatch_at(ASKED + timedelta(minutes=30)) == []  # the approved email waits for the label
    (email,) = dispatch_at(ASKED + HOUR)
    assert email.subject == f"Votre retour {request.rma} est accepté"
    body = body_of(email)
    assert "12 rue des Lilas<br>69001 Lyon" in body and request.rma in body
    assert f'/{request.rma}/?lang=fr"' in html_of(email) and "Voir mon retour" in body

    moved(merchant, ASKED + timedelta(days=3), return_receive, request=request, inspections=_as_expected(request))
    (email,) = dispatch_at(ASKED + timedelta(days=3))
    assert email.subject == f"Nous avons reçu votre retour {request.rma}"
    assert "Votre remboursement de <strong>45,40\u00a0€</strong> suit" in body_of(email)

    moved(merchant, ASKED + timedelta(days=4), return_resolve, request=request)
    assert dispatch_at(ASKED + timedelta(days=4)) == []  # resolved: the refund is asked of the shop
    moved(merchant, ASKED + timedelta(days=4, hours=1), return_move, request=request, to=ReturnStatus.CLOSED)
    (email,) = dispatch_at(ASKED + timedelta(days=4, hours=1))
    assert email.subject == "Votre remboursement de 45,40\u00a0€ est en route"
    assert "sur votre moyen de paiement d’origine" in body_of(email)
    # The J+7 reminder was due meanwhile, and the return had moved on.
    assert dispatch_at(ASKED + timedelta(days=8)) == []
    reminder = next(row for row in scheduled(order) if row.step.key == "return-reminder")
    assert (reminder.status, reminder.skip_reason) == (MessageStatus.SKIPPED, "return_moved_on")


def _as_expected(request):
    with merchant_scope(request.merchant):
        return {pk: "as_expected" for pk in request.items.values_list("pk", flat=True)}


def test_english_customer_and_the_rejection_reason(merchant, policy):
    order = placed(merchant, language="en")
    request = ask(order, quantity=2)
    (email,) = dispatch_at(ASKED)
    assert email.subject == f"Your return {request.rma} is registered"
    assert "2 × Bougie Figuier — Too big" in body_of(email)
    assert "€95.30" in body_of(email)  # 2 × 49.90 − 4.50

    moved(merchant, ASKED + HOUR, return_reject, request=request, reason="Worn & washed <b>twice</b>")
    (email,) = dispatch_at(ASKED + HOUR)
    assert email.subject == f"About your return {request.rma}"
    assert "Worn &amp; washed &lt;b&gt;twice&lt;/b&gt;" in html_of(email)  # the staff's words, escaped
    assert "cannot accept it" in body_of(email)


def test_an_automatically_approved_return_says_so(merchant, policy):
    with merchant_scope(merchant):
        ReturnPolicy.objects.filter(pk=policy.pk).update(auto_approve=True)
    order = placed(merchant, language="en")
    request = ask(order, method="keep_it")
    (email,) = dispatch_at(ASKED)
    assert email.subject == f"Your return {request.rma} is registered"
    assert "it is approved already, and you can keep the item" in body_of(email)
    (email,) = dispatch_at(ASKED + HOUR)
    assert email.subject == f"Your return {request.rma} is approved"
    assert "No need to send anything back: keep the item." in body_of(email)
    # Nothing to send: no reminder (a kept item's return is resolved as soon as it is approved).
    assert dispatch_at(ASKED + timedelta(days=8)) == []
    reminder = next(row for row in scheduled(order) if row.step.key == "return-reminder")
    assert reminder.skip_reason == "return_moved_on"


# --- The way back: the label when it is ready, else what will follow --------------------------------
@pytest.mark.parametrize(
    ("method", "label_url", "qr_code_url", "shown"),
    [
        (
            "label",
            "https://labels.example.com/R.pdf",
            "",
            ['href="https://labels.example.com/R.pdf"', "Print my label"],
        ),
        (
            "qr_dropoff",
            "",
            "https://labels.example.com/R.png",
            ['href="https://labels.example.com/R.png"', "Show my QR"],
        ),
        ("label", "", "", ["Your prepaid label is being prepared"]),
        ("qr_dropoff", "", "", ["Your QR code is being prepared"]),
    ],
)
def test_the_approved_email_carries_the_label_bought_after_approval(
    merchant, policy, method, label_url, qr_code_url, shown
):
    order = placed(merchant, language="en")
    request = ask(order, method=method)
    moved(merchant, ASKED + timedelta(minutes=1), return_approve, request=request)
    with merchant_scope(merchant), at(ASKED + timedelta(minutes=2)):  # the label provider answered
        type(request).objects.filter(pk=request.pk).update(label_url=label_url, qr_code_url=qr_code_url)
    dispatch_at(ASKED)
    (email,) = dispatch_at(ASKED + timedelta(minutes=1) + HOUR)
    assert all(part in body_of(email) for part in shown)


def test_the_return_page_link_is_the_customers_signed_order_link(merchant, policy):
    from portal.links import order_token_read

    order = placed(merchant, language="en")
    request = ask(order)
    (email,) = dispatch_at(ASKED)
    body = body_of(email)
    start = body.index("/returns/")
    link = body[start : body.index('"', start)]
    token, rma = link.split("/")[2:4]
    assert rma == request.rma and order_token_read(token) == (merchant.pk, order.pk)


# --- Once per return and event ------------------------------------------------------------------
def test_a_replayed_event_schedules_nothing_more(merchant, policy):
    order = placed(merchant)
    request = ask(order)
    moved(merchant, ASKED, return_approve, request=request)
    moved(merchant, ASKED + HOUR, return_receive, request=request, inspections=_as_expected(request))
    moved(merchant, ASKED + HOUR, return_resolve, request=request)
    moved(merchant, ASKED + HOUR, return_move, request=request, to=ReturnStatus.CLOSED)
    with merchant_scope(merchant):
        events = OrderEvent.objects.filter(order=order, kind__startswith="return.")
        ids = list(events.values_list("pk", flat=True))
    for _twice in range(2):  # redelivered by the outbox sweep, or published again by hand
        with merchant_scope(merchant):
            OrderEvent.objects.filter(pk__in=ids).update(published_at=None)
        for event_id in ids:
            event_publish(event_id=event_id)
    keys = sorted(row.step.key for row in scheduled(order))
    assert keys == sorted(
        ["return-requested", "return-approved", "return-reminder", "return-received", "return-refunded"]
    )
    sent = dispatch_at(ASKED + HOUR)
    assert len(sent) == 4 and dispatch_at(ASKED + 2 * HOUR) == []


def test_each_return_of_an_order_gets_its_own_emails(merchant, policy):
    order = placed(merchant, language="en")
    first = ask(order, quantity=1)
    second = ask(order, quantity=1, moment=ASKED + timedelta(days=1))
    subjects = [email.subject for email in dispatch_at(ASKED + timedelta(days=1))]
    assert sorted(subjects) == sorted(
        [f"Your return {first.rma} is registered", f"Your return {second.rma} is registered"]
    )
    # The first return moves on: its email speaks of it, not of the latest return.
    moved(merchant, ASKED + timedelta(days=2), return_reject, request=first, reason="Too late")
    (email,) = dispatch_at(ASKED + timedelta(days=2))
    assert first.rma in email.subject and second.rma not in body_of(email)


def test_no_email_for_a_return_of_another_shops_order(merchant, other_merchant, policy):
    with merchant_scope(other_merchant):
        ReturnPolicy.objects.create(merchant=other_merchant, methods=["ship_yourself"])
    mine = placed(merchant, external_id="1001", email="camille@example.org")
    theirs = placed(other_merchant, external_id="2001", email="jules@example.org")
    request = ask(theirs)
    sent = dispatch_at(ASKED)
    assert [email.to for email in sent] == [["jules@example.org"]]
    assert scheduled(mine) == []
    with merchant_scope(other_merchant):
        assert all(row.step.merchant_id == other_merchant.pk for row in scheduled(theirs))
    # An email of my shop naming their return finds nothing.
    assert keyed_return_value(mine, f"return:{request.pk}", "en") == {}


def test_the_return_variable_costs_a_few_queries_whatever_the_items(merchant, policy, django_assert_num_queries):
    order = placed(merchant, language="en")
    request = ask(order, quantity=2)
    with merchant_scope(merchant):
        order = type(order).objects.select_related("merchant").get(pk=order.pk)
    # The return, its items, their order lines, the return address (ship it yourself) and the shop's reasons.
    with django_assert_num_queries(5):
        value = keyed_return_value(order, f"return:{request.pk}", "en")
    assert value["rma"] == request.rma and value["item_count"] == "2" and value["refund_amount"] == "€95.30"


# --- The reminder ----------------------------------------------------------------------------------
def test_the_reminder_goes_once_a_week_after_approval_while_the_parcel_has_not_left(merchant, policy):
    order = placed(merchant, language="en")
    request = ask(order, method="ship_yourself")
    moved(merchant, ASKED, return_approve, request=request)
    dispatch_at(ASKED + HOUR)
    assert dispatch_at(ASKED + timedelta(days=6)) == []
    # 7 days after approval, in the 10:00–18:00 window of the customer (Paris).
    (email,) = dispatch_at(datetime(2026, 3, 17, 9, 0, tzinfo=UTC))
    assert email.subject == f"A reminder about your return {request.rma}"
    assert "Maison Lumière — Retours<br>12 rue des Lilas" in body_of(email)
    assert dispatch_at(datetime(2026, 3, 25, 9, 0, tzinfo=UTC)) == []


@pytest.mark.parametrize("move", ["in_transit", "cancelled"])
def test_no_reminder_once_the_return_moved_on(merchant, policy, move):
    order = placed(merchant, language="en")
    request = ask(order, method="label")
    moved(merchant, ASKED, return_approve, request=request)
    moved(merchant, ASKED + timedelta(days=2), return_move, request=request, to=move)
    dispatch_at(ASKED + HOUR)
    assert dispatch_at(datetime(2026, 3, 17, 9, 0, tzinfo=UTC)) == []
    reminder = next(row for row in scheduled(order) if row.step.key == "return-reminder")
    assert (reminder.status, reminder.skip_reason) == (MessageStatus.SKIPPED, "return_moved_on")


def test_a_cancelled_return_gets_no_approved_email(merchant, policy):
    order = placed(merchant, language="en")
    request = ask(order, method="label")
    moved(merchant, ASKED, return_approve, request=request)
    moved(merchant, ASKED + timedelta(minutes=10), return_move, request=request, to=ReturnStatus.CANCELLED)
    dispatch_at(ASKED)
    assert dispatch_at(ASKED + HOUR) == []


def test_the_reminder_delay_is_the_merchants_to_edit(merchant, policy):
    order = placed(merchant, language="en")
    with merchant_scope(merchant):
        FlowStep.objects.filter(key="return-reminder").update(delay_days=3)
    request = ask(order, method="ship_yourself")
    moved(merchant, ASKED, return_approve, request=request)
    dispatch_at(ASKED + HOUR)
    (email,) = dispatch_at(datetime(2026, 3, 13, 9, 0, tzinfo=UTC))
    assert "reminder" in email.subject


# --- Installed for every shop, editable like any step --------------------------------------------------
def test_new_shops_get_the_return_flows_and_the_templates_validate(merchant):
    default_flows_install(merchant=merchant)
    with merchant_scope(merchant):
        flows = {flow.key: flow for flow in Flow.objects.filter(key__startswith="return-")}
        assert {key: flow.event_kind for key, flow in flows.items()} == {
            "return-requested": "return.requested",
            "return-approved": "return.approved",
            "return-rejected": "return.rejected",
            "return-received": "return.received",
            "return-refunded": "return.closed",
        }
        assert all(flow.kind == "transactional" for flow in flows.values())
        steps = list(FlowStep.objects.filter(flow__in=flows.values()).prefetch_related("templates"))
    assert len(steps) == 6
    for step in steps:
        templates = {
            t.language: {"subject": t.subject, "preheader": t.preheader, "html_body": t.html_body}
            for t in step.templates.all()
        }
        assert set(templates) == {"en", "fr"}
        data = StepInput(name=step.name, delay_days=step.delay_days, stop_rules=step.stop_rules, templates=templates)
        assert step_input_errors(merchant, data) == {}, step.key


def test_existing_shops_get_the_return_flows_once(merchant):
    from importlib import import_module

    install = import_module("returns.migrations.0006_default_flows").install_return_flows
    default_flows_install(merchant=merchant)
    with merchant_scope(merchant):
        Flow.objects.filter(key__startswith="return-").exclude(key="return-rejected").delete()
        FlowStep.objects.filter(key="return-rejected").update(name="Edited by the shop")
        assert FlowSettings.objects.get().defaults_installed_at is not None
    install(apps, None)
    install(apps, None)
    with merchant_scope(merchant):
        keys = sorted(Flow.objects.filter(key__startswith="return-").values_list("key", flat=True))
        assert keys == sorted(flow["key"] for flow, _steps in return_flow_specs())
        assert FlowStep.objects.get(key="return-rejected").name == "Edited by the shop"
        assert FlowStep.objects.filter(key="return-reminder").count() == 1


def test_the_flows_pages_list_them_and_the_merchant_edits_the_reminder(staff_client, merchant):
    merchant.default_language = "en"
    merchant.save(update_fields=["default_language"])
    page = staff_client.get("/app/flows/").content.decode()
    assert "Return approved" in page and "Refund issued" in page
    with merchant_scope(merchant):
        reminder = FlowStep.objects.select_related("flow").get(key="return-reminder")
        data = {
            "name": reminder.name,
            "active": "on",
            "delay_days": "10",
            "delay_hours": "0",
            "window_start": "10:00",
            "window_end": "18:00",
            "window_time_zone": "customer",
            "stop_rules": ["return_moved_on", "return_kept"],
            "action": "save",
        }
        for template in reminder.templates.all():
            for field in ("subject", "preheader", "html_body", "text_body"):
                data[f"{template.language}-{field}"] = getattr(template, field)
    url = f"/app/flows/{reminder.flow.pk}/steps/{reminder.pk}/"
    assert "Don&#x27;t forget your return" in staff_client.get(url).content.decode()
    assert staff_client.post(url, data).status_code == 302
    with merchant_scope(merchant):
        reminder.refresh_from_db()
    assert reminder.delay_days == 10 and reminder.stop_rules == ["return_moved_on", "return_kept"]


# --- Exchanges: confirmed (what, when it ships), shipped (the tracking link) -------------------------------


def _exchange_asked(merchant, policy, new_price="49.90", method="ship_yourself", language="fr"):
    """A French customer swaps her candle of 400 g (49.90) for one of 200 g (at `new_price`, the same by default):
    the return and its order."""
    from catalogue.models import Product, Variant

    policy.resolutions = ["exchange_variant", "refund"]
    policy.save()
    with merchant_scope(merchant):
        product = Product.objects.create(merchant=merchant, product_id="p-candle", title="Bougie Figuier")
        for position, size in enumerate(("200 g", "400 g")):
            Variant.objects.create(
                merchant=merchant,
                product=product,
                variant_id=f"v-{position}",
                title=size,
                price=Decimal(new_price if position == 0 else "49.90"),
                currency="EUR",
                available=3,
                position=position,
            )
    order = placed(merchant, language=language)
    with merchant_scope(merchant):
        line = order.line_items.get()
        line.variant_id, line.variant_title = "v-1", "400 g"
        line.save()
        smaller = Variant.objects.get(variant_id="v-0")
    with at(ASKED):
        request = return_request_create(
            order=order,
            items=[ItemInput(line.pk, 1, "too_big", exchange_variant_id=smaller.pk)],
            method=method,
            resolution="exchange_variant",
            now=ASKED,
        )
        publish_pending(merchant)
    return order, request


def test_an_exchange_is_confirmed_then_shipped_in_french(merchant, policy):
    from orders.services import OrderInput, order_upsert
    from tracking.services import shipment_upsert

    order, request = _exchange_asked(merchant, policy)
    emails = {email.subject: email for email in dispatch_at(ASKED)}
    confirmed = emails[f"Votre échange {request.rma} est confirmé"]
    body = body_of(confirmed)
    assert "1 × Bougie Figuier (<strong>200 g</strong>) — à la place de 400 g" in body
    assert "Il part dès que la boutique a reçu votre retour." in body

    moved(merchant, ASKED + HOUR, return_approve, request=request)
    moved(merchant, ASKED + 2 * HOUR, return_receive, request=request, inspections=_as_expected(request))
    exchange_order, _created = order_upsert(
        merchant=merchant,
        data=OrderInput(
            external_id="exchange-1",
            number="#1002",
            placed_at=ASKED + 3 * HOUR,
            currency="EUR",
            total="0",
            financial_status="paid",
            line_items=[LineItemInput(title="Bougie Figuier", quantity=1, unit_price="0", variant_id="v-0")],
            email="camille@example.org",
            exchange_for_rma=request.rma,
        ),
    )
    with at(ASKED + 4 * HOUR):
        publish_pending(merchant)
        shipment_upsert(merchant=merchant, order=exchange_order, tracking_number="1Z999AA10123456784")
        publish_pending(merchant)
        publish_pending(merchant)  # exchange.shipped, recorded while shipment.created was published
    sent = dispatch_at(ASKED + 4 * HOUR)
    shipped = next(email for email in sent if email.subject == f"Votre échange {request.rma} est en route")
    assert "1Z999AA10123456784" in body_of(shipped) and "Suivre mon colis" in body_of(shipped)
    with merchant_scope(merchant):  # the exchange order is no new purchase: no confirmation, no journey
        assert not ScheduledMessage.objects.filter(order=exchange_order, step__key="order-confirmation").exists()
    with merchant_scope(merchant):  # one message per step and return; none for the exchange order itself
        keys = sorted(
            ScheduledMessage.objects.filter(step__key__startswith="exchange-").values_list("step__key", flat=True)
        )
    assert keys == ["exchange-confirmed", "exchange-shipped"]


KEPT_EXCHANGE_WORDS = {
    "fr": {
        "requested": "Une fois le retour accepté, vous gardez l’article\u00a0: rien à nous renvoyer.",
        "confirmed": "Rien à nous renvoyer\u00a0: vous gardez l’article.",
        "ships_kept": "Il part dès que votre retour est accepté\u00a0: vous gardez votre article, rien n’est à renvoyer.",
        "keep": "Ce que vous gardez\u00a0:",
        "returning": "Ce que vous nous retournez",
        "kept": "Ce que vous avez gardé\u00a0:",
        "being_made": "La boutique le prépare\u00a0: il part dès qu’il est prêt.",
        "on_receipt": "Il part dès que la boutique a reçu votre retour.",
        "send_back": "Renvoyez ce que vous retournez",
    },
    "en": {
        "requested": "Once it is approved, you keep the item: nothing to send back.",
        "confirmed": "Nothing to send back: you keep the item.",
        "ships_kept": "It ships once your return is approved: you keep your item, nothing goes back.",
        "keep": "What you keep:",
        "returning": "What you are returning",
        "kept": "What you kept:",
        "being_made": "The shop is preparing it: it ships as soon as it is ready.",
        "on_receipt": "It ships once the shop has received your return.",
        "send_back": "Send back what you return",
    },
}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_kept_items_exchange_says_nothing_goes_back_and_that_it_ships_now(merchant, policy, language):
    words = KEPT_EXCHANGE_WORDS[language]
    order, request = _exchange_asked(merchant, policy, method="keep_it", language=language)
    first = {email.subject: body_of(email) for email in dispatch_at(ASKED)}
    registered, confirmed = (body for subject, body in first.items() if request.rma in subject)
    if "échange" in registered or "exchange" in registered.split("</h1>")[0]:
        registered, confirmed = confirmed, registered
    assert words["requested"] in registered
    assert words["confirmed"] in confirmed and words["send_back"] not in confirmed
    assert words["ships_kept"] in confirmed and words["on_receipt"] not in confirmed
    closed = moved(merchant, ASKED + HOUR, return_approve, request=request)
    assert closed.status == "closed"  # kept: the exchange is ordered at approval, nothing ships back
    later = [body_of(email) for email in dispatch_at(ASKED + 3 * HOUR)]
    approved = next(body for body in later if words["keep"] in body)
    complete = next(body for body in later if words["kept"] in body)
    assert words["returning"] not in approved
    assert words["being_made"] in complete and words["on_receipt"] not in complete


def test_an_instant_exchanges_closing_email_says_it_is_being_prepared_not_when_received(merchant, policy):
    policy.exchange_ships = "instant"
    policy.save()
    order, request = _exchange_asked(merchant, policy)
    dispatch_at(ASKED)
    moved(merchant, ASKED + HOUR, return_approve, request=request)  # instant: the exchange order is asked now
    moved(merchant, ASKED + 2 * HOUR, return_resolve, request=request)
    complete = next(body_of(email) for email in dispatch_at(ASKED + 3 * HOUR) if "est terminé" in email.subject)
    assert "La boutique le prépare\u00a0: il part dès qu’il est prêt." in complete
    assert "Il part dès que" not in complete


def test_shops_that_kept_the_default_emails_get_the_wording_true_to_each_return(merchant):
    from importlib import import_module

    from flows.models import StepTemplate

    migration = import_module("returns.migrations.0018_exchange_and_keep_it_email_wording")
    default_flows_install(merchant=merchant)
    old_approved, new_approved = migration.CHANGES[("return-approved", "en")]
    old_requested, new_requested = migration.CHANGES[("return-requested", "fr")]
    earlier_requested = migration.EARLIER[("return-requested", "fr")]
    old_confirmed, _new = migration.CHANGES[("exchange-confirmed", "fr")]
    with merchant_scope(merchant):
        rows = StepTemplate.objects.all()
        rows.filter(step__key="return-approved", language="en").update(html_body=old_approved["html"])
        rows.filter(step__key="return-requested", language="fr").update(
            subject=earlier_requested["subject"],
            preheader=earlier_requested["preheader"],
            html_body=earlier_requested["html"],
        )
        rows.filter(step__key="exchange-confirmed", language="fr").update(
            subject="Modifié par la boutique", html_body=old_confirmed["html"]
        )
    migration.true_to_each_return_wording(apps, None)
    migration.true_to_each_return_wording(apps, None)
    with merchant_scope(merchant):
        approved = rows.get(step__key="return-approved", language="en")
        requested = rows.get(step__key="return-requested", language="fr")
        confirmed = rows.get(step__key="exchange-confirmed", language="fr")
    assert approved.html_body == new_approved["html"] and "What you keep:" in approved.html_body
    assert requested.html_body == new_requested["html"] and "l’examinons" in requested.preheader
    assert confirmed.subject == "Modifié par la boutique" and confirmed.html_body == old_confirmed["html"]
    migration.previous_wording(apps, None)
    with merchant_scope(merchant):
        assert rows.get(step__key="return-approved", language="en").html_body == old_approved["html"]


def test_a_sold_out_exchange_tells_the_customer_to_choose_credit_or_a_refund(merchant, policy):
    from catalogue.models import Variant

    order, request = _exchange_asked(merchant, policy)
    dispatch_at(ASKED)
    with merchant_scope(merchant):
        Variant.objects.filter(variant_id="v-0").update(available=0)  # sold in the shop meanwhile
    moved(merchant, ASKED + HOUR, return_approve, request=request)
    moved(merchant, ASKED + 2 * HOUR, return_receive, request=request, inspections=_as_expected(request))
    sent = dispatch_at(ASKED + 2 * HOUR)
    (sold_out,) = [email for email in sent if "épuisé" in email.subject]
    assert sold_out.subject == f"À propos de votre échange {request.rma}\u00a0: le nouvel article est épuisé"
    assert "Choisir un avoir ou un remboursement" in body_of(sold_out)
    assert f"/{request.rma}/?lang=fr" in html_of(sold_out)


def test_the_return_emails_of_an_exchange_say_what_comes_in_exchange_not_a_refund(merchant, policy):
    order, request = _exchange_asked(merchant, policy)
    emails = {email.subject: body_of(email) for email in dispatch_at(ASKED)}
    registered = emails[f"Votre retour {request.rma} est enregistré"]
    moved(merchant, ASKED + HOUR, return_approve, request=request)
    approved = body_of(dispatch_at(ASKED + 2 * HOUR)[0])
    moved(merchant, ASKED + 3 * HOUR, return_receive, request=request, inspections=_as_expected(request))
    received = {email.subject: body_of(email) for email in dispatch_at(ASKED + 3 * HOUR)}
    received = received[f"Nous avons reçu votre retour {request.rma}"]
    with merchant_scope(merchant):
        request.refresh_from_db()
    moved(merchant, ASKED + 4 * HOUR, return_resolve, request=request)
    sent = {email.subject: body_of(email) for email in dispatch_at(ASKED + 4 * HOUR)}
    complete = sent[f"Votre retour {request.rma} est terminé"]

    for body in (registered, approved, received, complete):
        assert "En échange, vous recevez\u00a0:" in body
        assert "1 × Bougie Figuier (<strong>200 g</strong>) — à la place de 400 g" in body
        assert "Remboursement" not in body and "0,00\u00a0€" not in body
    for body in (registered, approved):
        assert "<strong>Son expédition\u00a0:</strong> Il part dès que la boutique a reçu votre retour." in body
    for body in (received, complete):  # received: its exchange order is being made
        assert (
            "<strong>Son expédition\u00a0:</strong> La boutique le prépare\u00a0: il part dès qu’il est prêt." in body
        )
    assert "Gardez votre preuve de dépôt jusqu’à la fin de votre retour." in approved
    returned = complete.index("Ce que vous avez retourné\u00a0:")
    assert complete.index("1 × Bougie Figuier (400 g) — Trop grand", returned) > returned


def test_the_store_credit_email_gives_the_code_and_the_refund_email_the_refund(merchant, policy):
    from store_credit.models import Wallet

    policy.resolutions, policy.credit_bonus_kind, policy.credit_bonus = ["store_credit", "refund"], "flat", 5
    policy.save()
    order = placed(merchant, language="en")
    with merchant_scope(merchant):
        line = order.line_items.get()
    with at(ASKED):
        request = return_request_create(
            order=order,
            items=[ItemInput(line.pk, 1, "too_big")],
            method="keep_it",
            resolution="store_credit",
            now=ASKED,
        )
        publish_pending(merchant)
    (registered,) = dispatch_at(ASKED)
    assert "Store credit: <strong>€54.90</strong> (including a bonus of €5.00)." in body_of(registered)
    moved(merchant, ASKED + HOUR, return_approve, request=request)  # a kept item's return resolves at once
    sent = {email.subject: body_of(email) for email in dispatch_at(ASKED + 2 * HOUR)}
    with merchant_scope(merchant):
        code = Wallet.objects.get(customer=order.customer).code
    ready = sent["Your store credit of €54.90 is ready"]
    assert f"Your code to use at checkout: <strong>{code}</strong>" in ready
    assert "refund" not in ready.lower()

    refunded_order = placed(merchant, language="en", external_id="1002")
    refund = ask(refunded_order)
    (registered,) = dispatch_at(ASKED)
    assert refund.resolution == "refund" and refund.fee == Decimal("4.50")
    assert "Refund: <strong>€45.40</strong> (a return fee of €4.50 deducted)." in body_of(registered)
    assert "In exchange" not in body_of(registered) and "Store credit" not in body_of(registered)


def test_shops_that_kept_the_default_emails_get_the_resolution_wording(merchant):
    from importlib import import_module

    from flows.models import StepTemplate

    migration = import_module("returns.migrations.0015_resolution_email_wording")
    default_flows_install(merchant=merchant)
    old_en, new_en = migration.CHANGES[("return-received", "en")]
    old_fr, _new = migration.CHANGES[("return-received", "fr")]
    with merchant_scope(merchant):
        rows = StepTemplate.objects.filter(step__key="return-received")
        rows.filter(language="en").update(preheader=old_en["preheader"], html_body=old_en["html"])
        rows.filter(language="fr").update(subject="Modifié par la boutique", html_body=old_fr["html"])
    migration.resolution_wording(apps, None)
    migration.resolution_wording(apps, None)
    with merchant_scope(merchant):
        english, french = (rows.get(language=language) for language in ("en", "fr"))
    assert english.html_body == new_en["html"] and "return.exchange_items" in english.html_body
    assert french.subject == "Modifié par la boutique" and french.html_body == old_fr["html"]
    migration.previous_wording(apps, None)
    with merchant_scope(merchant):
        assert rows.get(language="en").html_body == old_en["html"]


def test_a_dearer_exchange_emails_the_link_to_pay_the_difference_in_french(
    merchant, policy, django_capture_on_commit_callbacks
):
    from shop_actions.models import ShopAction
    from shop_actions.services import shop_action_confirm, shop_actions_claim_due

    policy.exchange_dearer = True
    policy.save()
    order, request = _exchange_asked(merchant, policy, new_price="54.90")
    confirmed = {email.subject: email for email in dispatch_at(ASKED)}[f"Votre échange {request.rma} est confirmé"]
    assert "vous réglez la différence, <strong>5,00\u00a0€</strong>, dans la boutique" in body_of(confirmed)
    moved(merchant, ASKED + HOUR, return_approve, request=request)
    moved(merchant, ASKED + 2 * HOUR, return_receive, request=request, inspections=_as_expected(request))
    with django_capture_on_commit_callbacks(execute=True):
        shop_actions_claim_due()  # a shop without access given: the action waits for staff to make the order
    with merchant_scope(merchant):
        action = ShopAction.objects.get(kind="exchange_order")
    link = "https://boutique.example.com/checkout/order-pay/1002/?key=wc_order_x"
    with at(ASKED + 3 * HOUR):
        shop_action_confirm(action=action, result={"reference": "#1002", "payment_url": link})
        publish_pending(merchant)
    (due,) = [email for email in dispatch_at(ASKED + 3 * HOUR) if "différence" in email.subject]
    assert due.subject == (
        f"Votre échange {request.rma}\u00a0: réglez la différence pour recevoir votre nouvel article"
    )
    assert f'href="{link}"' in html_of(due) and "Régler 5,00\u00a0€" in body_of(due)

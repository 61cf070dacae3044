"""Exchange for another variant of the same item (docs/returns.md, "Exchanges").

The customer picks, for each returned item, another active variant of the same product that is in
stock; its units are reserved when they confirm (catalogue/reservations.py). When the policy says
(the return approved for an instant exchange, the parcel's first scan, or its receipt) the
reservations are checked again and the shop is asked for the exchange order (a shop action, key
`return:<RMA>:exchange`, made once). A cheaper variant leaves the difference as store credit, issued
when the return is resolved. A dearer one is offered only when the policy allows it (up to its largest
difference): the exchange order is then made with the difference due, unpaid, and the customer pays it
through the shop's own checkout link (Shopify's draft order invoice, WooCommerce's order payment page);
the new items count as ordered, and their reservations as used, once the shop reports that order paid.
If the new item sold out meanwhile, staff see it on the return's page and the customer chooses store
credit or a refund instead on theirs.

Nothing here imports lifecycle: lifecycle calls in (`exchange_on_move`, `exchange_before_resolve`).
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from catalogue.models import ReservationStatus, Variant
from catalogue.reservations import (
    ReservationError,
    exchange_variants,
    free_stock,
    reservation_holds,
    reservations_end,
    variant_reserve,
)
from core.l10n import format_money
from core.money import amount_str
from core.scoping import merchant_scope
from orders.events import event_record
from orders.models import FinancialStatus, Order, OrderEvent
from shop_actions.adapters import platform_for
from shop_actions.models import ShopAction, ShopActionKind, ShopActionStatus
from shop_actions.services import shop_action_request

from .eligibility import policy_for
from .models import ExchangeShips, ExchangeStatus, Resolution, ReturnItem, ReturnNote, ReturnRequest, ReturnStatus
from .payloads import return_data

S = ReturnStatus
X = ExchangeStatus


class ExchangeChoiceError(Exception):
    """A variant choice that cannot be taken: `errors` maps the item's field to a message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class Option:
    """A variant a returned item may be exchanged for, as the portal shows it."""

    variant: Variant
    free: int | None  # units free to promise; None: the shop does not track its stock
    difference: Decimal  # its price less the returned item's, per unit: above 0 it is dearer
    dearer_allowed: bool  # the policy lets the customer pay that difference

    @property
    def dearer(self) -> bool:
        return self.difference > 0

    def offered(self, quantity: int = 1) -> bool:
        if self.dearer and not self.dearer_allowed:
            return False
        return self.free is None or self.free >= quantity


def dearer_allowed(policy, difference: Decimal) -> bool:
    """Whether the policy lets a customer pay `difference` for a dearer variant."""
    limit = policy.exchange_dearer_max
    return policy.exchange_dearer and (limit is None or difference <= limit)


def exchange_options(line_item, currency: str, policy, *, variants: list[Variant] | None = None) -> list[Option]:
    """The other variants of the line's product, in the shop's order: every active one, with whether it
    can be chosen (in stock; not dearer, unless the policy allows it). `variants` when the caller read the
    product's already."""
    if variants is None:
        variants = exchange_variants(merchant=line_item.merchant, product_id=line_item.product_id)
    options = []
    for v in variants:
        if v.variant_id == line_item.variant_id or v.currency != currency:
            continue
        difference = v.price - line_item.unit_price
        allowed = difference > 0 and dearer_allowed(policy, difference)
        options.append(Option(variant=v, free=free_stock(v), difference=difference, dearer_allowed=allowed))
    return options


@dataclass(frozen=True)
class ExchangeChoice:
    """What the customer's choices come to: the new variant per returned line, the store credit cheaper ones
    leave and the difference dearer ones cost (never both: one offsets the other)."""

    variants: dict
    credit: Decimal
    due: Decimal


def exchange_choices_check(order: Order, chosen: list, unit_amounts: dict[int, Decimal], policy) -> ExchangeChoice:
    """The variant for each returned item, the store credit the cheaper ones leave and what dearer ones cost.

    `chosen` is [(line item, ItemInput)], `unit_amounts` what each line's unit was charged. Anything
    but a variant the portal offers (another product's, another shop's, an inactive or sold-out one, a
    dearer one the policy does not allow, a forged id) is refused with a message naming the item; so is
    a difference above the policy's largest. A dearer variant costs its price less the returned item's.
    """
    errors, variants, credit, due = {}, {}, Decimal(0), Decimal(0)
    by_product: dict[str, list[Variant]] = {}
    for index, (line, data) in enumerate(chosen):
        field = f"items[{index}]"
        if line.product_id not in by_product:
            by_product[line.product_id] = exchange_variants(merchant=order.merchant, product_id=line.product_id)
        options = {
            o.variant.pk: o
            for o in exchange_options(line, order.currency, policy, variants=by_product[line.product_id])
        }
        option = options.get(data.exchange_variant_id) if isinstance(data.exchange_variant_id, int) else None
        if data.exchange_variant_id is None:
            errors[field] = _("Choose the size or colour you want instead of “%(title)s”.") % {"title": line.title}
        elif option is None:
            errors[field] = _(
                "This choice is not another version of “%(title)s” on sale: choose one from the list."
            ) % {"title": line.title}
        elif option.dearer and not option.dearer_allowed:
            errors[field] = _dearer_refusal(option, policy, order.currency)
        elif not option.offered(data.quantity):
            errors[field] = _("“%(variant)s” is out of stock: choose another one, or another resolution.") % {
                "variant": option.variant
            }
        else:
            variants[line.pk] = option.variant
            if option.dearer:
                due += option.difference * data.quantity
            else:
                credit += max(unit_amounts[line.pk] - option.variant.price, Decimal(0)) * data.quantity
    credit, due = max(credit - due, Decimal(0)), max(due - credit, Decimal(0))
    limit = policy.exchange_dearer_max
    if due and limit is not None and due > limit and not errors:
        errors["resolution"] = _(
            "Together the new items cost %(due)s more than those you return; the shop takes at most %(max)s: "
            "choose cheaper ones, or another resolution."
        ) % {"due": format_money(due, order.currency), "max": format_money(limit, order.currency)}
    if credit and order.customer_id is None and not errors:
        errors["resolution"] = _(
            "A cheaper version leaves you store credit, which needs a customer account with the shop: "
            "choose one at the same price."
        )
    if errors:
        raise ExchangeChoiceError(errors)
    return ExchangeChoice(variants=variants, credit=credit, due=due)


def _dearer_refusal(option: Option, policy, currency: str) -> str:
    if not policy.exchange_dearer:
        return _(
            "“%(variant)s” costs more than the item you return, and the shop does not take the difference: "
            "choose one at the same price or less, or another resolution."
        ) % {"variant": option.variant}
    return _(
        "“%(variant)s” costs %(difference)s more than the item you return; the shop takes at most %(max)s: "
        "choose another one, or another resolution."
    ) % {
        "variant": option.variant,
        "difference": format_money(option.difference, currency),
        "max": format_money(policy.exchange_dearer_max, currency),
    }


def reservation_key(request: ReturnRequest, item: ReturnItem) -> str:
    return f"exchange:{request.rma}:{item.line_item_id}"


def exchange_reserve(request: ReturnRequest, items: list[ReturnItem]) -> None:
    """Reserve each item's new variant, in the return's transaction (a refusal undoes the return)."""
    errors = {}
    for index, item in enumerate(items):
        try:
            variant_reserve(
                merchant=request.merchant,
                variant=item.exchange_variant,
                quantity=item.quantity,
                key=reservation_key(request, item),
            )
        except ReservationError as refused:
            errors[f"items[{index}]"] = f"{refused} " + _("Choose another one, or another resolution.")
    if errors:
        raise ExchangeChoiceError(errors)
    request.exchange_status = X.RESERVED
    request.save(update_fields=["exchange_status", "updated_at"])
    # The customer's "exchange confirmed" email (what, when it ships) starts from this event.
    event_record(
        merchant=request.merchant, kind="exchange.confirmed", order=request.order, payload=return_data(request)
    )


def _keys(request: ReturnRequest) -> list[str]:
    return [reservation_key(request, item) for item in request.items.all()]


# --- When the exchange order is asked for --------------------------------------------------------


def exchange_on_move(request: ReturnRequest, to: str) -> None:
    """A return moved (lifecycle._move, the return's row locked): order the exchange when the policy
    says, release the reservations of a return that will not come."""
    if request.resolution != Resolution.EXCHANGE_VARIANT:
        return
    if to in (S.CANCELLED, S.REJECTED):
        reservations_end(merchant=request.merchant, keys=_keys(request), status=ReservationStatus.RELEASED)
    elif to == S.REQUESTED:
        _reserve_again(request)
    elif to == S.RECEIVED or (to == S.IN_TRANSIT and exchange_moment(request) != ExchangeShips.RECEIVED):
        exchange_order_ask(request)
    elif to == S.APPROVED and exchange_moment(request) == ExchangeShips.INSTANT:
        exchange_order_ask(request)


def _reserve_again(request: ReturnRequest) -> None:
    """A cancelled or rejected exchange reopened: its released units are taken again. One that sold out
    meanwhile makes the exchange "sold out": the customer is told and chooses credit or a refund."""
    if request.exchange_status != X.RESERVED:
        return  # ordered already, or sold out: nothing was released to take back
    items = list(request.items.select_related("exchange_variant"))
    try:
        with transaction.atomic():
            for item in items:
                if item.exchange_variant is None:  # taken out of the catalogue since
                    raise ReservationError(item.line_item_id)
                variant_reserve(
                    merchant=request.merchant,
                    variant=item.exchange_variant,
                    quantity=item.quantity,
                    key=reservation_key(request, item),
                )
    except ReservationError:
        _sold_out(request)


def exchange_moment(request: ReturnRequest) -> str:
    """The policy's moment for this customer: an instant exchange only below its number of returns."""
    policy = policy_for(request.merchant)
    if policy.exchange_ships != ExchangeShips.INSTANT:
        return policy.exchange_ships
    limit = policy.exchange_instant_max_returns
    if limit is None or _earlier_returns(request) < limit:
        return ExchangeShips.INSTANT
    return ExchangeShips.FIRST_SCAN


def _earlier_returns(request: ReturnRequest) -> int:
    """The customer's other returns of the 12 months before this one (cancelled and rejected ones aside)."""
    earlier = ReturnRequest.objects.filter(created_at__gte=request.created_at - timedelta(days=365)).exclude(
        status__in=(S.CANCELLED, S.REJECTED)
    )
    if request.customer_id is not None:
        earlier = earlier.filter(customer_id=request.customer_id)
    else:
        earlier = earlier.filter(customer__isnull=True, order__email__iexact=request.order.email or "-")
    return earlier.exclude(pk=request.pk).count()


def exchange_key(request: ReturnRequest) -> str:
    return f"return:{request.rma}:exchange"


def exchange_order_ask(request: ReturnRequest) -> None:
    """Check the reservations again and ask the shop for the exchange order, once (the caller holds
    the return's row). A variant that sold out meanwhile turns the exchange to "sold out" instead."""
    if request.exchange_status != X.RESERVED:
        return  # asked already, or sold out: a second scan, a redelivered event or a retry changes nothing
    items = list(request.items.select_related("line_item", "exchange_variant"))
    if not all(reservation_holds(merchant=request.merchant, key=reservation_key(request, item)) for item in items):
        _sold_out(request)
        return
    order = request.order
    request.exchange_action = shop_action_request(
        merchant=request.merchant,
        kind=ShopActionKind.EXCHANGE_ORDER,
        platform=platform_for(request.merchant, order.source_platform),
        key=exchange_key(request),
        payload=exchange_payload(request, items),
        subject=f"return:{request.rma}",
        order=order,
        customer=request.customer,
    )
    request.exchange_status = X.REQUESTED
    request.save(update_fields=["exchange_status", "exchange_action", "updated_at"])
    with translation.override(request.merchant.default_language):
        _note(request, _("Exchange order asked of the shop."))


def exchange_payload(request: ReturnRequest, items: list[ReturnItem]) -> dict:
    """What the shop adapters read (docs/shop_actions.md, "Exchange orders"): the same on every call."""
    order, customer = request.order, request.customer
    with translation.override(request.merchant.default_language):
        note = _("Exchange for return %(rma)s") % {"rma": request.rma}
    payload = {
        "rma": request.rma,
        "order_external_id": order.external_id,
        "customer_external_id": customer.external_id if customer else "",
        "email": order.email or (customer.email if customer else ""),
        "currency": request.currency,
        "lines": [
            {
                "variant_external_id": item.exchange_variant.variant_id,
                "sku": item.exchange_variant.sku,
                "title": _variant_title(item),
                "quantity": item.quantity,
            }
            for item in items
        ],
        "shipping_address": {
            "name": order.shipping_name,
            "address1": order.shipping_address1,
            "address2": order.shipping_address2,
            "city": order.shipping_city,
            "postal_code": order.shipping_postal_code,
            "country": order.shipping_country,
        },
        "note": note,
    }
    return _due_added(payload, request, items)


def _due_added(payload: dict, request: ReturnRequest, items: list[ReturnItem]) -> dict:
    """A dearer exchange: what the customer pays and each new item's price, so the adapter makes the order
    at those prices less the returned items' value, unpaid. An exchange at no charge stays as it was."""
    if request.exchange_due <= 0:
        return payload
    payload["amount_due"] = amount_str(request.exchange_due, request.currency)
    for line, item in zip(payload["lines"], items, strict=True):
        line["unit_price"] = amount_str(item.exchange_unit_price, request.currency)
    return payload


def _variant_title(item: ReturnItem) -> str:
    variant = item.exchange_variant
    return f"{item.line_item.title}, {variant.title}" if variant.title else item.line_item.title


def _sold_out(request: ReturnRequest) -> None:
    reservations_end(merchant=request.merchant, keys=_keys(request), status=ReservationStatus.RELEASED)
    request.exchange_status = X.SOLD_OUT
    request.save(update_fields=["exchange_status", "updated_at"])
    with translation.override(request.merchant.default_language):
        _note(
            request,
            _(
                "The new item sold out before the exchange order was made: the customer is asked to choose "
                "store credit or a refund instead."
            ),
        )
    event_record(merchant=request.merchant, kind="exchange.sold_out", order=request.order, payload=return_data(request))


def exchange_before_resolve(request: ReturnRequest) -> None:
    """Resolving an exchange (the return's row locked): the exchange order is asked for now if it was not
    yet; a sold-out exchange waits for the customer's (or staff's) other choice."""
    if request.exchange_status == X.SOLD_OUT:
        raise ExchangeChoiceError(
            {"resolution": _("The new item sold out: change the resolution to store credit or a refund first.")}
        )
    exchange_order_ask(request)
    if request.exchange_status == X.SOLD_OUT:
        raise ExchangeChoiceError(
            {"resolution": _("The new item sold out: change the resolution to store credit or a refund first.")}
        )


def exchange_resolution_left(request: ReturnRequest) -> None:
    """The return's resolution is no longer an exchange (staff, or the customer after a sell-out)."""
    reservations_end(merchant=request.merchant, keys=_keys(request), status=ReservationStatus.RELEASED)


# --- What comes back from the shop -------------------------------------------------------------------


def exchange_order_finished(action: ShopAction) -> None:
    """on_shop_action_finished("exchange_order"): the shop made the order (or refused, for staff to see)."""
    request = ReturnRequest.objects.select_for_update().filter(exchange_action=action).first()
    if request is None:
        return
    with translation.override(request.merchant.default_language):
        if action.status == ShopActionStatus.FAILED:
            text = _("The exchange order failed: %(error)s Try it again from the shop action's page.")
            _note(request, text % {"error": action.last_error})
            return
        if action.status != ShopActionStatus.SUCCEEDED or request.exchange_status != X.REQUESTED:
            return
        request.exchange_order = request.exchange_order or _exchange_order_find(request, action.result)
        name = action.result.get("order_name") or action.result.get("reference") or ""
        if request.exchange_due > 0 and not _paid(request.exchange_order):
            _payment_wait(request, action.result, name)
            return
        _note(request, _("Exchange order %(name)s created in the shop.") % {"name": name})
    _exchange_ordered(request)


def _exchange_ordered(request: ReturnRequest) -> None:
    """The shop's exchange order stands (made at no charge, or its difference paid): the reservations are
    used, the shop's own stock takes over, and the customer is told."""
    reservations_end(merchant=request.merchant, keys=_keys(request), status=ReservationStatus.USED)
    request.exchange_status = X.CREATED
    request.save(update_fields=["exchange_status", "exchange_order", "updated_at"])
    event_record(merchant=request.merchant, kind="exchange.created", order=request.order, payload=return_data(request))


def _payment_wait(request: ReturnRequest, result: dict, name: str) -> None:
    """A dearer exchange's order is made, unpaid: the customer gets its payment link; the units stay
    reserved until the shop reports it paid."""
    request.exchange_status = X.AWAITING_PAYMENT
    link = str(result.get("payment_url") or "")
    # The shop's checkout page, shown to the customer as a button: a web address over HTTPS, nothing else.
    request.exchange_payment_url = link if link.startswith("https://") and len(link) <= 2000 else ""
    request.save(update_fields=["exchange_status", "exchange_order", "exchange_payment_url", "updated_at"])
    amount = format_money(request.exchange_due, request.currency)
    _note(
        request,
        _("Exchange order %(name)s created in the shop: waiting for the customer to pay %(amount)s.")
        % {"name": name, "amount": amount},
    )
    event_record(
        merchant=request.merchant, kind="exchange.payment_due", order=request.order, payload=return_data(request)
    )


# What the shop reports of an exchange order once its difference is paid.
PAID_STATUSES = (FinancialStatus.PAID, FinancialStatus.PARTIALLY_REFUNDED)


def _paid(order: Order | None) -> bool:
    return order is not None and order.financial_status in PAID_STATUSES


def _exchange_order_find(request: ReturnRequest, result: dict) -> Order | None:
    """The shop's exchange order, if its webhook came already: by our mark, else by the shop's id."""
    found = Order.objects.filter(merchant=request.merchant, exchange_for_rma=request.rma).first()
    external_id = str(result.get("order_external_id") or "")
    if found is None and external_id:
        found = Order.objects.filter(merchant=request.merchant, external_id=external_id).first()
    return found


def on_exchange_order_event(event: OrderEvent) -> None:
    """`order.created` / `order.updated` of an order marked as an exchange (its payload says so, so other
    orders cost no query): link it to its return."""
    rma = (event.payload or {}).get("exchange_for_rma")
    if not rma or event.order_id is None:
        return
    with merchant_scope(event.merchant), transaction.atomic():
        request = ReturnRequest.objects.select_for_update().filter(merchant=event.merchant, rma=rma).first()
        if request is None:
            return
        if request.exchange_order_id != event.order_id:
            request.exchange_order_id = event.order_id
            request.save(update_fields=["exchange_order", "updated_at"])
        if request.exchange_status == X.AWAITING_PAYMENT:
            _payment_check(request)


def _payment_check(request: ReturnRequest) -> None:
    """A dearer exchange waiting for its difference: once the shop reports its order paid, it stands."""
    order = Order.objects.filter(pk=request.exchange_order_id).only("financial_status").first()
    if not _paid(order):
        return  # still pending (a bank transfer on hold), or cancelled: the units stay reserved meanwhile
    with translation.override(request.merchant.default_language):
        _note(request, _("The customer paid the difference: the exchange order stands."))
    _exchange_ordered(request)


def on_exchange_shipment_event(event: OrderEvent) -> None:
    """`shipment.created` of an exchange order's parcel (its payload names the RMA): the exchange shipped."""
    payload = event.payload or {}
    rma = payload.get("exchange_for_rma")
    if not rma:
        return
    with merchant_scope(event.merchant), transaction.atomic():
        request = ReturnRequest.objects.select_for_update().filter(merchant=event.merchant, rma=rma).first()
        if request is None or request.exchange_status not in (X.REQUESTED, X.CREATED):
            return  # not ours, or shipped already (a second parcel, a republished event)
        request.exchange_status = X.SHIPPED
        request.exchange_order_id = request.exchange_order_id or event.order_id
        request.save(update_fields=["exchange_status", "exchange_order", "updated_at"])
        shipment = {key: payload.get(key, "") for key in ("carrier", "tracking_number", "tracking_url")}
        event_record(
            merchant=request.merchant,
            kind="exchange.shipped",
            order=request.order,
            payload={**return_data(request), "exchange_shipment": shipment},
        )


def _note(request: ReturnRequest, text: str) -> None:
    ReturnNote.objects.create(merchant=request.merchant, request=request, text=text[:2000])

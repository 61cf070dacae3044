"""Exchange for another variant of the same item (docs/returns.md, "Exchanges").

The customer picks, for each returned item, another active variant of the same product that is in
stock; its units are reserved when they confirm (catalogue/reservations.py). When the policy says
(the return approved for an instant exchange, the parcel's first scan, or its receipt) the
reservations are checked again and the shop is asked for the exchange order (a shop action, key
`return:<RMA>:exchange`, made once). A cheaper variant leaves the difference as store credit, issued
when the return is resolved; a dearer one is refused: the shop adapters create exchange orders at no
charge and cannot collect a difference. If the new item sold out meanwhile, staff see it on the
return's page and the customer chooses store credit or a refund instead on theirs.

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
from core.scoping import merchant_scope
from orders.events import event_record
from orders.models import Order, OrderEvent
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
    dearer: bool  # costs more than the returned item: never offered (see the module's docstring)

    def offered(self, quantity: int = 1) -> bool:
        return not self.dearer and (self.free is None or self.free >= quantity)


def exchange_options(line_item, currency: str, *, variants: list[Variant] | None = None) -> list[Option]:
    """The other variants of the line's product, in the shop's order: every active one, with whether it
    can be chosen (in stock, not dearer). `variants` when the caller read the product's already."""
    if variants is None:
        variants = exchange_variants(merchant=line_item.merchant, product_id=line_item.product_id)
    return [
        Option(variant=v, free=free_stock(v), dearer=v.price > line_item.unit_price)
        for v in variants
        if v.variant_id != line_item.variant_id and v.currency == currency
    ]


def exchange_choices_check(order: Order, chosen: list, unit_amounts: dict[int, Decimal]) -> tuple[dict, Decimal]:
    """The variant for each returned item, and the store credit the cheaper ones leave.

    `chosen` is [(line item, ItemInput)], `unit_amounts` what each line's unit was charged. Anything
    but a variant the portal offers (another product's, another shop's, an inactive or sold-out one, a
    dearer one, a forged id) is refused with a message naming the item.
    """
    errors, variants, credit = {}, {}, Decimal(0)
    by_product: dict[str, list[Variant]] = {}
    for index, (line, data) in enumerate(chosen):
        field = f"items[{index}]"
        if line.product_id not in by_product:
            by_product[line.product_id] = exchange_variants(merchant=order.merchant, product_id=line.product_id)
        options = {
            o.variant.pk: o for o in exchange_options(line, order.currency, variants=by_product[line.product_id])
        }
        option = options.get(data.exchange_variant_id) if isinstance(data.exchange_variant_id, int) else None
        if data.exchange_variant_id is None:
            errors[field] = _("Choose the size or colour you want instead of “%(title)s”.") % {"title": line.title}
        elif option is None:
            errors[field] = _(
                "This choice is not another version of “%(title)s” on sale: choose one from the list."
            ) % {"title": line.title}
        elif option.dearer:
            errors[field] = _(
                "“%(variant)s” costs more than the item you return, and the difference cannot be paid here: "
                "choose one at the same price or less, or another resolution."
            ) % {"variant": option.variant}
        elif not option.offered(data.quantity):
            errors[field] = _("“%(variant)s” is out of stock: choose another one, or another resolution.") % {
                "variant": option.variant
            }
        else:
            variants[line.pk] = option.variant
            credit += max(unit_amounts[line.pk] - option.variant.price, Decimal(0)) * data.quantity
    if credit and order.customer_id is None and not errors:
        errors["resolution"] = _(
            "A cheaper version leaves you store credit, which needs a customer account with the shop: "
            "choose one at the same price."
        )
    if errors:
        raise ExchangeChoiceError(errors)
    return variants, credit


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
    elif to == S.RECEIVED or (to == S.IN_TRANSIT and _ships_at(request) != ExchangeShips.RECEIVED):
        exchange_order_ask(request)
    elif to == S.APPROVED and _ships_at(request) == ExchangeShips.INSTANT:
        exchange_order_ask(request)


def _ships_at(request: ReturnRequest) -> str:
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
    return {
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
        reservations_end(merchant=request.merchant, keys=_keys(request), status=ReservationStatus.USED)
        request.exchange_status = X.CREATED
        request.exchange_order = request.exchange_order or _exchange_order_find(request, action.result)
        request.save(update_fields=["exchange_status", "exchange_order", "updated_at"])
        name = action.result.get("order_name") or action.result.get("reference") or ""
        _note(request, _("Exchange order %(name)s created in the shop.") % {"name": name})
    event_record(merchant=request.merchant, kind="exchange.created", order=request.order, payload=return_data(request))


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
        if request is None or request.exchange_order_id == event.order_id:
            return
        request.exchange_order_id = event.order_id
        request.save(update_fields=["exchange_order", "updated_at"])


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

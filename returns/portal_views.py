"""The customer's side of returns: choose items, a reason and a method, then follow the return."""

import functools
import re
import uuid

from django.conf import settings
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.locale import customer_language, customer_time_zone
from core.money import minor_units
from core.scoping import merchant_scope
from merchants.models import Merchant
from orders.models import Order
from portal.links import BadLink, ExpiredLink, order_token_read
from portal.sections import navigation
from portal.views import expired_link_response
from tracking import page_cache

from .eligibility import policy_for, returnable_lines
from .exchanges import exchange_options
from .labels.models import Provider
from .labels.services import label_settings_for
from .lifecycle import (
    CUSTOMER_CANCELLABLE,
    ItemInput,
    ReturnStateError,
    ReturnValidationError,
    resolution_amounts,
    return_cancel_by_customer,
    return_exchange_fallback,
    return_request_create,
)
from .models import (
    CREDIT_RESOLUTIONS,
    BonusKind,
    ExchangeStatus,
    Method,
    Resolution,
    ReturnRequest,
    ReturnStatus,
)
from .parcels import ReturnParcelForm, return_parcel_attach
from .photos import ACCEPT_ATTRIBUTE, photos_prepare, uploads_too_large
from .reasons import reasons_for
from .rules import returns_offered
from .ships import ships_when
from .slips import dropoff_instructions, packing_slip_pdf, return_address_lines, slip_filename


def _order_for(request, token):
    """(order, None) for a valid link, else (None, the response to give)."""
    try:
        merchant_id, order_id = order_token_read(token)
    except ExpiredLink as expired:
        return None, expired_link_response(request, expired.merchant_id)
    except BadLink:
        return None, render(request, "portal/link_invalid.html", status=404)
    merchant = Merchant.objects.filter(pk=merchant_id).first()
    order = None
    if merchant is not None:
        with merchant_scope(merchant):
            order = Order.objects.filter(pk=order_id).select_related("merchant", "customer").first()
    if order is None or not returns_offered(order.merchant):  # the instance the page's navigation asks again
        return None, render(request, "portal/link_invalid.html", status=404)
    return order, None


def _render(request, order, token, template: str, context: dict, status: int = 200):
    merchant = order.merchant
    language = customer_language(merchant=merchant, order=order, asked=request.GET.get("lang", ""))
    tz = customer_time_zone(merchant=merchant, customer=order.customer)
    nav = navigation(scope="order", merchant=merchant, token=token, current="returns", query=f"?lang={language}")
    context = {**context, "merchant": merchant, "order": order, "token": token, "language": language, "portal_nav": nav}
    with translation.override(language), timezone.override(tz), merchant_scope(merchant):
        response = render(request, template, context, status=status)
    return _headed(response, language)


def _headed(response, language: str):
    response["Content-Language"] = language
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def start(request, token):
    if request.method == "POST":
        return _start_checked(request, token)
    entry = _cache_entry(token)
    return _start_from_cache(request, token, entry) or _start_checked(request, token, keep_in=entry)


# The form as first shown depends on the order (its returns, refunds and parcels: each change records an
# order event, which drops the order's cache version), the shop's return settings (their saves drop the
# merchant's, returns/apps.py), the language and the day (return windows close at midnight UTC, as
# eligibility counts them). It is kept in the order's page cache entry (tracking/page_cache.py) with
# slots for what differs between two views: the link's token, the CSRF token and the form's submission key.
TOKEN_SLOT = "__returns_token_slot__"  # noqa: S105 - not a secret
CSRF_SLOT = "__returns_csrf_slot__"  # noqa: S105 - not a secret
SUBMISSION_SLOT = "__returns_submission_slot__"
CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+(")')
SUBMISSION_VALUE = re.compile(r'(name="submission" value=")[0-9a-f]{32}(")')


EXCHANGE_FIELD = b'name="exchange-'


def _start_part_name(order, language: str) -> tuple:
    """The form as of the shop's day: return windows close at the shop's midnight (eligibility.py)."""
    today = timezone.localtime(timezone.now(), order.merchant.tzinfo).date()
    return ("returns-start", language, today.isoformat())


def _cache_entry(token) -> page_cache.OrderEntry | None:
    try:
        merchant_id, order_id = order_token_read(token)
    except (BadLink, ExpiredLink):
        return None
    return page_cache.order_entry(merchant_id=merchant_id, order_id=order_id)


def _start_from_cache(request, token, entry):
    """The form from the order's cache entry, without a query; None when it is not there."""
    if entry is None:
        return None
    order = entry.order
    language = customer_language(merchant=order.merchant, order=order, asked=request.GET.get("lang", ""))
    html = entry.parts.get(_start_part_name(order, language))
    if html is None:
        return None
    html = (
        html.replace(TOKEN_SLOT, escape(token))
        .replace(CSRF_SLOT, escape(get_token(request)))
        .replace(SUBMISSION_SLOT, uuid.uuid4().hex)
    )
    return _headed(HttpResponse(html), language)


def _start_keep(entry, token, language: str, html: str) -> None:
    """Keep the form just rendered for the next views of the order's link."""
    html = SUBMISSION_VALUE.sub(rf"\g<1>{SUBMISSION_SLOT}\g<2>", CSRF_VALUE.sub(rf"\g<1>{CSRF_SLOT}\g<2>", html))
    entry.add_part(_start_part_name(entry.order, language), html.replace(token, TOKEN_SLOT))
    page_cache.order_entry_save(entry)


def _start_checked(request, token, keep_in: page_cache.OrderEntry | None = None):
    order, response = _order_for(request, token)
    if response is not None:
        return response
    # What the checks say (a closed window, a country the shop does not take returns from) is worded
    # while they run: in the customer's language, as the page is.
    language = customer_language(merchant=order.merchant, order=order, asked=request.GET.get("lang", ""))
    with translation.override(language):
        response = _start(request, order, token)
    # A form offering exchanges shows live stock: it is not kept, so a sold-out size never looks free.
    if keep_in is not None and response.status_code == 200 and EXCHANGE_FIELD not in response.content:
        _start_keep(keep_in, token, language, response.content.decode())
    return response


def _start(request, order, token):
    errors, status = {}, 200
    if request.method == "POST":
        try:
            with merchant_scope(order.merchant):
                created = return_request_create(
                    order=order,
                    items=_items_posted(request.POST, request.FILES, order),
                    method=request.POST.get("method", ""),
                    resolution=request.POST.get("resolution", Resolution.REFUND),
                    submission_key=_submission_key(request.POST.get("submission", "")),
                )
        except ReturnValidationError as invalid:
            errors, status = list(invalid.errors.values()), 400
        else:
            path = reverse("portal-returns:detail", kwargs={"token": token, "rma": created.rma})
            return redirect(f"{path}?lang={request.GET.get('lang', '')}")
    with merchant_scope(order.merchant):
        policy = policy_for(order.merchant)
        lines = returnable_lines(order, now=timezone.now(), policy=policy)
        earlier = list(ReturnRequest.objects.filter(order=order).order_by("-created_at"))
    methods = [(code, Method(code).label) for code in (policy.methods or [Method.SHIP_YOURSELF])]
    reasons = reasons_for(order.merchant)
    digits = minor_units(order.currency)
    resolutions = _resolutions(policy, order, digits)
    exchanging = any(r["code"] == Resolution.EXCHANGE_VARIANT for r in resolutions)
    context = {
        "rows": [_row(line, request.POST, digits, order, policy if exchanging else None) for line in lines],
        "digits": digits,
        "fee_minor": _minor(policy.fee_for(Resolution.REFUND), digits),
        "resolutions": resolutions,
        "exchanging": exchanging,
        "resolution": request.POST.get("resolution") or resolutions[0]["code"],
        "any_returnable": any(line.quantity for line in lines),
        "policy": policy,
        "earlier": earlier,
        "reasons": [(r.code, r.label) for r in reasons],  # labels stay lazy until rendered
        "photo_reasons": [r.label for r in reasons if r.photo_required],
        "photos_accept": ACCEPT_ATTRIBUTE,
        "photos_per_item": settings.RETURN_PHOTOS_PER_ITEM,
        "photo_max_mb": settings.RETURN_PHOTO_MAX_BYTES // (1024 * 1024),
        "photos_dropped": bool(request.FILES),
        "methods": methods,
        "method": request.POST.get("method") or methods[0][0],
        "errors": errors,
        "posted": request.POST,
        "submission": request.POST.get("submission") or uuid.uuid4().hex,
    }
    return _render(request, order, token, "returns/portal/start.html", context, status=status)


def _resolutions(policy, order, digits: int) -> list[dict]:
    """The resolutions offered, in the shop's order, with what the script needs to show each one's value.

    Store credit needs a customer account (the wallet is theirs): a guest order is offered a refund only.
    """
    offered = policy.offered_to(order)
    percent = policy.credit_bonus_kind == BonusKind.PERCENT
    return [
        {
            "code": code,
            "label": Resolution(code).label,
            "credit": code in CREDIT_RESOLUTIONS,
            "exchange": code == Resolution.EXCHANGE_VARIANT,
            # Percent bonus in hundredths of a percent (12.5 % → 1250): whole numbers for the script.
            "bonus_basis_points": int(policy.credit_bonus * 100) if code in CREDIT_RESOLUTIONS and percent else 0,
            "bonus_minor": _minor(policy.credit_bonus, digits) if code in CREDIT_RESOLUTIONS and not percent else 0,
            "fee_minor": _minor(policy.fee_for(code), digits),
        }
        for code in offered
    ]


def _exchange_choices(line, order, digits: int, policy) -> list[dict]:
    """The other variants of the line's product, each with its price, the difference to pay for a dearer one
    the shop allows and, when it cannot be chosen, why."""
    choices = []
    for option in exchange_options(line.line_item, order.currency, policy):
        if option.dearer and not option.dearer_allowed:
            why = _("costs more")
        elif not option.offered():
            why = _("out of stock")
        else:
            why = ""
        choices.append(
            {
                "pk": option.variant.pk,
                "label": str(option.variant),
                "price": option.variant.price,
                "price_minor": _minor(option.variant.price, digits),
                "to_pay": option.difference if option.dearer_allowed else None,
                "to_pay_minor": _minor(option.difference, digits) if option.dearer_allowed else 0,
                "unavailable": why,
            }
        )
    return choices


def _minor(amount, digits: int) -> int:
    """An amount in the currency's smallest unit, for the form's script to add up without rounding."""
    return int(amount.scaleb(digits))


def _row(line, posted, digits: int, order, exchange_policy) -> dict:
    """One line of the form, with what the customer chose if the form comes back with errors; the exchange
    choices when the shop offers exchanges (`exchange_policy`, its policy; None otherwise)."""
    pk = line.line_item.pk
    quantity = posted.get(f"quantity-{pk}", "0")
    return {
        "exchange": _exchange_choices(line, order, digits, exchange_policy)
        if exchange_policy is not None and line.quantity
        else [],
        "exchange_chosen": posted.get(f"exchange-{pk}", ""),
        "line": line,
        "unit_minor": _minor(line.unit_amount, digits),
        "choices": range(line.quantity + 1),
        "quantity": int(quantity) if quantity.isdigit() and len(quantity) <= 4 else 0,
        "reason": posted.get(f"reason-{pk}", ""),
        "comment": posted.get(f"comment-{pk}", ""),
    }


def _items_posted(data, files, order) -> list[ItemInput]:
    """The lines given a quantity; one that is not a whole number becomes -1, which the checks refuse with a reason.

    Their photos are checked and cleaned here, before anything is stored: one we refuse fails the whole form.
    """
    too_large = uploads_too_large([upload for key in files for upload in files.getlist(key)])
    if too_large:
        raise ReturnValidationError({"photos": too_large})
    items, refused = [], []
    for line in order.line_items.all():
        raw = data.get(f"quantity-{line.pk}", "0").strip()
        quantity = int(raw) if raw.isdigit() and len(raw) <= 4 else -1
        if quantity == 0:
            continue
        photos, errors = photos_prepare(files.getlist(f"photos-{line.pk}"), label=line.title)
        refused += errors
        reason, comment = data.get(f"reason-{line.pk}", ""), data.get(f"comment-{line.pk}", "")[:2000]
        exchange = _variant_id(data.get(f"exchange-{line.pk}", ""))
        items.append(ItemInput(line.pk, quantity, reason, comment, photos=tuple(photos), exchange_variant_id=exchange))
    if refused:
        raise ReturnValidationError({f"photos-{index}": message for index, message in enumerate(refused)})
    return items


def _variant_id(raw: str) -> int | None:
    """The variant chosen for an exchange: None when none was; a value that is no id becomes 0, which no
    variant has, so the checks refuse it with a message rather than ignore it."""
    raw = raw.strip()
    if not raw:
        return None
    return int(raw) if raw.isdigit() and len(raw) <= 12 else 0


def _submission_key(value: str) -> str:
    """The form's own id: a second submit of the same form finds the return the first one made."""
    try:
        return uuid.UUID(value).hex
    except ValueError:
        return ""


@require_http_methods(["GET", "HEAD"])
def detail(request, token, rma):
    order, response = _order_for(request, token)
    if response is not None:
        return response
    return _detail_render(request, order, token, rma, parcel_form=ReturnParcelForm())


def _detail_render(request, order, token, rma, *, parcel_form, status=200, error=""):
    with merchant_scope(order.merchant):
        found = (
            ReturnRequest.objects.filter(order=order, rma=rma)
            .select_related("shipment")
            .prefetch_related("items__line_item", "items__photos", "items__exchange_variant")
            .first()
        )
        if found is None:
            raise Http404
        policy = policy_for(order.merchant)
        labels = label_settings_for(order.merchant)
        address = return_address_lines(order.merchant, policy=policy, settings=labels)
        exchange = _exchange_shown(found, policy)  # when it ships may count the customer's returns
    context = {
        "the_return": found,
        "policy": policy,
        "return_address": address,
        "way_back": _way_back(found, labels_offered=labels.provider != Provider.NONE),
        "parcel_form": parcel_form,
        "cancellable": found.status in CUSTOMER_CANCELLABLE,
        "exchange": exchange,
        "error": error,
    }
    return _render(request, order, token, "returns/portal/detail.html", context, status=status)


def _exchange_shown(the_return: ReturnRequest, policy) -> dict | None:
    """What the return's page says of an exchange: when the new item ships, and what a sold-out one becomes."""
    if the_return.resolution != Resolution.EXCHANGE_VARIANT:
        return None
    shown = {"when": ships_when(the_return)}
    if the_return.exchange_status == ExchangeStatus.SOLD_OUT:
        amounts = {
            code: resolution_amounts(
                policy,
                resolution=code,
                method=the_return.method,
                items_amount=the_return.items_amount,
                currency=the_return.currency,
            )
            for code in (Resolution.STORE_CREDIT, Resolution.REFUND)
        }
        shown["credit"] = amounts[Resolution.STORE_CREDIT]["credit_amount"]
        shown["refund"] = amounts[Resolution.REFUND]["refund_amount"]
    return shown


def _way_back(the_return: ReturnRequest, *, labels_offered: bool) -> dict | None:
    """How the parcel travels, for an approved return that still has to be sent (None otherwise)."""
    if the_return.status != "approved" or the_return.method == Method.KEEP_IT:
        return None
    on_label = the_return.method in (Method.LABEL, Method.QR_DROPOFF) and labels_offered
    return {
        # Bought labels are shown; one still being bought is announced; else the customer ships it.
        "label_pending": on_label and not the_return.label_url,
        "ship_it": not on_label,
        # A callable: the template calls it while rendering, in the customer's language.
        "steps": functools.partial(dropoff_instructions, the_return, labels_offered=labels_offered),
    }


@require_http_methods(["GET", "HEAD"])
def slip(request, token, rma):
    """The packing slip PDF, in the customer's language."""
    order, response = _order_for(request, token)
    if response is not None:
        return response
    merchant = order.merchant
    language = customer_language(merchant=merchant, order=order, asked=request.GET.get("lang", ""))
    with merchant_scope(merchant), timezone.override(customer_time_zone(merchant=merchant, customer=order.customer)):
        found = ReturnRequest.objects.filter(order=order, rma=rma).first()
        if found is None:
            raise Http404
        pdf = packing_slip_pdf(found, language=language)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{slip_filename(found)}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _return_of(order, rma: str) -> ReturnRequest:
    """The order's return with this RMA; another order's (or another shop's) is a 404 like a missing one."""
    with merchant_scope(order.merchant):
        found = ReturnRequest.objects.filter(order=order, rma=rma).first()
    if found is None:
        raise Http404
    return found


def _back_to_detail(token, rma: str, language: str):
    """After a POST on a return: its page again, in the language the customer was reading."""
    path = reverse("portal-returns:detail", kwargs={"token": token, "rma": rma})
    return redirect(f"{path}?lang={language}")


@require_http_methods(["POST"])
def parcel(request, token, rma):
    """The customer who ships the return themselves gives its tracking number (returns/parcels.py)."""
    order, response = _order_for(request, token)
    if response is not None:
        return response
    found = _return_of(order, rma)
    language = request.GET.get("lang", "")
    with translation.override(customer_language(merchant=order.merchant, order=order, asked=language)):
        form = ReturnParcelForm(request.POST)
        if found.method != Method.SHIP_YOURSELF or found.status != ReturnStatus.APPROVED:
            form.add_error(None, _("This return is not waiting for a tracking number from you."))
        elif form.is_valid():
            try:
                return_parcel_attach(found, form.cleaned_data["tracking_number"], form.cleaned_data["carrier"])
            except ReturnValidationError as invalid:
                form.add_error("tracking_number", invalid.errors["tracking_number"])
    if form.errors:
        return _detail_render(request, order, token, rma, parcel_form=form, status=400)
    return _back_to_detail(token, rma, language)


@require_http_methods(["POST"])
def exchange_instead(request, token, rma):
    """The customer's new item sold out: they choose store credit or a refund instead."""
    order, response = _order_for(request, token)
    if response is not None:
        return response
    found = _return_of(order, rma)
    language = request.GET.get("lang", "")
    with translation.override(customer_language(merchant=order.merchant, order=order, asked=language)):
        try:
            return_exchange_fallback(request=found, resolution=request.POST.get("resolution", ""))
        except ReturnStateError as refused:
            return _detail_render(
                request, order, token, rma, parcel_form=ReturnParcelForm(), status=409, error=str(refused)
            )
        except ReturnValidationError as invalid:
            error = next(iter(invalid.errors.values()))
            return _detail_render(request, order, token, rma, parcel_form=ReturnParcelForm(), status=400, error=error)
    return _back_to_detail(token, rma, language)


@require_http_methods(["POST"])
def cancel(request, token, rma):
    """The customer cancels their return, until its parcel leaves."""
    order, response = _order_for(request, token)
    if response is not None:
        return response
    found = _return_of(order, rma)
    language = request.GET.get("lang", "")
    with translation.override(customer_language(merchant=order.merchant, order=order, asked=language)):
        try:
            return_cancel_by_customer(request=found)
        except ReturnStateError as refused:
            return _detail_render(
                request, order, token, rma, parcel_form=ReturnParcelForm(), status=409, error=str(refused)
            )
    return _back_to_detail(token, rma, language)

"""The one email the portal sends itself: a fresh link, to the address a customer typed."""

from email.utils import formataddr

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from core.scoping import merchant_scope
from flows.selectors import address_blocked
from merchants.branding import brand_palette
from merchants.models import Merchant
from orders.models import Customer, Order

from .links import customer_portal_url, order_token

ORDERS_LISTED = 5
# A double click, or a worker that ran the task twice, sends one email: repeats within this many seconds are dropped.
REPEAT_WINDOW = 120


def fresh_link_send(*, merchant_id: int, address: str, language: str) -> bool:
    """Sends the link when the shop knows a customer at this address who may be written to."""
    merchant = Merchant.objects.filter(pk=merchant_id).first()
    if merchant is None:
        return False
    with merchant_scope(merchant):
        customer = (
            Customer.objects.filter(email__iexact=address, redacted_at__isnull=True).order_by("-created_at").first()
        )
        if customer is None or address_blocked(merchant=merchant, address=address):
            return False
        if not cache.add(f"portal:fresh-link:sent:{merchant.pk}:{address.lower()}", 1, timeout=REPEAT_WINDOW):
            return False
        orders = list(Order.objects.filter(customer=customer, test=False).order_by("-placed_at")[:ORDERS_LISTED])
        with translation.override(language):
            message = _message(merchant, customer, orders, language)
    message.send()
    return True


def _message(merchant, customer, orders, language: str) -> EmailMultiAlternatives:
    context = {
        "merchant": merchant,
        "brand_color": merchant.primary_color,
        "palette": brand_palette(merchant.primary_color),
        "portal_url": f"{customer_portal_url(customer)}?lang={language}",
        "orders": [
            (
                order,
                f"{settings.SITE_URL}{reverse('tracking-public:page', kwargs={'token': order_token(order)})}?lang={language}",
            )
            for order in orders
        ],
    }
    message = EmailMultiAlternatives(
        subject=_("Your link to your orders at %(shop)s") % {"shop": merchant.name},
        body=render_to_string("portal/email/fresh_link.txt", context),
        from_email=formataddr(
            (merchant.sender_name or merchant.name, merchant.sender_email or settings.DEFAULT_FROM_EMAIL)
        ),
        to=[customer.email],
        reply_to=[merchant.support_email] if merchant.support_email else None,
    )
    message.attach_alternative(render_to_string("portal/email/fresh_link.html", context), "text/html")
    return message

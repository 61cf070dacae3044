"""Thin Celery tasks: they take ids, find the merchant, and call a service."""

import logging
from datetime import datetime

from celery import shared_task
from django.core.mail import EmailMessage
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.scoping import merchant_scope, unscoped
from merchants.models import Merchant

from . import polling, services
from .models import CarrierSetting, Shipment, WismoContact
from .selectors import ACTIVE_STATUSES
from .tokens import tracking_page_url

logger = logging.getLogger(__name__)
SWEEP_BATCH = 1000


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def send_wismo_email(merchant_id: int, contact_id: int) -> bool:
    """Tell the merchant's support address that a customer asked where their order is."""
    merchant = Merchant.objects.filter(pk=merchant_id).first()
    if merchant is None or not merchant.support_email:
        return False
    with merchant_scope(merchant):
        contact = WismoContact.objects.select_related("order", "order__customer").filter(pk=contact_id).first()
        if contact is None:
            return False
        order = contact.order
        with translation.override(merchant.default_language):
            subject = _("Where is my order? %(number)s") % {"number": order.number}
            body = "\n".join(
                [
                    _("A customer asked about order %(number)s from its tracking page.") % {"number": order.number},
                    "",
                    _("Reason: %(reason)s") % {"reason": contact.get_reason_display()},
                    _("Message: %(message)s") % {"message": contact.message or "—"},
                    _("Customer email: %(email)s") % {"email": order.email or "—"},
                    _("Tracking page: %(url)s") % {"url": tracking_page_url(order)},
                ]
            )
    reply_to = [order.email] if order.email else None
    EmailMessage(subject, body, to=[merchant.support_email], reply_to=reply_to).send()
    return True


@shared_task
def flush_page_views() -> int:
    """Writes the tracking page views buffered in Redis (every few seconds, on the analytics queue)."""
    return services.tracking_page_views_flush()


@shared_task
def check_delays(now_iso: str = "") -> int:
    """The periodic delay check over every merchant's active shipments."""
    now = datetime.fromisoformat(now_iso) if now_iso else timezone.now()
    with unscoped():
        rows = list(
            Shipment.all_directions.filter(status__in=ACTIVE_STATUSES, cancelled_at__isnull=True)
            .order_by("merchant_id", "id")
            .values_list("merchant_id", "id")[: SWEEP_BATCH * 50]
        )
        merchants = Merchant.objects.in_bulk({merchant_id for merchant_id, _ in rows})
    changed = 0
    for merchant_id, shipment_id in rows:
        before_after = services.shipment_delay_check(merchant=merchants[merchant_id], shipment_id=shipment_id, now=now)
        changed += before_after.is_delayed
    return changed


@shared_task
def poll_active_shipments() -> int:
    """Ask each configured polling adapter about the active shipments of its carrier."""
    with unscoped():
        settings = list(CarrierSetting.objects.exclude(polling_adapter="").select_related("merchant"))
    polled = 0
    for setting in settings:
        adapter = polling.adapter_named(setting.polling_adapter)
        if adapter is None:
            logger.warning(
                "carrier %s of merchant %s names unknown adapter %r",
                setting.carrier,
                setting.merchant_id,
                setting.polling_adapter,
            )
            continue
        with merchant_scope(setting.merchant):
            numbers = list(
                Shipment.all_directions.filter(
                    merchant=setting.merchant, carrier=setting.carrier, status__in=ACTIVE_STATUSES
                )
                .exclude(tracking_number="")
                .filter(cancelled_at__isnull=True)
                .values_list("tracking_number", flat=True)
                .distinct()
            )
        for number in numbers:
            poll_shipment_number(setting.merchant, setting.carrier, adapter, number)
            polled += 1
    return polled


def poll_shipment_number(merchant, carrier, adapter, number) -> None:
    try:
        events = adapter.fetch(number)
    except polling.PollingError as exc:
        logger.info("polling %s %s failed: %s", carrier, number, exc)
        return
    result = services.provider_events_apply(
        merchant=merchant, source="poll", tracking_number=number, events=events, carrier=carrier
    )
    for rejected in result.rejected or []:
        logger.warning("polled event refused for %s: %s", number, rejected)

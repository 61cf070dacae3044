from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "returns"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from core.dashboard import NavEntry, dashboard_nav_register
        from flows.rules import register_order_prefetch, register_stop_rule
        from orders.events import subscribe
        from orders.privacy import register_eraser, register_exporter
        from orders.sections import OrderSection, order_section_register
        from portal.sections import PortalSection, portal_section_register
        from shop_actions.services import on_shop_action_finished

        from . import event_kinds, exchanges, lifecycle, mail, parcels, privacy, rules

        event_kinds.register()
        mail.register()
        subscribe("return_parcel.", parcels.on_return_parcel_event)  # the parcel's scans move the return
        on_shop_action_finished("refund", lifecycle.return_refund_finished)
        on_shop_action_finished("exchange_order", exchanges.exchange_order_finished)
        # An exchange order the shop sends back, and its parcel: their events name the RMA (no query otherwise).
        subscribe("order.created", exchanges.on_exchange_order_event)
        subscribe("order.updated", exchanges.on_exchange_order_event)
        subscribe("shipment.created", exchanges.on_exchange_shipment_event)
        register_order_prefetch("returns")  # read by the two stop rules below, for a whole batch at once
        register_stop_rule("open_return", _("An open return"), rules.has_open_return)
        register_stop_rule("order_returned", _("Items of the order were returned"), rules.order_returned)
        portal_section_register(
            PortalSection("returns", "order", _("Returns"), "returns.portal_urls", 20, offered=rules.returns_offered)
        )
        order_section_register(OrderSection("returns", template="returns/staff/_order_returns.html"))
        dashboard_nav_register(NavEntry("returns", _("Returns"), "returns:index", "/app/returns/", order=50))
        _settings_drop_cached_pages()
        register_eraser("returns.returns", privacy.erase_returns)
        register_exporter("returns", privacy.export_returns)


def _settings_drop_cached_pages() -> None:
    """The customer's returns form is cached with the order's pages: a change to the shop's return
    settings makes those pages stale (returns/portal_views.py)."""
    from django.db.models.signals import post_delete, post_save

    from tracking.page_cache import merchant_pages_drop

    from .labels.models import LabelSettings, ParcelSize
    from .models import ReturnPolicy, ReturnReason, ReturnRule

    def drop(sender, instance, **kwargs):
        merchant_pages_drop(instance.merchant_id)

    for model in (ReturnPolicy, ReturnRule, ReturnReason, LabelSettings, ParcelSize):
        for signal in (post_save, post_delete):
            signal.connect(drop, sender=model, weak=False, dispatch_uid=f"returns.{model.__name__}.{signal}")

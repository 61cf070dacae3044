from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from core.dashboard import NavEntry, dashboard_nav_register
        from flows.rules import register_stop_rule
        from orders.events import subscribe
        from orders.privacy import register_eraser, register_exporter

        from . import event_kinds, mail, nps, page_cache, privacy, rules
        from .reviews import register_reviews

        event_kinds.register()
        page_cache.connect()
        mail.register()
        subscribe("shipment.delivered", nps.on_delivered)
        register_stop_rule("csat_off", _("CSAT surveys are switched off"), rules.csat_off)
        register_stop_rule("nps_off", _("NPS surveys are switched off"), rules.nps_off, needs_order=False)
        register_stop_rule("order_fully_refunded", _("The order was fully refunded"), rules.order_fully_refunded)
        register_stop_rule(
            "return_open_paused", _("A return is open (surveys wait, as the shop chose)"), rules.return_open_paused
        )
        register_stop_rule("survey_answered", _("Survey already answered"), rules.survey_answered, needs_order=False)
        register_stop_rule(
            "nps_asked_recently", _("An NPS was asked recently"), rules.nps_asked_recently, needs_order=False
        )
        register_stop_rule(
            "low_satisfaction", _("A recent low survey score"), rules.low_satisfaction, needs_order=False
        )
        from django.db.models.signals import post_delete, post_save

        from .models import SurveySettings
        from .services import survey_settings_forget

        for signal in (post_save, post_delete):
            signal.connect(survey_settings_forget, sender=SurveySettings, dispatch_uid=f"feedback.settings.{signal}")
        register_eraser("feedback.answers", privacy.erase_answers)
        register_exporter("feedback", privacy.export_answers)

        dashboard_nav_register(NavEntry("feedback", _("Feedback"), "feedback:index", "/app/feedback/", order=60))
        register_reviews()

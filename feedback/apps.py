from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from core.dashboard import NavEntry, dashboard_nav_register

        from .reviews import register_reviews

        dashboard_nav_register(NavEntry("feedback", _("Feedback"), "feedback:index", "/app/feedback/", order=60))
        register_reviews()

from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from merchants.views import empty_section

app_name = "feedback"

urlpatterns = [
    path("reviews/", include("feedback.review_urls")),
    path(
        "", empty_section(_("Feedback"), _("CSAT and NPS surveys are not available in this version yet.")), name="index"
    ),
]

from django.urls import path
from django.utils.translation import gettext_lazy as _

from merchants.views import empty_section

from .labels.urls import urlpatterns as label_urlpatterns

app_name = "returns"

urlpatterns = [
    path(
        "",
        empty_section(_("Returns"), _("Self-service returns and exchanges are not available in this version yet.")),
        name="index",
    ),
    *label_urlpatterns,
]

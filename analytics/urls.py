from django.urls import path
from django.utils.translation import gettext_lazy as _

from merchants.views import empty_section

app_name = "analytics"

urlpatterns = [
    path("", empty_section(_("Analytics"), _("KPI dashboards are not available in this version yet.")), name="index"),
]

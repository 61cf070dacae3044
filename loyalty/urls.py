from django.urls import path
from django.utils.translation import gettext_lazy as _

from merchants.views import empty_section

app_name = "loyalty"

urlpatterns = [
    path(
        "",
        empty_section(_("Loyalty"), _("Loyalty points and referrals are not available in this version yet.")),
        name="index",
    ),
]

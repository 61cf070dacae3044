"""The operator admin at /admin/, which sees every shop: Django's admin behind the staff login's throttle."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class OperatorAdminSite(admin.AdminSite):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Imported here: INSTALLED_APPS loads this module before models exist; the site is built after.
        from .forms import AdminLoginForm

        self.login_form = AdminLoginForm

    def login(self, request, extra_context=None):
        from .views import lockout_status

        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        return lockout_status(response, form)


class OperatorAdminConfig(AdminConfig):
    default_site = "merchants.admin_site.OperatorAdminSite"

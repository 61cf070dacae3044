"""/api/v1/support-contacts: explicit path, no trailing slash."""

from django.urls import path

from .api import SupportContactViewSet

urlpatterns = [
    path(
        "support-contacts",
        SupportContactViewSet.as_view({"get": "list", "post": "create"}, basename="api-support-contacts", detail=False),
        name="api-support-contacts-list",
    ),
]

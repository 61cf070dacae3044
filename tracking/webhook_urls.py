"""/webhooks/<provider>/<merchant_slug>/ for every provider module in tracking/providers/."""

from django.urls import path

from .providers import discover
from .webhooks import provider_view

urlpatterns = [
    path(f"{source}/<slug:merchant_slug>/", provider_view(source), name=f"webhook-{source}")
    for source in sorted(discover())
]

"""/returns/: a customer without their link finds their order's returns page by number and email."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from portal.links import order_token
from tracking.public_views import LookupPage, order_lookup
from tracking.tokens import tracking_page_path

from .rules import returns_offered


def _returns_page(order) -> str:
    if not returns_offered(order.merchant):  # the order's own page, where the shop can be contacted
        return tracking_page_path(order)
    return reverse("portal-returns:index", kwargs={"token": order_token(order)})


RETURNS_LOOKUP = LookupPage(
    title=_("Return an item"),
    intro=_("Enter your order number and the email address you used when ordering: we open your order's returns."),
    button=_("Find my order"),
    destination=_returns_page,
)


@require_http_methods(["GET", "HEAD", "POST"])
def returns_lookup(request):
    return order_lookup(request, RETURNS_LOOKUP)

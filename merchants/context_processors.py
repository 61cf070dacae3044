from core.dashboard import dashboard_nav

from .models import Role
from .selectors import memberships_of


def current_merchant(request):
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)

    def my_memberships():
        # Called by the template only where the merchant switcher is drawn.
        return memberships_of(user=user) if user is not None and user.is_authenticated else []

    return {
        "current_merchant": getattr(request, "merchant", None),
        "current_membership": membership,
        "my_memberships": my_memberships,
        "can_manage_settings": membership is not None and membership.has_role(Role.ADMIN),
        "can_manage_team": membership is not None and membership.has_role(Role.OWNER),
        "dashboard_nav": dashboard_nav,
    }

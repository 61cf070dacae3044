from core.dashboard import dashboard_nav

from .models import Role


def current_merchant(request):
    membership = getattr(request, "membership", None)
    return {
        "current_merchant": getattr(request, "merchant", None),
        "current_membership": membership,
        "my_memberships": getattr(request, "memberships", []),
        "can_manage_settings": membership is not None and membership.has_role(Role.ADMIN),
        "can_manage_team": membership is not None and membership.has_role(Role.OWNER),
        "dashboard_nav": dashboard_nav,
    }

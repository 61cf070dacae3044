"""Access rules for dashboard views."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from .models import Role


def staff_view(minimum_role: str = Role.VIEWER):
    """A dashboard view: signed in, working for a merchant, with at least `minimum_role`.

    The request already runs inside that merchant's scope (CurrentMerchantMiddleware).
    """

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.membership is None:
                return redirect("no-merchant")
            if not request.membership.has_role(minimum_role):
                raise PermissionDenied("Your role does not allow this.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator

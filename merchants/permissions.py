from rest_framework import permissions

from .models import Role, role_at_least


class ApiKeyRolePermission(permissions.BasePermission):
    """Any valid key may read; writing needs an agent key or better.

    A view may raise the bar with `required_write_role = Role.ADMIN`.
    """

    message = "This API key is read-only (viewer role); use a key with the agent or admin role."

    def has_permission(self, request, view):
        api_key = request.auth
        if api_key is None:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        required = getattr(view, "required_write_role", Role.AGENT)
        if role_at_least(api_key.role, required):
            return True
        if required != Role.AGENT:
            self.message = (
                f"This action needs an API key with the {required} role; this key has the {api_key.role} role."
            )
        return False

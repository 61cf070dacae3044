"""Base for every API view: authenticate the key, then run inside its merchant's scope."""

from contextlib import ExitStack

from rest_framework import viewsets
from rest_framework.views import APIView

from core.scoping import merchant_scope


class MerchantScopedMixin:
    """Enters the API key's merchant scope after authentication, leaves it after the response.

    Querysets built by subclasses are therefore filtered to that merchant; a view that
    forgets to scope fails closed with ScopeError instead of leaking.
    """

    def initial(self, request, *args, **kwargs):
        self._scope_stack = ExitStack()
        super().initial(request, *args, **kwargs)  # authenticates and checks permissions
        self._scope_stack.enter_context(merchant_scope(request.merchant))

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if hasattr(self, "_scope_stack"):
            self._scope_stack.close()
        return response

    @property
    def merchant(self):
        return self.request.merchant


class MerchantAPIView(MerchantScopedMixin, APIView):
    pass


class MerchantViewSet(MerchantScopedMixin, viewsets.GenericViewSet):
    pass

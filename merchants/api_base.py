"""Base for every API view: authenticate the key, then run inside its merchant's scope."""

from contextlib import ExitStack

from django.utils.cache import add_never_cache_headers
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.views import APIView

from core.api_filters import filter_parameters
from core.scoping import merchant_scope


class MerchantScopedMixin:
    """Enters the API key's merchant scope after authentication, leaves it after the response.

    Querysets built by subclasses are therefore filtered to that merchant; a view that
    forgets to scope fails closed with ScopeError instead of leaking.
    """

    # Query parameters a view reads itself, besides its filters and pagination; an action sets its own
    # with @action(..., extra_query_parameters=(...)).
    extra_query_parameters: tuple[str, ...] = ()

    def initial(self, request, *args, **kwargs):
        self._scope_stack = ExitStack()
        super().initial(request, *args, **kwargs)  # authenticates and checks permissions
        self._refuse_unknown_query_parameters(request)
        self._scope_stack.enter_context(merchant_scope(request.merchant))

    def _refuse_unknown_query_parameters(self, request):
        """A misspelt filter (`?placed_after=`) would otherwise be ignored and the whole list returned."""
        unknown = set(request.query_params) - self._known_query_parameters()
        if unknown:
            known = ", ".join(sorted(self._known_query_parameters())) or "none"
            raise ValidationError(
                {name: [f"Unknown query parameter. This route takes: {known}."] for name in sorted(unknown)}
            )

    def _known_query_parameters(self) -> set[str]:
        known = set(self.extra_query_parameters)
        if getattr(self, "filterset_class", None) is not None:
            known |= filter_parameters(self.filterset_class)
        paginator = getattr(self, "paginator", None)
        if paginator is not None:
            known |= {paginator.limit_query_param, paginator.offset_query_param}
        return known

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)  # answers hold the shop's orders and customers: never stored
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

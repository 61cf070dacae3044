"""Dashboard requests run inside the scope of the merchant the staff member is working for,
in the staff member's own language."""

from contextlib import nullcontext

from django.conf import settings
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers

from core.scoping import merchant_scope

from .selectors import membership_for_session, memberships_of

SESSION_KEY = "current_merchant_id"


class CurrentMerchantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        request.membership = None
        request.merchant = None
        request.memberships = []
        language_before = translation.get_language()
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            self.activate_language(request)
            # Read once: the session's shop and the header's merchant switcher both come from this list.
            request.memberships = memberships_of(user=request.user)
            membership = membership_for_session(request.memberships, request.session.get(SESSION_KEY))
            if membership is not None:
                request.membership = membership
                request.merchant = membership.merchant
                # Staff read times in their shop's time zone, whatever the server's.
                timezone.activate(membership.merchant.tzinfo)
        context = merchant_scope(request.merchant) if request.merchant else nullcontext()
        try:
            with context:
                response = self.get_response(request)
                if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                    response.render()  # lazy templates must render inside the scope
                return response
        finally:
            timezone.deactivate()
            translation.activate(language_before)  # the profile's language ends with its request

    def activate_language(self, request):
        """A signed-in person sees every staff page in the language of their profile."""
        language = request.user.language
        if language in self.languages:
            translation.activate(language)
            request.LANGUAGE_CODE = language


class PrivatePagesMiddleware:
    """Pages answered to a signed-in person show their shop's customers: no browser or proxy keeps them.

    Without it the back button, a shared computer's cache or a caching proxy could show order
    and customer details after sign-out. (API answers get the same headers in merchants/api_base.py.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Read before the view: signing out must not make its own answer cacheable.
        signed_in = getattr(request, "user", None) is not None and request.user.is_authenticated
        response = self.get_response(request)
        if signed_in:
            add_never_cache_headers(response)
        return response

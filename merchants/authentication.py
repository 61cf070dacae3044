"""`Authorization: Bearer <key>` for the REST API."""

from rest_framework import authentication, exceptions

from .services import api_key_authenticate


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _, key = header.partition(" ")
        if keyword != self.keyword or not key.strip():
            raise exceptions.AuthenticationFailed("Use the header 'Authorization: Bearer <api key>'.")
        api_key = api_key_authenticate(plaintext=key.strip())
        if api_key is None:
            raise exceptions.AuthenticationFailed("This API key is invalid or has been revoked.")
        request.merchant = api_key.merchant
        return (None, api_key)

    def authenticate_header(self, request):
        return self.keyword

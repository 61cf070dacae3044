"""GET /api/v1/me: lets an integrator check which shop and role a key opens."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from .api_base import MerchantAPIView

MeSerializer = inline_serializer(
    name="Me",
    fields={
        "merchant": inline_serializer(
            name="MeMerchant", fields={"slug": serializers.CharField(), "name": serializers.CharField()}
        ),
        "key": inline_serializer(
            name="MeKey",
            fields={
                "name": serializers.CharField(),
                "prefix": serializers.CharField(),
                "role": serializers.ChoiceField(choices=["viewer", "agent", "admin"]),
            },
        ),
    },
)


class MeView(MerchantAPIView):
    """Which shop and role the calling key opens: a safe first call to check a new key."""

    @extend_schema(summary="The shop and role of the calling API key", responses=MeSerializer, tags=["account"])
    def get(self, request):
        api_key = request.auth
        return Response(
            {
                "merchant": {"slug": api_key.merchant.slug, "name": api_key.merchant.name},
                "key": {"name": api_key.name, "prefix": api_key.PREFIX + api_key.prefix, "role": api_key.role},
            }
        )

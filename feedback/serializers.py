from rest_framework import serializers

from .models import Kind
from .payloads import response_data


class ResponseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    survey = serializers.ChoiceField(choices=Kind.choices)
    score = serializers.IntegerField(help_text="CSAT 1–5, NPS 0–10: the latest submitted.")
    comment = serializers.CharField(help_text="Plain text as the customer wrote it: escape it when you show it.")
    second_question = serializers.CharField(allow_null=True)
    second_answer = serializers.CharField(allow_null=True)
    language = serializers.CharField()
    order_id = serializers.IntegerField(allow_null=True)
    customer_id = serializers.IntegerField(allow_null=True)
    invitation_id = serializers.IntegerField()
    created_at = serializers.DateTimeField(help_text="The first submit.")
    updated_at = serializers.DateTimeField(help_text="The latest submit.")

    def to_representation(self, instance):
        return response_data(instance)

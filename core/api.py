"""REST API plumbing every app's endpoints share: exact JSON numbers and one key per bad field."""

import codecs
import json
from decimal import Decimal

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _refuse_constant(name):
    raise ValueError(f"{name} is not a number JSON allows")


class ExactJSONParser(JSONParser):
    """JSON whose numbers with a fraction become Decimal, so 19.99 is stored as 19.99 exactly."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
            return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
        except ValueError as exc:
            raise ParseError(f"The body is not valid JSON: {exc}") from exc


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """{"line_items": {1: {"unit_price": [...]}}} -> {"line_items[1].unit_price": [...]}: one key per bad field."""
    if isinstance(detail, dict):
        flat = {}
        for key, value in detail.items():
            if isinstance(key, int):
                name = f"{prefix}[{key}]"
            elif prefix:
                name = f"{prefix}.{key}"
            else:
                name = str(key)
            flat.update(flatten_errors(value, name))
        return flat
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        flat = {}
        for index, item in enumerate(detail):
            flat.update(flatten_errors(item, f"{prefix}[{index}]"))
        return flat
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(message) for message in messages]} if messages else {}

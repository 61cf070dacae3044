"""Checks shared by every service that takes typed input: each adds a message a person can act on
to `errors`, keyed by the field's name (or path, e.g. "line_items[1].title")."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone


def check_length(errors: dict, name: str, value: str, limit: int, *, required: bool = False) -> None:
    if not isinstance(value, str):
        errors[name] = "Must be text."
    elif "\x00" in value:
        errors[name] = "Null characters are not allowed."
    elif required and not value.strip():
        errors[name] = "This field is required."
    elif len(value) > limit:
        errors[name] = f"At most {limit} characters."


def check_aware(errors: dict, name: str, value, *, required: bool = False) -> None:
    if value is None:
        if required:
            errors[name] = "This field is required."
    elif not isinstance(value, datetime):
        errors[name] = "Enter a date and time in ISO 8601 format."
    elif timezone.is_naive(value):
        errors[name] = "Give a time zone (e.g. 2025-03-01T10:00:00Z)."


_WEB_URL = URLValidator(schemes=["http", "https"])


def is_web_url(value) -> bool:
    """True for an absolute http(s) address: the only links we store from a shop or show to anyone
    (a `javascript:` or `data:` one would run in our pages)."""
    if not isinstance(value, str) or not value:
        return False
    try:
        _WEB_URL(value)
    except ValidationError:
        return False
    return True


def check_web_url(errors: dict, name: str, value: str) -> None:
    if name in errors or not value:
        return
    if not is_web_url(value.strip() if isinstance(value, str) else value):
        errors[name] = "Give an absolute http:// or https:// address."

"""Fixtures shared by the outbound webhook tests."""

from .outbound_support import allow_private, fake_dns, receiver  # noqa: F401 - fixtures for test_outbound_*

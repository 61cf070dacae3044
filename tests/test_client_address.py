"""The client address every rate limit counts by: X-Forwarded-For only as far as NUM_PROXIES trusts it."""

import logging

import pytest
from django.test import RequestFactory

from core import client_address as module
from core.client_address import client_address, client_rate_key


@pytest.fixture(autouse=True)
def _warnings_logged_afresh():
    module._warn_once.cache_clear()
    yield
    module._warn_once.cache_clear()


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/accounts/login/", **extra)


def test_without_proxies_the_socket_address_counts_and_the_header_is_ignored(settings):
    settings.NUM_PROXIES = 0
    assert client_address(request_from("203.0.113.7")) == "203.0.113.7"
    assert client_address(request_from("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_behind_one_proxy_the_entry_it_appended_counts(settings):
    settings.NUM_PROXIES = 1
    assert client_address(request_from("10.0.0.1", "203.0.113.7")) == "203.0.113.7"


@pytest.mark.parametrize(
    "forwarded",
    ["198.51.100.1, 203.0.113.7", "1.1.1.1,2.2.2.2 , 203.0.113.7", "unknown, 203.0.113.7", ", 203.0.113.7"],
)
def test_entries_the_client_wrote_itself_are_ignored(settings, forwarded):
    settings.NUM_PROXIES = 1
    assert client_address(request_from("10.0.0.1", forwarded)) == "203.0.113.7"


def test_behind_two_proxies_the_second_entry_from_the_right_counts(settings):
    settings.NUM_PROXIES = 2
    assert client_address(request_from("10.0.0.2", "198.51.100.1, 203.0.113.7, 10.0.0.1")) == "203.0.113.7"


def test_proxy_without_a_header_falls_back_to_the_socket_address(settings):
    settings.NUM_PROXIES = 1
    assert client_address(request_from("10.0.0.1")) == "10.0.0.1"
    assert client_address(request_from("", None)) == "unknown"


def test_fewer_entries_than_proxies_takes_the_leftmost_and_says_num_proxies_is_too_high(settings, caplog):
    settings.NUM_PROXIES = 3
    with caplog.at_level(logging.WARNING, logger="security"):
        assert client_address(request_from("10.0.0.2", "203.0.113.7, 10.0.0.1")) == "203.0.113.7"
        client_address(request_from("10.0.0.2", "203.0.113.8, 10.0.0.1"))
    assert [r.getMessage() for r in caplog.records] == [
        "NUM_PROXIES is 3 but X-Forwarded-For had 2 entries. See docs/operations.md."
    ]


def test_a_proxy_the_app_does_not_trust_is_reported_once(settings, caplog):
    settings.NUM_PROXIES = 0
    with caplog.at_level(logging.WARNING, logger="security"):
        client_address(request_from("10.0.0.1", "203.0.113.7"))
        client_address(request_from("10.0.0.1", "203.0.113.8"))
        client_address(request_from("81.2.69.160", "198.51.100.1"))  # a public client writing the header: no
    assert len(caplog.records) == 1
    assert "NUM_PROXIES is 0" in caplog.records[0].getMessage() and "10.0.0.1" in caplog.records[0].getMessage()


def test_ipv6_clients_count_by_their_64_network(settings):
    settings.NUM_PROXIES = 0
    one = client_rate_key(request_from("2001:db8:1:2:aaaa::1"))
    same_network = client_rate_key(request_from("2001:db8:1:2:ffff:ffff:ffff:ffff"))
    other_network = client_rate_key(request_from("2001:db8:1:3::1"))
    assert one == same_network == "2001:db8:1:2::/64"
    assert other_network != one


def test_ipv4_keys_are_the_address_itself_also_when_mapped_into_ipv6(settings):
    settings.NUM_PROXIES = 0
    assert client_rate_key(request_from("203.0.113.7")) == "203.0.113.7"
    assert client_rate_key(request_from("::ffff:203.0.113.7")) == "203.0.113.7"

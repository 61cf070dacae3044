"""SSRF: which targets outbound webhooks refuse, at save time and again at send time."""

import ssl
import subprocess

import pytest
import requests
from django.core.exceptions import ValidationError

from core.scoping import merchant_scope
from outbound import services as webhooks
from outbound import ssrf
from outbound.models import OutboundMessage
from outbound.ssrf import UnresolvableHostError, UnsafeTargetError, address_problem, vet_url
from tests.factories import OrderFactory

from .outbound_support import PUBLIC_IP, Receiver, Reply, endpoint_for, publish


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.1.2.3",
        "172.16.5.4",
        "192.168.1.20",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104 - the address under test
        "224.0.0.251",
        "239.255.255.250",
        "240.0.0.1",
        "::1",
        "::",
        "fe80::1%eth0",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::1",  # 6to4 wrapping 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 wrapping 169.254.169.254
    ],
)
def test_non_public_addresses_are_refused(address):
    assert address_problem(address) is not None


@pytest.mark.parametrize("address", [PUBLIC_IP, "1.1.1.1", "2606:4700:4700::1111", "::ffff:93.184.215.14"])
def test_public_addresses_are_accepted(address):
    assert address_problem(address) is None


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("http://127.0.0.1/hook", "loopback"),
        ("http://127.0.0.1:8000/hook", "loopback"),
        ("http://10.0.0.5/hook", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[::1]:8080/hook", "loopback"),
        ("http://2130706433/hook", "loopback"),  # 127.0.0.1 written as one number
        ("ftp://hooks.example.com/hook", "http"),
        ("file:///etc/passwd", "http"),
        ("gopher://hooks.example.com/", "http"),
        ("https://user:pass@hooks.example.com/hook", "Credentials"),
        ("https:///nohost", "host"),
    ],
)
def test_vet_url_refuses(fake_dns, url, fragment):
    with pytest.raises(UnsafeTargetError) as refused:
        vet_url(url, allow_private=False)
    assert fragment in str(refused.value)


def test_hostname_resolving_to_loopback_is_refused(fake_dns):
    fake_dns.table["internal.example.com"] = ["127.0.0.1"]
    with pytest.raises(UnsafeTargetError, match="127.0.0.1"):
        vet_url("https://internal.example.com/hook", allow_private=False)


def test_every_address_is_checked_not_just_the_first(fake_dns):
    fake_dns.table["mixed.example.com"] = [PUBLIC_IP, "10.0.0.7"]
    with pytest.raises(UnsafeTargetError, match="10.0.0.7"):
        vet_url("https://mixed.example.com/hook", allow_private=False)


def test_unresolvable_host_is_its_own_error(fake_dns):
    with pytest.raises(UnresolvableHostError):
        vet_url("https://no-such-host.invalid/hook", allow_private=False)


def test_public_host_passes_and_keeps_port_in_host_header(fake_dns):
    target = vet_url("https://hooks.example.com:8443/in", allow_private=False)
    assert target.addresses == (PUBLIC_IP,)
    assert target.host_header == "hooks.example.com:8443"
    assert vet_url("https://hooks.example.com/in", allow_private=False).host_header == "hooks.example.com"


def test_private_targets_allowed_only_by_the_setting(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(UnsafeTargetError):
        vet_url("http://127.0.0.1:9/hook")
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    assert vet_url("http://127.0.0.1:9/hook").addresses == ("127.0.0.1",)


@pytest.mark.django_db
def test_endpoint_with_private_url_cannot_be_saved(merchant, fake_dns):
    fake_dns.table["metadata.example.com"] = ["169.254.169.254"]
    for url in ("http://127.0.0.1/hook", "http://metadata.example.com/", "http://[::1]/"):
        with pytest.raises(ValidationError) as refused:
            endpoint_for(merchant, url)
        assert "url" in refused.value.message_dict
    with merchant_scope(merchant):
        assert not webhooks.WebhookEndpoint.objects.exists()


@pytest.mark.django_db
def test_dns_changed_to_loopback_is_refused_at_send_time(
    merchant, fake_dns, receiver, django_capture_on_commit_callbacks
):
    """Saved while public; the name now points at us: nothing is sent, and it is not retried."""
    fake_dns.table["rebind.example.com"] = [PUBLIC_IP]
    issued = endpoint_for(merchant, f"http://rebind.example.com:{receiver.port}/hook")
    fake_dns.table["rebind.example.com"] = ["127.0.0.1"]
    with merchant_scope(merchant):
        order = OrderFactory(merchant=merchant)
    publish(
        merchant,
        "order.created",
        order=order,
        payload={"order_id": order.pk},
        capture=django_capture_on_commit_callbacks,
    )
    assert receiver.received == []
    with merchant_scope(merchant):
        message = OutboundMessage.objects.get(endpoint=issued.endpoint)
        attempt = message.attempts.get()
    assert attempt.error.startswith("Refused target")
    assert "127.0.0.1" in attempt.error
    assert message.status == OutboundMessage.Status.FAILED


@pytest.mark.django_db
def test_connection_goes_to_the_vetted_address_even_if_dns_changes(
    merchant, fake_dns, receiver, allow_private, django_capture_on_commit_callbacks
):
    """DNS rebinding: the name is resolved once per send, and the connection uses that answer.

    The second answer (a private address nothing listens on) is never used; the Host header
    keeps the name.
    """
    fake_dns.table["hooks.shop.test"] = [["127.0.0.1"], ["127.0.0.1"], ["10.255.255.1"], ["10.255.255.1"]]
    issued = endpoint_for(merchant, f"http://hooks.shop.test:{receiver.port}/hook")  # first answer, at save time
    with merchant_scope(merchant):
        order = OrderFactory(merchant=merchant)
    publish(
        merchant,
        "order.created",
        order=order,
        payload={"order_id": order.pk},
        capture=django_capture_on_commit_callbacks,
    )
    assert len(receiver.received) == 1
    assert receiver.received[0].headers["host"] == f"hooks.shop.test:{receiver.port}"
    assert fake_dns.lookups == ["hooks.shop.test", "hooks.shop.test"]  # at save, then once at send
    with merchant_scope(merchant):
        assert OutboundMessage.objects.get(endpoint=issued.endpoint).status == OutboundMessage.Status.SUCCEEDED


@pytest.mark.django_db
def test_redirects_are_not_followed(merchant, receiver, allow_private, django_capture_on_commit_callbacks):
    receiver.reply(Reply(status=302, headers={"Location": receiver.url("/elsewhere")}))
    issued = endpoint_for(merchant, receiver.url("/hook"))
    with merchant_scope(merchant):
        order = OrderFactory(merchant=merchant)
    publish(
        merchant,
        "order.created",
        order=order,
        payload={"order_id": order.pk},
        capture=django_capture_on_commit_callbacks,
    )
    assert [request.path for request in receiver.received] == ["/hook"]
    with merchant_scope(merchant):
        message = OutboundMessage.objects.get(endpoint=issued.endpoint)
        attempt = message.attempts.get()
    assert attempt.status_code == 302
    assert "Redirects are not followed" in attempt.error
    assert message.status == OutboundMessage.Status.FAILED


@pytest.fixture
def tls_receiver(tmp_path):
    """An HTTPS receiver whose certificate names hooks.shop.test, and that certificate as CA."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(  # noqa: S603
        [  # noqa: S607
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert),
            "-subj", "/CN=hooks.shop.test", "-addext", "subjectAltName=DNS:hooks.shop.test",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = Receiver(tls_context=context)
    yield server, str(cert)
    server.close()


def test_https_to_the_pinned_address_still_checks_the_certificate_name(
    tls_receiver, fake_dns, allow_private, monkeypatch
):
    server, ca_file = tls_receiver
    monkeypatch.setattr(ssrf, "CA_BUNDLE", ca_file)
    fake_dns.table["hooks.shop.test"] = ["127.0.0.1"]
    fake_dns.table["other.shop.test"] = ["127.0.0.1"]

    answer = ssrf.safe_post(f"https://hooks.shop.test:{server.port}/hook", body=b"{}", headers={}, timeout=5)
    assert answer.status_code == 200
    assert server.received[0].headers["host"] == f"hooks.shop.test:{server.port}"

    # Same address, another name: the certificate does not match it, so nothing is sent.
    with pytest.raises(requests.exceptions.SSLError):
        ssrf.safe_post(f"https://other.shop.test:{server.port}/hook", body=b"{}", headers={}, timeout=5)
    assert len(server.received) == 1

"""Probes, and how the app answers requests it cannot serve."""

import socket

import pytest
from django.db import connections

from config import health
from tests.test_isolation import concrete_url, url_patterns


def closed_port() -> int:
    """A local TCP port nothing listens on: connections to it are refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unreachable_database(*, pooled: bool = False):
    """A connection to the same kind of database, on a port where no server runs."""
    default = connections["default"]
    options = {key: value for key, value in default.settings_dict.get("OPTIONS", {}).items() if key != "pool"}
    options["connect_timeout"] = 2
    if pooled:  # as in production: the wait is bounded by the pool's timeout
        options["pool"] = {"min_size": 1, "max_size": 2, "timeout": 2}
    settings_dict = {**default.settings_dict, "HOST": "127.0.0.1", "PORT": closed_port(), "OPTIONS": options}
    return default.__class__(settings_dict, alias="unreachable")


def test_healthz_answers_while_the_process_is_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_ready_when_database_and_broker_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "checks": ["database", "broker"]}


@pytest.mark.django_db
@pytest.mark.parametrize("pooled", [False, True], ids=["direct", "pooled"])
def test_readyz_names_the_database_when_it_is_unreachable(client, monkeypatch, pooled):
    broken = unreachable_database(pooled=pooled)
    monkeypatch.setattr(health, "connection", broken)
    try:
        response = client.get("/readyz")
    finally:
        broken.close()
        if pooled:
            broken.close_pool()

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert list(body["failing"]) == ["database"]
    assert "OperationalError" in body["failing"]["database"]


@pytest.mark.django_db
def test_readyz_names_the_broker_when_it_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert list(body["failing"]) == ["broker"]
    assert body["failing"]["broker"]


@pytest.mark.django_db
def test_readyz_names_both_when_both_fail(client, settings, monkeypatch):
    def refuse():
        raise ConnectionRefusedError("connection refused")

    monkeypatch.setitem(health.CHECKS, "database", refuse)
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert set(response.json()["failing"]) == {"database", "broker"}


def test_health_probes_are_exempt_from_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/no-such-page/").status_code == 301


@pytest.mark.django_db
def test_unknown_page_is_a_404_in_the_visitors_language(client):
    french = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="fr")
    english = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")

    assert french.status_code == english.status_code == 404
    assert french["Content-Type"].startswith("text/html")
    assert '<html lang="fr"' in french.content.decode()
    english_text, french_text = english.content.decode(), french.content.decode()
    assert "Page not found" in english_text and "This page does not exist" in english_text
    # Whatever the wording, no English sentence is left on the French page.
    assert "Page not found" not in french_text and "This page does not exist" not in french_text


@pytest.mark.django_db
def test_unknown_api_route_is_a_json_404(client, api):
    for caller in (client, api):
        response = caller.get("/api/v1/no-such-resource/", HTTP_ACCEPT_LANGUAGE="fr")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "Not found."}


def api_post_endpoints():
    """/api/v1/ URLs without kwargs whose view accepts POST (the create endpoints)."""
    found = []
    for route, pattern in url_patterns():
        view = pattern.callback
        actions = getattr(view, "actions", None) or {}
        view_class = getattr(view, "cls", None) or getattr(view, "view_class", None)
        accepts_post = "post" in actions or (not actions and hasattr(view_class, "post"))
        url = concrete_url(route)
        if url and url.startswith("/api/v1/") and accepts_post and not pattern.pattern.regex.groupindex:
            found.append(url)
    return found


@pytest.mark.django_db
def test_malformed_json_is_a_400_naming_the_problem(api):
    endpoints = api_post_endpoints()
    assert endpoints, "the API has no POST endpoint to check"
    for url in endpoints:
        response = api.post(url, data='{"number": "#1001",', content_type="application/json")
        assert response.status_code == 400, (url, response.status_code)
        assert response["Content-Type"].startswith("application/json")
        assert "JSON" in str(response.json()["detail"]), url

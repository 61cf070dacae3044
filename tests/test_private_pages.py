"""No browser or proxy stores a page or an API answer that shows a shop's data.

Every dashboard URL pattern is called by a signed-in owner (GET, and a POST with an empty form)
and every API route with the shop's key, filled in with the shop's own objects, like the tenant
isolation walk; each answer, whatever its status, must say `Cache-Control: private, no-store`.
A new page is covered without editing this file.
"""

import json

import pytest
from django.db import transaction
from django.utils.cache import get_max_age
from rest_framework.test import APIClient

from merchants.models import Role
from merchants.services import api_key_issue

from .test_isolation import create_merchant_a, session_for, walkable_urls

DASHBOARD_PREFIXES = ("/app/", "/accounts/")
API_PREFIX = "/api/v1/"  # its root only links to the schema: public, no shop data


def cache_directives(response) -> set[str]:
    return {part.strip().split("=")[0] for part in response.get("Cache-Control", "").split(",") if part.strip()}


def calls_for(url, *, owner, merchant, api_key):
    if url == "/" or url.startswith(DASHBOARD_PREFIXES):
        yield "GET", lambda: session_for(owner, merchant).get(url)
        yield "POST", lambda: session_for(owner, merchant).post(url, data={})
    elif url.startswith(API_PREFIX) and url != API_PREFIX:
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}")
        yield "GET", lambda: api.get(url)
        yield "POST", lambda: api.post(url, data=json.dumps({}), content_type="application/json")


@pytest.mark.django_db
def test_every_dashboard_page_and_api_answer_is_private(django_capture_on_commit_callbacks):
    merchant, owner, _built, _failed = create_merchant_a()
    api_key = api_key_issue(merchant=merchant, name="walk", role=Role.ADMIN).plaintext
    covered, _uncovered, _skipped = walkable_urls()
    checked, stored = 0, []
    for _route, url in covered:
        for method, call in calls_for(url, owner=owner, merchant=merchant, api_key=api_key):
            with transaction.atomic(), django_capture_on_commit_callbacks(execute=True):
                response = call()
            checked += 1
            if not {"private", "no-store"} <= cache_directives(response) or get_max_age(response):
                stored.append(f"{method} {url} ({response.status_code}): {response.get('Cache-Control')!r}")
    assert checked > 100, "the walk found too few dashboard pages and API routes"
    assert not stored, "\n".join(stored)

"""Asking a Shopify shop's Admin GraphQL API (wire_formats_2 §2.0): one POST, token header, JSON.

Only reads for now: the line items of a return, which the returns/* webhooks do not carry.
"""

import re

import requests

from integrations.inbound import TransientError

DEFAULT_VERSION = "2026-07"
TIMEOUT_SECONDS = 10  # called while a webhook delivery is processed: keep it short
SHOP_DOMAIN = re.compile(r"[a-z0-9][a-z0-9-]{0,62}\.myshopify\.com")
VERSION = re.compile(r"\d{4}-\d{2}|unstable")


class AdminApiError(Exception):
    """The shop refused or answered something we cannot read: asking again will not help."""


def graphql_url(shop_domain: str, version: str) -> str:
    """Only a *.myshopify.com host: the domain comes from a (signed) webhook header, never a free URL."""
    if not SHOP_DOMAIN.fullmatch(shop_domain or ""):
        raise AdminApiError(f"{shop_domain!r} is not a myshopify.com shop domain.")
    version = version if VERSION.fullmatch(version or "") else DEFAULT_VERSION
    return f"https://{shop_domain}/admin/api/{version}/graphql.json"


def graphql(*, shop_domain: str, version: str, token: str, query: str, variables: dict) -> dict:
    """The `data` of a GraphQL answer. TransientError for what may pass (network, 429, 5xx, THROTTLED)."""
    url = graphql_url(shop_domain, version)
    try:
        response = requests.post(
            url,
            json={"query": query, "variables": variables},
            headers={"X-Shopify-Access-Token": token, "Content-Type": "application/json"},
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise TransientError(f"Shopify's Admin API did not answer: {type(exc).__name__}.") from exc
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientError(f"Shopify's Admin API answered {response.status_code}; will ask again.")
    if response.status_code != 200:
        raise AdminApiError(f"Shopify's Admin API refused the request ({response.status_code}): check the token.")
    try:
        body = response.json()
    except ValueError as exc:
        raise AdminApiError("Shopify's Admin API answered something that is not JSON.") from exc
    if not isinstance(body, dict):
        raise AdminApiError("Shopify's Admin API answered something that is not a JSON object.")
    errors = body.get("errors")
    if errors:
        codes = {(e.get("extensions") or {}).get("code") for e in errors if isinstance(e, dict)}
        if "THROTTLED" in codes:
            raise TransientError("Shopify's Admin API is throttling us; will ask again.")
        first = errors[0].get("message", "") if isinstance(errors[0], dict) else str(errors[0])
        raise AdminApiError(f"Shopify's Admin API refused the query: {str(first)[:200]}")
    data = body.get("data")
    if not isinstance(data, dict):
        raise AdminApiError("Shopify's Admin API answered without data.")
    return data

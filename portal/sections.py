"""The customer portal's sections: each app adds its pages behind the customer's links.

Every section lives at `/<key>/<token>/`. A section belongs to one scope: "order" sections take an
order link's token (`/track/<token>/`, `/returns/<token>/`: the same token opens every section of
the order), "customer" sections a customer link's (`/me/<token>/`, `/preferences/<token>/`; loyalty
and NPS next). The portal mounts each section's URL module there, in the namespace "portal-<key>", and
lists the sections a shop offers in the navigation of every page of the scope. Views receive the
link's `token` and read it with `portal.links`.

    portal_section_register(PortalSection(
        key="returns", scope="order", label=_("Returns"), urls="returns.portal_urls", position=20,
        offered=lambda merchant: returns_enabled(merchant),
    ))

Keys are in URLs that live in inboxes for years: never rename one.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

SCOPES = ("order", "customer")


@dataclass(frozen=True)
class PortalSection:
    key: str  # the URL segment and namespace
    scope: str  # "order" or "customer"
    label: str  # a lazy translation, shown in the navigation
    urls: str | None  # dotted path of the URL module mounted at /<key>/<token>/; None if the app mounts its own
    position: int
    offered: Callable[..., bool] = lambda merchant: True
    entry: str = "index"  # the URL name of its first page, in its namespace (or in full when `urls` is None)

    @property
    def namespace(self) -> str:
        """ "portal-<key>": apart from the staff pages' namespaces ("returns" is the dashboard's)."""
        return f"portal-{self.key}"

    def url(self, token: str) -> str:
        name = self.entry if self.urls is None else f"{self.namespace}:{self.entry}"
        return reverse(name, kwargs={"token": token})


_sections: dict[str, PortalSection] = {}

MY_ORDERS = PortalSection("me", "customer", _("Your orders"), "portal.customer_urls", 10)
PREFERENCES = PortalSection("preferences", "customer", _("Email preferences"), "portal.preference_urls", 90)


def portal_section_register(section: PortalSection) -> None:
    if section.scope not in SCOPES:
        raise ValueError(f"A portal section's scope is one of {SCOPES}, not {section.scope!r}.")
    known = _sections.get(section.key)
    if known is not None and known.scope != section.scope:
        raise ValueError(f"The portal section key {section.key!r} is taken by a {known.scope} section.")
    _sections[section.key] = section


def portal_sections(scope: str) -> list[PortalSection]:
    return sorted((s for s in _sections.values() if s.scope == scope), key=lambda s: s.position)


def mounted() -> list[PortalSection]:
    """The sections whose pages the portal mounts at /<key>/<token>/."""
    return [section for scope in SCOPES for section in portal_sections(scope) if section.urls is not None]


def navigation(*, scope: str, merchant, token: str, current: str, query: str = "") -> list[dict]:
    """The entries of a scope's navigation the shop offers; empty when there is only one."""
    entries = [
        {"label": s.label, "url": s.url(token) + query, "current": s.key == current}
        for s in portal_sections(scope)
        if s.offered(merchant)
    ]
    return entries if len(entries) > 1 else []

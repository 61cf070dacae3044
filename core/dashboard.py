"""What each app adds to the staff dashboard: its entry in the navigation, its figures on the home
page. Apps register in their AppConfig.ready(); the dashboard shell reads these registries and so
never imports an app (analytics and returns plug in the same way as orders and tracking).

    dashboard_nav_register(NavEntry("orders", _("Orders"), "orders:index", "/app/orders/", order=20))
    home_block_register(HomeBlock("orders", "orders/home_figures.html", orders_home_figures, order=20))
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: str  # a lazy translation
    url_name: str
    path_prefix: str  # the entry is current on every page below it
    order: int


@dataclass(frozen=True)
class HomeBlock:
    """A template rendered on the home page with the data its function computes for one merchant.

    `area` is "figures" (the row of key figures at the top) or "panels" (the sections below)."""

    key: str
    template: str
    data: Callable[..., dict]  # data(merchant=..., since=...) -> the template's `data`
    order: int
    area: str = "figures"


_nav: dict[str, NavEntry] = {}
_home: dict[str, HomeBlock] = {}


def dashboard_nav_register(entry: NavEntry) -> None:
    _nav[entry.key] = entry


def dashboard_nav() -> list[NavEntry]:
    return sorted(_nav.values(), key=lambda entry: entry.order)


def home_block_register(block: HomeBlock) -> None:
    _home[block.key] = block


def home_blocks(*, merchant, since: datetime) -> dict[str, list[tuple[HomeBlock, dict]]]:
    """The home page's blocks by area, each with its data, in their registered order."""
    areas: dict[str, list[tuple[HomeBlock, dict]]] = {"figures": [], "panels": []}
    for block in sorted(_home.values(), key=lambda block: block.order):
        areas[block.area].append((block, block.data(merchant=merchant, since=since)))
    return areas

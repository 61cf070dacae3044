"""/api/v1/returns: explicit paths, no trailing slash, ids as <int:pk>."""

from django.urls import path

from .api import ReturnViewSet
from .figures_api import ReturnFiguresView

BASENAME = "api-returns"
MOVES = ("approve", "reject", "receive", "resolve", "cancel")


def _move(name: str):
    extra = getattr(ReturnViewSet, name).kwargs  # the action's initkwargs, as a router would pass them
    return ReturnViewSet.as_view({"post": name}, basename=BASENAME, detail=True, **extra)


urlpatterns = [
    path(
        "returns",
        ReturnViewSet.as_view({"get": "list", "post": "create"}, basename=BASENAME, detail=False),
        name="api-returns-list",
    ),
    path("returns/figures", ReturnFiguresView.as_view(), name="api-returns-figures"),
    path(
        "returns/<int:pk>",
        ReturnViewSet.as_view({"get": "retrieve"}, basename=BASENAME, detail=True),
        name="api-returns-detail",
    ),
    *(path(f"returns/<int:pk>/{name}", _move(name), name=f"api-returns-{name}") for name in MOVES),
]

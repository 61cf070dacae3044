"""/returns/<order token>/: the customer's returns of one order (a portal section, portal/sections.py)."""

from django.urls import path

from . import portal_views

urlpatterns = [
    path("", portal_views.start, name="index"),
    path("<str:rma>/slip.pdf", portal_views.slip, name="slip"),
    path("<str:rma>/", portal_views.detail, name="detail"),
]

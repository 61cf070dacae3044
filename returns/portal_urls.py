"""/returns/<order token>/: the customer's returns of one order (a portal section, portal/sections.py)."""

from django.urls import path

from . import photo_views, portal_views

urlpatterns = [
    path("", portal_views.start, name="index"),
    path("photos/<int:pk>/", photo_views.customer_photo, name="photo"),
    path("photos/<int:pk>/thumbnail/", photo_views.customer_photo, {"thumbnail": True}, name="photo-thumbnail"),
    path("<str:rma>/slip.pdf", portal_views.slip, name="slip"),
    path("<str:rma>/", portal_views.detail, name="detail"),
    path("<str:rma>/parcel/", portal_views.parcel, name="parcel"),
    path("<str:rma>/cancel/", portal_views.cancel, name="cancel"),
    path("<str:rma>/exchange/instead/", portal_views.exchange_instead, name="exchange-instead"),
]

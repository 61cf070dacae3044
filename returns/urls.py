from django.urls import path

from . import staff_views as views
from .labels.urls import urlpatterns as label_urlpatterns

app_name = "returns"

urlpatterns = [
    path("", views.return_queue, name="index"),
    path("bulk-approve/", views.return_bulk_approve, name="bulk_approve"),
    path("overview/", views.return_overview, name="overview"),
    path("export.csv", views.return_export, name="export"),
    path("<int:pk>/", views.return_detail, name="detail"),
    path("<int:pk>/approve/", views.return_approve_view, name="approve"),
    path("<int:pk>/reject/", views.return_reject_view, name="reject"),
    path("<int:pk>/receive/", views.return_receive_view, name="receive"),
    path("<int:pk>/resolve/", views.return_resolve_view, name="resolve"),
    path("<int:pk>/resolution/", views.return_resolution_view, name="resolution"),
    path("<int:pk>/cancel/", views.return_cancel_view, name="cancel"),
    path("<int:pk>/reopen/", views.return_reopen_view, name="reopen"),
    path("<int:pk>/notes/", views.return_note_view, name="note"),
    path("<int:pk>/items/", views.return_items_view, name="items"),
    *label_urlpatterns,
]

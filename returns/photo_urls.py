"""/app/returns/photos/: staff's door to customers' return photos (returns/photo_views.py)."""

from django.urls import path

from . import photo_views

app_name = "return_photos"

urlpatterns = [
    path("<int:pk>/", photo_views.staff_photo, name="photo"),
    path("<int:pk>/thumbnail/", photo_views.staff_photo, {"thumbnail": True}, name="thumbnail"),
]

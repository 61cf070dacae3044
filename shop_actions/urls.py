"""/app/shop-actions/: what we asked of the shop, its answers and failures."""

from django.urls import path

from . import views

app_name = "shop_actions"

urlpatterns = [
    path("", views.action_list, name="index"),
    path("<int:pk>/", views.action_detail, name="detail"),
    path("<int:pk>/retry/", views.action_retry, name="retry"),
    path("<int:pk>/confirm/", views.action_confirm, name="confirm"),
]

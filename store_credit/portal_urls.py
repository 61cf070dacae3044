from django.urls import path

from . import portal_views

urlpatterns = [path("", portal_views.credit_page, name="index")]

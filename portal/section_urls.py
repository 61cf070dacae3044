"""/<key>/<token>/: every registered portal section with pages of its own (portal/sections.py)."""

from django.urls import include, path

from .sections import mounted

urlpatterns = [path(f"{section.key}/<str:token>/", include((section.urls, section.namespace))) for section in mounted()]

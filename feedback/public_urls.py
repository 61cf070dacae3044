from django.urls import path

from . import public_views

app_name = "feedback-public"

urlpatterns = [
    path("<str:token>/", public_views.answer, name="answer"),
    path("<str:token>/thanks/", public_views.thanks, name="thanks"),
]

from django.urls import include, path

from . import staff_views as views

app_name = "feedback"

urlpatterns = [
    path("", views.overview, name="index"),
    path("answers/", views.answer_list, name="answers"),
    path("answers/export.csv", views.answer_export, name="export"),
    path("attention/", views.attention_queue, name="attention"),
    path("attention/<int:pk>/move/", views.attention_move, name="attention-move"),
    path("settings/", views.survey_settings_view, name="settings"),
    path("reviews/", include("feedback.review_urls")),
]

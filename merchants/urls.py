from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import settings_views, views

settings_patterns = [
    path("", settings_views.index, name="index"),
    path("branding/", settings_views.branding, name="branding"),
    path("team/", settings_views.team, name="team"),
    path("team/invite/", settings_views.team_invite, name="team-invite"),
    path("team/members/<int:pk>/role/", settings_views.member_role, name="member-role"),
    path("team/members/<int:pk>/remove/", settings_views.member_remove, name="member-remove"),
    path("team/invitations/<int:pk>/revoke/", settings_views.invitation_revoke, name="invitation-revoke"),
    path("api-keys/", settings_views.api_keys, name="api-keys"),
    path("api-keys/created/", settings_views.api_key_created, name="api-key-created"),
    path("api-keys/<int:pk>/revoke/", settings_views.api_key_revoke, name="api-key-revoke"),
    path("integrations/", settings_views.integrations, name="integrations"),
    path("integrations/retire-previous/", settings_views.integration_retire_previous, name="integration-retire"),
    path("integrations/shop-access/", settings_views.shop_access, name="shop-access"),
]

account_patterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("no-merchant/", views.no_merchant, name="no-merchant"),
    path("switch/", views.switch_merchant, name="switch-merchant"),
    path("profile/", views.profile, name="profile"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include(account_patterns)),
    path("app/settings/", include((settings_patterns, "settings"))),
]

"""/app/loyalty/: members, the program's settings, staff adjustments, rewards."""

from django.urls import path

from . import referral_views, staff_rewards, staff_views, tier_staff_views

app_name = "loyalty"

urlpatterns = [
    path("", staff_views.members, name="index"),
    path("figures/", staff_views.figures, name="figures"),
    path("settings/", staff_views.loyalty_settings, name="settings"),
    path("settings/tiers/", tier_staff_views.tiers_settings, name="tiers"),
    path("settings/backfill/", staff_views.backfill, name="backfill"),
    path("customers/<int:pk>/adjust/", staff_views.adjust, name="adjust"),
    path("referrals/", referral_views.referral_list, name="referrals"),
    path("referrals/settings/", referral_views.referral_settings, name="referral-settings"),
    path("rewards/", staff_rewards.reward_list, name="rewards"),
    path("rewards/new/", staff_rewards.reward_new, name="reward-new"),
    path("rewards/<int:pk>/", staff_rewards.reward_edit, name="reward-edit"),
    path("rewards/<int:pk>/delete/", staff_rewards.reward_delete, name="reward-delete"),
]

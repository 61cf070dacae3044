from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core.scoping import merchant_scope, unscoped

from .models import ApiKey, IntegrationSecret, Invitation, Membership, Merchant, User


def memberships_of(*, user: User) -> list[Membership]:
    """Every merchant this person works for (read across merchants by design)."""
    with unscoped():
        return list(Membership.objects.filter(user=user).select_related("merchant").order_by("merchant__name"))


def membership_for_session(memberships: list[Membership], merchant_id) -> Membership | None:
    """Of the person's memberships, the one the session points at, else the first."""
    chosen = next((m for m in memberships if str(m.merchant_id) == str(merchant_id)), None)
    return chosen or (memberships[0] if memberships else None)


def membership_of(*, user: User, merchant_id) -> Membership | None:
    """The person's membership of that merchant, or None (missing and foreign look the same)."""
    try:
        merchant_id = int(merchant_id)
    except (TypeError, ValueError):
        return None
    with unscoped():
        return Membership.objects.filter(user=user, merchant_id=merchant_id).select_related("merchant").first()


def invitation_by_token(*, token: str) -> Invitation | None:
    """The pending, unexpired invitation this token opens, else None. The token names its merchant."""
    with unscoped():
        invitation = (
            Invitation.objects.select_related("merchant", "invited_by")
            .filter(token_hash=Invitation.hash_token(token))
            .first()
        )
    return invitation if invitation is not None and invitation.is_pending else None


def team_members(*, merchant: Merchant) -> list[Membership]:
    with merchant_scope(merchant):
        return list(Membership.objects.select_related("user").order_by("user__email"))


def pending_invitations(*, merchant: Merchant) -> list[Invitation]:
    with merchant_scope(merchant):
        return list(
            Invitation.objects.select_related("invited_by").filter(
                accepted_at__isnull=True, expires_at__gt=timezone.now()
            )
        )


def api_keys_of(*, merchant: Merchant) -> list[ApiKey]:
    with merchant_scope(merchant):
        return list(ApiKey.objects.select_related("created_by").order_by("revoked_at", "-created_at"))


@dataclass(frozen=True)
class IntegrationStatus:
    provider: str
    label: str
    webhook_url: str
    active_since: list  # creation times of the active secrets, newest first


def integration_statuses(*, merchant: Merchant) -> list[IntegrationStatus]:
    with merchant_scope(merchant):
        active = list(
            IntegrationSecret.objects.filter(retired_at__isnull=True)
            .order_by("-created_at", "-pk")
            .values_list("provider", "created_at")
        )
    return [
        IntegrationStatus(
            provider=provider,
            label=label,
            # Each inbound integration registers its endpoint as "webhook-<provider>".
            webhook_url=settings.SITE_URL + reverse(f"webhook-{provider}", kwargs={"merchant_slug": merchant.slug}),
            active_since=[created for kind, created in active if kind == provider],
        )
        for provider, label in IntegrationSecret.Provider.choices
    ]


def user_exists(*, email: str) -> bool:
    return User.objects.filter(email__iexact=email).exists()

"""Write use cases for tenancy. Plain functions, keyword-only, transactional."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.scoping import merchant_scope, unscoped

from .branding import brand_palette
from .models import ApiKey, IntegrationSecret, Invitation, Membership, Merchant, Role, User


@dataclass(frozen=True)
class IssuedApiKey:
    api_key: ApiKey
    plaintext: str  # shown once, never stored


@transaction.atomic
def api_key_issue(
    *, merchant: Merchant, name: str, role: str = Role.ADMIN, created_by: User | None = None
) -> IssuedApiKey:
    prefix, plaintext = ApiKey.generate()
    with merchant_scope(merchant):
        key = ApiKey.objects.create(
            merchant=merchant,
            name=name,
            prefix=prefix,
            key_hash=ApiKey.hash_key(plaintext),
            role=role,
            created_by=created_by,
        )
    return IssuedApiKey(api_key=key, plaintext=plaintext)


def api_key_revoke(*, merchant: Merchant, api_key_id: int) -> None:
    with merchant_scope(merchant):
        ApiKey.objects.filter(pk=api_key_id, revoked_at__isnull=True).update(revoked_at=timezone.now())


def api_key_authenticate(*, plaintext: str) -> ApiKey | None:
    """Find the active key matching `plaintext`, or None. Compares digests in constant time."""
    import hmac

    if not plaintext.startswith(ApiKey.PREFIX):
        return None
    prefix = plaintext[len(ApiKey.PREFIX) :].split("_", 1)[0]
    with unscoped():  # the key itself tells us the merchant
        key = ApiKey.objects.select_related("merchant").filter(prefix=prefix, revoked_at__isnull=True).first()
    if key is None or not hmac.compare_digest(key.key_hash, ApiKey.hash_key(plaintext)):
        return None
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        with unscoped():  # throttled so a busy key does not write on every request
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


def integration_secret_set(*, merchant: Merchant, provider: str, secret: str) -> IntegrationSecret:
    """Add a secret for `provider`. The previous one keeps verifying until it is retired."""
    with merchant_scope(merchant):
        return IntegrationSecret.objects.create(merchant=merchant, provider=provider, secret=secret)


def integration_secrets(*, merchant: Merchant, provider: str) -> list[str]:
    with merchant_scope(merchant):
        return list(
            IntegrationSecret.objects.filter(provider=provider, retired_at__isnull=True).values_list(
                "secret", flat=True
            )
        )


@transaction.atomic
def merchant_create(
    *, name: str, slug: str, owner_email: str, owner_password: str | None = None, **attributes
) -> tuple[Merchant, User]:
    """Create a tenant and its owner (an existing user with that email becomes owner)."""
    merchant = Merchant(name=name, slug=slug, **attributes)
    merchant.full_clean()
    merchant.save()
    owner = User.objects.filter(email__iexact=owner_email).first()
    if owner is None:
        owner = User.objects.create_user(owner_email, owner_password)
    with merchant_scope(merchant):
        Membership.objects.create(merchant=merchant, user=owner, role=Role.OWNER)
    for hook in _merchant_created_hooks:
        hook(merchant)
    return merchant, owner


# Apps that keep something per merchant (flows: the default journey) add it as the merchant is
# created, in the same transaction; they register here in their AppConfig.ready().
_merchant_created_hooks: list[Callable[[Merchant], None]] = []


def on_merchant_created(hook: Callable[[Merchant], None]) -> None:
    if hook not in _merchant_created_hooks:
        _merchant_created_hooks.append(hook)


# --- Staff settings: branding, profile, team, integrations -------------------------------

BRANDING_FIELDS = frozenset(
    {
        "name",
        "logo",
        "primary_color",
        "support_email",
        "sender_name",
        "sender_email",
        "website_url",
        "time_zone",
        "default_language",
        "currency",
    }
)
INVITATION_LIFETIME = timedelta(days=7)


@transaction.atomic
def merchant_branding_update(*, merchant: Merchant, changes: dict) -> Merchant:
    """Apply validated branding changes. `logo=False` removes the logo."""
    unknown = set(changes) - BRANDING_FIELDS
    if unknown:
        raise ValueError(f"Not a branding field: {', '.join(sorted(unknown))}")
    for field, value in changes.items():
        setattr(merchant, field, "" if field == "logo" and value is False else value)
    merchant.full_clean()
    merchant.save(update_fields=sorted(changes))
    return merchant


def user_profile_update(*, user: User, full_name: str, language: str) -> User:
    user.full_name = full_name
    user.language = language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["full_name", "language"])
    return user


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str  # only in the email, never stored


def _owners_left_after(*, merchant: Merchant, membership: Membership) -> int:
    owners = Membership.objects.select_for_update().filter(merchant=merchant, role=Role.OWNER)
    return owners.exclude(pk=membership.pk).count()


@transaction.atomic
def invitation_create(*, merchant: Merchant, email: str, role: str, invited_by: User | None) -> IssuedInvitation:
    """Invite `email` with `role`; a newer invitation replaces a pending one. Emails after commit."""
    email = User.objects.normalize_email(email).lower()
    if role not in Role.values:
        raise ValidationError(_("Choose a valid role."), code="role")
    with merchant_scope(merchant):
        if Membership.objects.filter(user__email__iexact=email).exists():
            raise ValidationError(_("%(email)s is already a member of this team.") % {"email": email}, code="member")
        Invitation.objects.filter(email__iexact=email, accepted_at__isnull=True).delete()
        token = secrets.token_urlsafe(32)
        invitation = Invitation.objects.create(
            merchant=merchant,
            email=email,
            role=role,
            invited_by=invited_by,
            token_hash=Invitation.hash_token(token),
            expires_at=timezone.now() + INVITATION_LIFETIME,
        )
    transaction.on_commit(lambda: invitation_email_send(invitation=invitation, token=token))
    return IssuedInvitation(invitation=invitation, token=token)


def invitation_email_send(*, invitation: Invitation, token: str) -> None:
    """Send the invitation in the merchant's default language, linking to the accept page."""
    merchant = invitation.merchant
    with translation.override(merchant.default_language), timezone.override(merchant.tzinfo):
        context = {
            "merchant": merchant,
            "brand_color": merchant.primary_color,
            "palette": brand_palette(merchant.primary_color),
            "invitation": invitation,
            "role_label": Role(invitation.role).label,
            "inviter": invitation.invited_by,
            "accept_url": settings.SITE_URL + reverse("invitation-accept", kwargs={"token": token}),
        }
        subject = _("Join %(merchant)s on the post-purchase dashboard") % {"merchant": merchant.name}
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("merchants/email/invitation.txt", context),
            to=[invitation.email],
        )
        message.attach_alternative(render_to_string("merchants/email/invitation.html", context), "text/html")
    message.send()


def invitation_revoke(*, merchant: Merchant, invitation_id: int) -> None:
    with merchant_scope(merchant):
        Invitation.objects.filter(pk=invitation_id, accepted_at__isnull=True).delete()


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Add `user` to the invitation's merchant. Single use: a second call raises."""
    if user.email.lower() != invitation.email.lower():
        raise ValidationError(_("This invitation was sent to another email address."), code="email")
    with merchant_scope(invitation.merchant):
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at is not None or locked.expires_at <= timezone.now():
            raise ValidationError(_("This invitation has already been used or has expired."), code="used")
        membership, _created = Membership.objects.get_or_create(
            merchant=invitation.merchant, user=user, defaults={"role": locked.role}
        )
        locked.accepted_at = timezone.now()
        locked.save(update_fields=["accepted_at"])
    return membership


@transaction.atomic
def invitation_accept_as_new_user(
    *, invitation: Invitation, full_name: str, password: str, language: str
) -> tuple[User, Membership]:
    """Create the invited person's account and accept the invitation, all or nothing."""
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(_("An account with this email already exists: log in to accept."), code="exists")
    user = User.objects.create_user(invitation.email, password, full_name=full_name, language=language)
    return user, invitation_accept(invitation=invitation, user=user)


@transaction.atomic
def membership_role_change(*, merchant: Merchant, membership_id: int, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError(_("Choose a valid role."), code="role")
    with merchant_scope(merchant):
        membership = Membership.objects.select_for_update().get(pk=membership_id)
        if membership.role == Role.OWNER and role != Role.OWNER:
            if _owners_left_after(merchant=merchant, membership=membership) == 0:
                raise ValidationError(_("A shop needs at least one owner: make someone else owner first."))
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, merchant: Merchant, membership_id: int) -> None:
    with merchant_scope(merchant):
        membership = Membership.objects.select_for_update().get(pk=membership_id)
        if membership.role == Role.OWNER and _owners_left_after(merchant=merchant, membership=membership) == 0:
            raise ValidationError(_("The last owner cannot be removed: make someone else owner first."))
        membership.delete()


# During a rotation the new and the previous secret both verify; older ones are retired.
ACTIVE_SECRETS_PER_PROVIDER = 2


@transaction.atomic
def integration_secret_rotate(*, merchant: Merchant, provider: str, secret: str) -> IntegrationSecret:
    """Add a new secret for `provider`, keeping only the previous one active beside it."""
    if provider not in IntegrationSecret.Provider.values:
        raise ValidationError(_("Unknown integration."), code="provider")
    with merchant_scope(merchant):
        created = IntegrationSecret.objects.create(merchant=merchant, provider=provider, secret=secret)
        active = IntegrationSecret.objects.filter(provider=provider, retired_at__isnull=True).order_by(
            "-created_at", "-pk"
        )
        stale = [row.pk for row in active[ACTIVE_SECRETS_PER_PROVIDER:]]
        IntegrationSecret.objects.filter(pk__in=stale).update(retired_at=timezone.now())
    return created


def integration_secret_retire_previous(*, merchant: Merchant, provider: str) -> int:
    """End a rotation: only the newest secret keeps verifying. Returns how many were retired."""
    with merchant_scope(merchant):
        active = IntegrationSecret.objects.filter(provider=provider, retired_at__isnull=True).order_by(
            "-created_at", "-pk"
        )
        previous = [row.pk for row in active[1:]]
        return IntegrationSecret.objects.filter(pk__in=previous).update(retired_at=timezone.now())

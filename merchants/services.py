"""Write use cases for tenancy. Plain functions, keyword-only, transactional."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .models import ApiKey, IntegrationSecret, Membership, Merchant, Role, User
from .scoping import merchant_scope, unscoped


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
    return merchant, owner

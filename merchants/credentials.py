"""Shop and provider credentials (merchants.models.ShopCredential): set, read by the code that calls out, cleared."""

from core.scoping import merchant_scope

from .models import ShopCredential

Kind = ShopCredential.Kind


def credential_get(merchant, kind: str) -> str:
    """The credential's value, or "" when the merchant has not given it."""
    with merchant_scope(merchant):
        row = ShopCredential.objects.filter(merchant=merchant, kind=kind).first()
    return row.value if row else ""


def credential_set(merchant, kind: str, value: str) -> None:
    """Store (or replace) a credential; an empty value clears it."""
    if kind not in Kind.values:
        raise ValueError(f"Unknown credential kind {kind!r}.")
    value = value.strip()
    with merchant_scope(merchant):
        if not value:
            ShopCredential.objects.filter(merchant=merchant, kind=kind).delete()
            return
        ShopCredential.objects.update_or_create(merchant=merchant, kind=kind, defaults={"value": value})


def credentials_set_kinds(merchant) -> set[str]:
    """Which credentials the merchant has given (never their values): for pages saying "set"."""
    with merchant_scope(merchant):
        return set(ShopCredential.objects.filter(merchant=merchant).values_list("kind", flat=True))

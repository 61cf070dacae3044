from .models import Membership, User
from .scoping import unscoped


def memberships_of(*, user: User) -> list[Membership]:
    """Every merchant this person works for (read across merchants by design)."""
    with unscoped():
        return list(Membership.objects.filter(user=user).select_related("merchant").order_by("merchant__name"))


def membership_for_session(*, user: User, merchant_id) -> Membership | None:
    """The membership the session points at, else the person's first one."""
    with unscoped():
        memberships = Membership.objects.filter(user=user).select_related("merchant").order_by("merchant__name")
        if merchant_id:
            chosen = memberships.filter(merchant_id=merchant_id).first()
            if chosen:
                return chosen
        return memberships.first()

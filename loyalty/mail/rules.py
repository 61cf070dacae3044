"""`points_told_elsewhere`: the points-earned and points-available emails stay quiet about points whose
own email already tells the customer (the tier reached, the referral rewarded), so one event never
makes two emails."""

from ..models import PointsEntry, Source

OWN_EMAIL_SOURCES = {Source.TIER, Source.REFERRAL}
PREFIX = "loyalty:"


def points_told_elsewhere(data) -> bool:
    rest = data.anchor_key[len(PREFIX) :] if data.anchor_key.startswith(PREFIX) else ""
    if not rest.isdigit():
        return False
    entry = PointsEntry.objects.select_related("earning").filter(pk=int(rest)).first()
    if entry is None:
        return False
    earning = entry.earning if entry.earning_id else entry  # points becoming available name their earning
    return earning.source in OWN_EMAIL_SOURCES

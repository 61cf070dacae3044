"""A person's redemptions in their data export (orders/privacy.py). Erasure needs nothing here: a
redemption holds the reward, points and the code we made up, no words about the person, and its
customer row is anonymised by orders."""

from .models_rewards import Redemption
from .payloads_rewards import redemption_data


def export_redemptions(subject) -> list[dict]:
    redemptions = Redemption.objects.filter(merchant=subject.merchant)
    if not subject.whole_shop:
        redemptions = redemptions.filter(customer_id__in=subject.customer_ids)
    return [redemption_data(redemption) for redemption in redemptions.order_by("created_at", "id")]

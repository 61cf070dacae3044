"""What the review tests share: a shop with its destinations, an order, and a stand-in survey answer."""

from dataclasses import dataclass

from core.scoping import merchant_scope
from feedback.models_reviews import ReviewSettings
from feedback.review_services import review_settings_save

GOOGLE = "https://search.google.com/local/writereview?placeid=ChIJN1t_tDeuEmsRUsoyG83frY4"
TRUSTPILOT = "https://www.trustpilot.com/review/maison-lumiere.example.com"
APP = "https://judge.me/reviews/maison-lumiere"


def destinations_save(merchant, shown=("google", "trustpilot"), **values) -> ReviewSettings:
    data = {"google_url": GOOGLE, "trustpilot_url": TRUSTPILOT, "app": "judgeme", "app_url": APP, "shown": list(shown)}
    data.update(values)
    return review_settings_save(merchant=merchant, values=data)


@dataclass
class Answer:
    """A survey answer as the thank-you page passes it: an id, its order and customer, and a score
    the invitation must never read."""

    pk: int
    order_id: int | None
    customer_id: int | None
    score: int


def rows(merchant, model):
    with merchant_scope(merchant):
        return list(model.objects.filter(merchant=merchant).order_by("id"))

"""The demo shops' helpdesk: Zendesk tickets about some shipped orders, a few about other things, and
eight weeks of baseline from before the shop went live, so the WISMO page has a rate to compare.

Tickets go through `support_contact_record`, classified by the default rules like real ones. A shop
that already has tickets or a baseline is left alone: a second run adds nothing.
"""

from datetime import timedelta

from django.db.models import Min

from core.scoping import merchant_scope
from orders.events import events_recorded_as_history
from orders.models import Order

from .models import BaselineWeek, SupportContact
from .services import ContactInput, WeekInput, baseline_weeks_import, support_contact_record

WISMO_SUBJECTS = (
    "Où est ma commande {number} ?",
    "Toujours pas reçu ma commande {number}",
    "Where is my order {number}?",
    "Numéro de suivi pour la commande {number}",
)
OTHER_SUBJECTS = ("Copie de ma facture", "Changer l'adresse de livraison", "Question about sizes")
WISMO_SHARE = 0.05  # of shipped orders, below the baseline's 7 per 100
OTHER_SHARE = 0.03


def seed_demo(context) -> None:
    merchant = context.merchant
    with merchant_scope(merchant):
        if SupportContact.objects.exists() or BaselineWeek.objects.exists():
            return
        rng = context.rng("support")
        shipped = list(
            Order.objects.annotate(first_shipped=Min("shipments__shipped_at"))
            .filter(first_shipped__isnull=False)
            .order_by("first_shipped", "pk")
            .values_list("number", "email", "first_shipped")
        )
        with events_recorded_as_history():  # the past: nothing reacts to these tickets now
            _tickets(merchant, rng, shipped, context.now)
        _baseline(merchant, rng, shipped[0][2].date() if shipped else context.now.date())


def _tickets(merchant, rng, shipped, now) -> None:
    for index, (number, email, first_shipped) in enumerate(shipped):
        draw = rng.random()
        if draw < WISMO_SHARE:
            subject = rng.choice(WISMO_SUBJECTS).format(number=number)
        elif draw < WISMO_SHARE + OTHER_SHARE:
            subject = rng.choice(OTHER_SUBJECTS)
        else:
            continue
        opened = first_shipped + timedelta(days=rng.randint(2, 9), hours=rng.randint(0, 9))
        if opened > now:  # a parcel shipped lately: its customer has not written yet
            continue
        support_contact_record(
            merchant=merchant,
            contact=ContactInput(
                source="zendesk", external_id=str(40000 + index), created_at=opened, subject=subject, email=email
            ),
        )


def _baseline(merchant, rng, first_day) -> None:
    """Eight weeks before the first shipment, at about 7 WISMO tickets per 100 orders shipped."""
    monday = first_day - timedelta(days=first_day.weekday())
    weeks = []
    for back in range(8, 0, -1):
        shipped = rng.randint(40, 70)
        weeks.append(WeekInput(monday - timedelta(weeks=back), round(shipped * rng.uniform(0.06, 0.08)), shipped))
    baseline_weeks_import(merchant=merchant, weeks=weeks)

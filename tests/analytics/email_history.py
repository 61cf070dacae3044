"""A hand-made email history whose email KPIs (docs/kpis.md, "Email") test_email.py works out by hand.

Shop in Europe/Paris; P = March 2026, as_of = 2026-07-01. Every buyer is a guest (one customer per email);
each email is about the customer's January order (a0, b0, …), so that order's customer is the email's.

Flow "Post-purchase" (marketing), step "J+7":
  A: sent Mar 2, opened, clicked Mar 3 10:00.   B: sent Mar 2, bounced Mar 2 (not delivered).
  C: sent Mar 4, opened, unsubscribed.          D: sent Mar 5, opened, clicked Mar 5 12:00.
  E: sent Feb 27 (not of March), clicked Feb 27 20:00.
Flow "Post-purchase", step "J+30":
  A: sent Mar 6, clicked Mar 6 09:00.           G: sent Mar 10, bounced Aug 1 (after as_of: delivered).
Flow "Shipped" (transactional), step "Shipped": H: sent Mar 8, opened.
Flow "Winback", step "Come back": nothing sent, nothing earned (not shown).
Orders of March (after the January ones):
  a1 Mar 7 10:00 70 EUR: clicks Mar 3 (J+7) and Mar 6 (J+30): the last, J+30, wins.
  a2 Mar 7 11:00 300 EUR test order.            d3 Mar 6 500 EUR cancelled.
  d1 Mar 9 12:00 50 EUR, 4 days after D's click: J+7; refunded 20 on Apr 10 and 5 on Aug 1 (after as_of).
  d2 Mar 11 12:00 80 EUR, 6 days after D's click: no step.
  e1 Mar 1 10:00 40 USD, 14 h after E's February click: J+7.
  c1 Mar 12 25 EUR: C never clicked.
"""

from datetime import datetime

from core.scoping import merchant_scope
from flows.models import Flow, FlowKind, FlowStep, Message, ScheduledMessage, Trigger
from flows.services import EspEvent, message_event_record_from_esp
from orders.services import order_cancel

from .history import order, paris, refund

P = {"from": "2026-03-01", "to": "2026-04-01", "as_of": "2026-07-01"}


def flow_with_steps(merchant, name: str, kind: str, *steps: str) -> list[FlowStep]:
    with merchant_scope(merchant):
        flow = Flow.objects.create(merchant=merchant, name=name, kind=kind, trigger=Trigger.ORDER_PLACED)
        return [
            FlowStep.objects.create(merchant=merchant, flow=flow, name=step, position=index)
            for index, step in enumerate(steps)
        ]


def sent(merchant, step: FlowStep, about, at: datetime, **events: datetime) -> Message:
    """An email of `step` about the order `about`, sent at `at`; then its events as the ESP reports them."""
    with merchant_scope(merchant):
        scheduled = ScheduledMessage.objects.create(
            merchant=merchant, step=step, order=about, anchor_at=at, first_due_at=at, due_at=at, status="sent"
        )
        message = Message.objects.create(
            merchant=merchant,
            scheduled=scheduled,
            step=step,
            order=about,
            kind=step.flow.kind,
            recipient=about.email,
            subject=step.name,
            language="en",
            provider_message_id=f"esp-{scheduled.pk}",
            sent_at=at,
        )
    for kind, occurred_at in events.items():
        event = EspEvent(
            event_type=kind,
            message_id=message.provider_message_id,
            event_id=f"{kind}-{message.pk}-{occurred_at.isoformat()}",
            timestamp=occurred_at,
        )
        assert message_event_record_from_esp(esp_name="postmark", event=event)
    return message


def january_orders(merchant, *letters: str) -> dict:
    return {
        letter: order(merchant, f"{letter}0", f"{letter}@example.org", paris(2026, 1, 10 + i, 12), "10.00")
        for i, letter in enumerate(letters)
    }


def seed_email_history(merchant) -> dict[str, FlowStep]:
    j7, j30 = flow_with_steps(merchant, "Post-purchase", FlowKind.MARKETING, "J+7", "J+30")
    (shipped,) = flow_with_steps(merchant, "Shipped", FlowKind.TRANSACTIONAL, "Shipped")
    flow_with_steps(merchant, "Winback", FlowKind.MARKETING, "Come back")
    about = january_orders(merchant, *"abcdegh")
    sent(merchant, j7, about["a"], paris(2026, 3, 2, 9), opened=paris(2026, 3, 3, 9), clicked=paris(2026, 3, 3, 10))
    sent(merchant, j7, about["b"], paris(2026, 3, 2, 9), bounced=paris(2026, 3, 2, 9, 5))
    sent(
        merchant, j7, about["c"], paris(2026, 3, 4, 9), opened=paris(2026, 3, 4, 10), unsubscribed=paris(2026, 3, 4, 11)
    )
    sent(merchant, j7, about["d"], paris(2026, 3, 5, 9), opened=paris(2026, 3, 5, 11), clicked=paris(2026, 3, 5, 12))
    sent(merchant, j7, about["e"], paris(2026, 2, 27, 9), clicked=paris(2026, 2, 27, 20))
    sent(merchant, j30, about["a"], paris(2026, 3, 6, 8), clicked=paris(2026, 3, 6, 9))
    sent(merchant, j30, about["g"], paris(2026, 3, 10, 9), bounced=paris(2026, 8, 1, 9))
    sent(merchant, shipped, about["h"], paris(2026, 3, 8, 9), opened=paris(2026, 3, 8, 10))
    order(merchant, "a1", "a@example.org", paris(2026, 3, 7, 10), "70.00")
    order(merchant, "a2", "a@example.org", paris(2026, 3, 7, 11), "300.00", test=True)
    cancelled = order(merchant, "d3", "d@example.org", paris(2026, 3, 6, 12), "500.00")
    order_cancel(merchant=merchant, order=cancelled, reason="customer", cancelled_at=paris(2026, 3, 6, 13))
    d1 = order(merchant, "d1", "d@example.org", paris(2026, 3, 9, 12), "50.00")
    refund(merchant, d1, "rd1", "20.00", paris(2026, 4, 10, 9))
    refund(merchant, d1, "rd1-late", "5.00", paris(2026, 8, 1, 9))
    order(merchant, "d2", "d@example.org", paris(2026, 3, 11, 12), "80.00")
    order(merchant, "e1", "e@example.org", paris(2026, 3, 1, 10), "40.00", "USD")
    order(merchant, "c1", "c@example.org", paris(2026, 3, 12, 12), "25.00")
    return {"j7": j7, "j30": j30, "shipped": shipped}

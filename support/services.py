"""Recording helpdesk contacts, the shop's WISMO rules and its baseline weeks."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.inputs import check_aware, check_length
from merchants.models import Merchant
from orders.events import event_record
from orders.models import Customer, Order

from .classification import (
    DEFAULT_KEYWORDS,
    DEFAULT_TAGS,
    MAX_RULE_LENGTH,
    MAX_RULES,
    normalized,
    order_number_candidates,
    wismo_verdict,
)
from .event_kinds import CONTACT_RECEIVED
from .models import SUBJECT_LIMIT, BaselineWeek, ContactSource, SupportContact, WismoRules

MESSAGE_READ_LIMIT = 5000  # the first message is read this far to classify it, never stored


class SupportInputError(ValueError):
    """Input a person must fix: `errors` maps each field to what is wrong with it."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))


@dataclass(frozen=True)
class ContactInput:
    source: str
    external_id: str
    created_at: datetime
    subject: str = ""
    tags: list[str] = field(default_factory=list)
    email: str = ""
    order_number: str = ""
    message: str = ""  # read to classify, then dropped
    is_wismo: bool | None = None  # None: classified by the shop's rules


def contact_input_errors(contact: ContactInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    if contact.source not in ContactSource.values:
        errors["source"] = f"Unknown source; one of {', '.join(ContactSource.values)}."
    check_length(errors, "external_id", contact.external_id, 128, required=True)
    check_aware(errors, "created_at", contact.created_at, required=True)
    if "created_at" not in errors and contact.created_at > timezone.now() + timedelta(days=1):
        errors["created_at"] = "This date is in the future."
    check_length(errors, "email", contact.email, 254)
    check_length(errors, "order_number", contact.order_number, 64)
    for name in ("subject", "message"):
        value = getattr(contact, name)
        if not isinstance(value, str):
            errors[name] = "Must be text."
        elif "\x00" in value:
            errors[name] = "Null characters are not allowed."
    return errors


def wismo_rules_for(merchant: Merchant) -> tuple[list[str], list[str]]:
    """(tags, keywords) the shop counts as WISMO: its own if it saved some, else the defaults."""
    rules = WismoRules.objects.filter(merchant=merchant).first()
    if rules is None:
        return list(DEFAULT_TAGS), list(DEFAULT_KEYWORDS)
    return list(rules.tags), list(rules.keywords)


def support_contact_record(*, merchant: Merchant, contact: ContactInput) -> tuple[SupportContact, bool]:
    """Record a helpdesk ticket once. Returns (contact, created); the same source and external id
    again returns the stored one unchanged, whatever else the redelivery says."""
    errors = contact_input_errors(contact)
    if errors:
        raise SupportInputError(errors)
    known = SupportContact.objects.filter(
        merchant=merchant, source=contact.source, external_id=contact.external_id
    ).first()
    if known is not None:
        return known, False
    if contact.is_wismo is None:
        rule_tags, rule_keywords = wismo_rules_for(merchant)
        text = f"{contact.subject}\n{contact.message[:MESSAGE_READ_LIMIT]}"
        verdict = wismo_verdict(tags=contact.tags, text=text, rule_tags=rule_tags, rule_keywords=rule_keywords)
        is_wismo, reason = verdict.is_wismo, verdict.reason
    else:
        is_wismo, reason = contact.is_wismo, "given"
    order, customer, matched_by = _match(merchant, contact)
    with transaction.atomic():
        recorded, created = SupportContact.objects.get_or_create(
            merchant=merchant,
            source=contact.source,
            external_id=contact.external_id,
            defaults={
                "created_at": contact.created_at,
                "subject": " ".join(contact.subject.split())[:SUBJECT_LIMIT],
                "tags": contact.tags,
                "is_wismo": is_wismo,
                "wismo_reason": reason,
                "order": order,
                "customer": customer,
                "matched_by": matched_by,
            },
        )
        if created and order is not None:
            event_record(
                merchant=merchant,
                kind=CONTACT_RECEIVED,
                order=order,
                payload={
                    "source": recorded.source,
                    "source_name": recorded.get_source_display(),
                    "external_id": recorded.external_id,
                    "is_wismo": recorded.is_wismo,
                },
                occurred_at=recorded.created_at,
            )
    return recorded, created


def _match(merchant: Merchant, contact: ContactInput) -> tuple[Order | None, Customer | None, str]:
    """The order the ticket is about: by an order number given or written in it, else the customer's
    latest order placed before the ticket, found by email."""
    numbers = [contact.order_number.strip().lstrip("#")] if contact.order_number.strip() else []
    numbers += order_number_candidates(f"{contact.subject}\n{contact.message[:MESSAGE_READ_LIMIT]}")
    if numbers:
        spellings = {spelling for number in numbers for spelling in (number, f"#{number}")}
        by_number = {
            order.number.lstrip("#"): order
            for order in Order.objects.filter(merchant=merchant, number__in=spellings).select_related("customer")
        }
        for number in numbers:
            if number in by_number:
                order = by_number[number]
                return order, order.customer, "order_number"
    email = contact.email.strip()
    if not email:
        return None, None, ""
    order = (
        Order.objects.filter(merchant=merchant, placed_at__lte=contact.created_at)
        .filter(Q(email__iexact=email) | Q(customer__email__iexact=email))
        .select_related("customer")
        .order_by("-placed_at", "-id")
        .first()
    )
    if order is not None:
        return order, order.customer, "email"
    customer = Customer.objects.filter(merchant=merchant, email__iexact=email).order_by("id").first()
    return None, customer, "email" if customer else ""


def _rules_cleaned(values: list[str], name: str, errors: dict) -> list[str]:
    cleaned = list(dict.fromkeys(" ".join(value.split()) for value in values if value.strip()))
    if len(cleaned) > MAX_RULES:
        errors[name] = f"At most {MAX_RULES} entries."
    elif any(len(value) > MAX_RULE_LENGTH for value in cleaned):
        errors[name] = f"Each entry has at most {MAX_RULE_LENGTH} characters."
    return cleaned


def wismo_rules_save(*, merchant: Merchant, tags: list[str], keywords: list[str]) -> WismoRules:
    errors: dict[str, str] = {}
    tags = _rules_cleaned(tags, "tags", errors)
    keywords = _rules_cleaned(keywords, "keywords", errors)
    if not errors and not any(normalized(keyword) for keyword in keywords) and not tags:
        errors["keywords"] = "Give at least one tag or keyword, or nothing would ever count."
    if errors:
        raise SupportInputError(errors)
    rules, _created = WismoRules.objects.update_or_create(
        merchant=merchant, defaults={"tags": tags, "keywords": keywords}
    )
    return rules


def wismo_rules_reset(*, merchant: Merchant) -> int:
    deleted, _by_model = WismoRules.objects.filter(merchant=merchant).delete()
    return deleted


@dataclass(frozen=True)
class WeekInput:
    week: date
    wismo_tickets: int
    orders_shipped: int


def baseline_weeks_import(*, merchant: Merchant, weeks: list[WeekInput]) -> int:
    """Write the imported weeks, all or none; a week imported again takes the new figures."""
    with transaction.atomic():
        for week in weeks:
            BaselineWeek.objects.update_or_create(
                merchant=merchant,
                week=week.week,
                defaults={
                    "wismo_tickets": week.wismo_tickets,
                    "orders_shipped": week.orders_shipped,
                    "imported_at": timezone.now(),
                },
            )
    return len(weeks)


def baseline_weeks_clear(*, merchant: Merchant) -> int:
    deleted, _by_model = BaselineWeek.objects.filter(merchant=merchant).delete()
    return deleted

"""The weekly email digest: each shop's last 7 days against the 7 before, to the staff who opted in.

Sent on Monday morning in the shop's time zone (from DIGEST_HOUR on), once per person, shop and
week: a `DigestSent` row claims the week before the email goes, in the same transaction, so a rerun
or a second worker sends nothing and a failed send leaves no row (the next run tries again).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.l10n import format_day_range, format_money, format_number, format_share
from core.ranges import Period
from core.scoping import merchant_scope, unscoped
from feedback.selectors import scores_of_period
from merchants.models import Membership, Merchant, User
from support.selectors import wismo_rate
from tracking.home import shipments_home_figures

from .engine import orders_and_net_revenue, period_kpis
from .models import DigestOptIn, DigestSent
from .page import better_or_worse, change_of, points_change

DIGEST_HOUR = 8  # Monday, 08:00 in the shop's time zone: the first run from then on sends
UNSUBSCRIBE_SALT = "analytics.digest.unsubscribe"


# --- Opt-in -----------------------------------------------------------------------------------------


def digest_opt_in_set(*, user: User, wanted: bool) -> None:
    """Idempotent: asking twice for the digest (or to stop it) changes nothing the second time."""
    if wanted:
        DigestOptIn.objects.get_or_create(user=user)
    else:
        DigestOptIn.objects.filter(user=user).delete()


def digest_opted_in(user: User) -> bool:
    return DigestOptIn.objects.filter(user=user).exists()


def unsubscribe_token(user: User) -> str:
    """A signed token naming the person: the email's link stops the digest without signing in."""
    return signing.dumps(user.pk, salt=UNSUBSCRIBE_SALT)


def unsubscribe_user(token: str) -> User | None:
    """The person the token names, or None for a token we did not sign (or a person since deleted)."""
    try:
        user_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return User.objects.filter(pk=user_id).first() if isinstance(user_id, int) else None


# --- Figures ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Week:
    monday: date  # the digest's Monday; the week shown is the 7 days before it

    def days(self, merchant: Merchant, weeks_back: int = 1) -> Period:
        end = datetime.combine(self.monday - timedelta(days=7 * (weeks_back - 1)), time(), merchant.tzinfo)
        return Period(end - timedelta(days=7), end)


LABELS = {
    "orders": gettext_lazy("Orders"),
    "revenue": gettext_lazy("Net revenue"),
    "aov": gettext_lazy("Average order value"),
    "repeat_rate": gettext_lazy("Repeat rate"),
    "wismo_rate": gettext_lazy("“Where is my order?” contacts per 100 orders shipped"),
    "nps": gettext_lazy("NPS"),
    "csat": gettext_lazy("CSAT"),
}
SHARES = {"repeat_rate", "csat"}
MONEY = {"revenue", "aov"}


def week_figures(merchant: Merchant, period: Period, as_of: datetime) -> dict:
    """The digest's KPIs of one week, by the definitions of docs/kpis.md and the apps' selectors."""
    kpis = period_kpis(merchant, period, as_of)
    _counts, revenue = orders_and_net_revenue(merchant, period, as_of)
    wismo = wismo_rate(merchant, period.start, period.end)
    last_day = (period.end - timedelta(days=1)).astimezone(merchant.tzinfo).date()
    nps, csat = scores_of_period(merchant=merchant, start=period.start.astimezone(merchant.tzinfo).date(), end=last_day)
    return {
        "orders": kpis["orders"],
        "revenue": {cur: amount for cur, amount in sorted(revenue.items())} or None,
        "aov": kpis["aov"],
        "repeat_rate": kpis["repeat_rate"],
        "wismo_rate": wismo.rate,
        "nps": nps.score,
        "csat": None if csat.share is None else Decimal(csat.share) / 100,
    }


def _text(name: str, value) -> str:
    if value is None:
        return "—"
    if name in MONEY:
        return " · ".join(format_money(amount, currency) for currency, amount in value.items())
    if name in SHARES:
        return format_share(value)
    if name == "nps":
        return f"{'+' if value > 0 else ''}{format_number(value)}"
    return format_number(value)


def digest_rows(current: dict, previous: dict) -> list[dict]:
    """Each KPI with its value, the week before and the change ("+12.5%", in points for shares), its
    `direction` 1 when better, -1 when worse (a falling WISMO rate is better), 0 unchanged."""
    rows = []
    for name, label in LABELS.items():
        if name == "nps":  # a score from −100 to 100: its change in points, never a percentage
            change, direction = points_change(current[name], previous[name])
        else:
            kind = "repeat_rate" if name in SHARES else ("aov" if name in MONEY else name)
            change, direction = change_of(kind, current[name], previous[name])
        direction = better_or_worse(name, direction)  # a rising WISMO rate is bad news
        rows.append(
            {
                "label": str(label),
                "value": _text(name, current[name]),
                "previous": _text(name, previous[name]),
                "change": change,
                "direction": direction,
            }
        )
    return rows


# --- Sending ----------------------------------------------------------------------------------------


def digest_week_due(merchant: Merchant, now: datetime) -> Week | None:
    """The week whose digest is due now in the shop's time zone: Monday from DIGEST_HOUR on."""
    local = timezone.localtime(now, merchant.tzinfo)
    if local.weekday() != 0 or local.hour < DIGEST_HOUR:
        return None
    return Week(local.date())


def digest_email(merchant: Merchant, user: User, week: Week, now: datetime) -> EmailMultiAlternatives:
    """The digest in the person's language, figures in the shop's calendar."""
    with translation.override(user.language or merchant.default_language), timezone.override(merchant.tzinfo):
        current = week.days(merchant)
        previous = week.days(merchant, weeks_back=2)
        figures = week_figures(merchant, current, now)
        delayed = shipments_home_figures(merchant=merchant, since=current.start)["delayed"]
        context = {
            "merchant": merchant,
            "brand_color": merchant.primary_color,
            "period": format_day_range(current.start.date(), (current.end - timedelta(days=1)).date()),
            "rows": digest_rows(figures, week_figures(merchant, previous, now)),
            "delayed": delayed,
            "dashboard_url": settings.SITE_URL + reverse("home"),
            "analytics_url": settings.SITE_URL + reverse("analytics:index"),
            "unsubscribe_url": settings.SITE_URL
            + reverse("analytics:digest_unsubscribe", kwargs={"token": unsubscribe_token(user)}),
        }
        subject = _("%(shop)s: your week, %(period)s") % {"shop": merchant.name, "period": context["period"]}
        message = EmailMultiAlternatives(
            subject=subject, body=render_to_string("analytics/email/digest.txt", context), to=[user.email]
        )
        message.attach_alternative(render_to_string("analytics/email/digest.html", context), "text/html")
        message.extra_headers["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
    return message


def digest_send(*, merchant: Merchant, user: User, week: Week, now: datetime) -> bool:
    """Send one shop's digest of `week` to one person unless already sent; True when sent now."""
    with merchant_scope(merchant):
        try:
            with transaction.atomic():
                DigestSent.objects.create(merchant=merchant, user=user, week=week.monday)
                # Claimed in this transaction: a send that fails rolls the claim back for the next run.
                digest_email(merchant, user, week, now).send()
        except IntegrityError:  # sent already, by an earlier run or another worker
            return False
    return True


def digests_send_due(now: datetime | None = None) -> int:
    """Every digest due now (hourly beat); returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    with unscoped():
        members = list(
            Membership.objects.filter(user__digest_opt_in__isnull=False, user__is_active=True)
            .select_related("merchant", "user")
            .order_by("merchant_id", "user_id")
        )
    for membership in members:
        week = digest_week_due(membership.merchant, now)
        if week is not None:
            sent += digest_send(merchant=membership.merchant, user=membership.user, week=week, now=now)
    return sent

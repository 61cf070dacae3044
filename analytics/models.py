"""Daily per-shop order aggregates and the days waiting to be recomputed (docs/kpis.md, Computation)."""

from django.db import models

from core.scoping import TenantModel

MONEY = {"max_digits": 16, "decimal_places": 3}  # sums of order totals (3 decimals)


class DailyOrderAggregate(TenantModel):
    """Counted orders placed on one day (in the shop's time zone), in one currency.

    `refunded` holds every refund recorded on those orders so far; a KPI as of an earlier moment adds
    back the few refunds recorded after it (exact SQL on the period's orders).
    """

    day = models.DateField()
    currency = models.CharField(max_length=3)
    orders = models.PositiveIntegerField()
    gross = models.DecimalField(**MONEY)
    refunded = models.DecimalField(**MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "day", "currency"], name="analytics_daily_unique_day")
        ]


class DirtyDay(TenantModel):
    """A day whose orders or refunds changed since its aggregate was computed."""

    day = models.DateField()
    marked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant", "day"], name="analytics_dirty_unique_day")]


class AggregateState(TenantModel):
    """When the shop's aggregates were last built from all its orders.

    Orders written as history (imports, the demo) publish no event, so a shop without this row is
    built in full by the next periodic run, and a read before then is answered from the orders.
    """

    built_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant"], name="analytics_state_unique_shop")]


class PredictedClv(TenantModel):
    """The shop's latest predicted 12-month CLV and its back-test, per currency (analytics/clv.py).

    Fitting takes seconds on a big shop, so a daily task fits it and the API and page read this row.
    `figures` holds, per currency, the figure or why there is none, the back-test and the fitted
    parameters: {"EUR": {"customers": 812, "history_days": 400, "value": "123.45", "reason": "", ...}}.
    """

    as_of = models.DateTimeField()  # the orders known when it was fitted: those placed before this
    fitted_at = models.DateTimeField()
    figures = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant"], name="analytics_clv_unique_shop")]


class DigestOptIn(models.Model):
    """A staff member who asked for the weekly email digest of every shop they belong to.

    Per person, not per shop (the setting sits on their own notifications page); each shop's digest
    carries only that shop's figures. No row: no digest.
    """

    user = models.OneToOneField("merchants.User", on_delete=models.CASCADE, related_name="digest_opt_in")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"weekly digest for user {self.user_id}"


class DigestSent(TenantModel):
    """One shop's weekly digest sent to one person: the week's key makes a rerun send nothing."""

    user = models.ForeignKey("merchants.User", on_delete=models.CASCADE, related_name="+")
    week = models.DateField(help_text="The Monday (shop's calendar) the digest was sent for.")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "user", "week"], name="analytics_digest_once_a_week")
        ]


class StoredFigures(TenantModel):
    """The Analytics page's figures of one preset range (core.ranges.PRESETS) as of `as_of`, for the day
    `day` (the shop's today then): the page reads this row instead of running its forty-odd queries.

    `figures` holds what `analytics.page_figures.page_figures` computed, in the tagged JSON of
    `analytics.stored_figures` (Decimals, dates and the page's dataclasses kept exactly). Written when
    the page first asks for the day's preset, then refreshed by the minute task (analytics/tasks.py).
    """

    preset = models.CharField(max_length=8)
    day = models.DateField()
    as_of = models.DateTimeField()
    figures = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "preset", "day"], name="analytics_figures_unique_preset_day")
        ]

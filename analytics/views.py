"""Dashboard → Analytics: the KPIs of a period against the one before, weekly orders, cohorts, returns, CSV."""

import csv
from datetime import date, timedelta
from functools import wraps

from django.core.cache import cache
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from core.l10n import format_day, format_number, format_share
from core.ranges import PRESETS, PresetError, chosen_range
from core.spreadsheets import neutralised
from flows.holdouts import flows_with_holdout
from merchants.access import staff_view
from returns.figures import return_figures

from .charts import HEIGHT, WIDTH
from .clv import predicted_clv_stored
from .clv_page import predicted_clv_shown
from .engine import (
    NEEDS_POSTGRESQL,
    Period,
    cohorts,
    delivery_promises,
    email_kpis,
    period_kpis,
    postgresql_only,
    weekly_orders,
)
from .holdout_page import holdout_blocks
from .page import LABELS, email_rows, kpi_rows, returns_block
from .promise_page import delivery_promise_csv_rows, delivery_promise_table
from .serializers import email_step_data, kpis_data
from .service_tiles import LABELS as SERVICE_LABELS
from .service_tiles import service_figures, service_rows
from .wismo_holdouts import holdouts_with_wismo

COHORT_MONTHS = 12


def _today(merchant) -> date:
    return timezone.localtime(timezone.now(), merchant.tzinfo).date()


def _cohort_period(merchant, chosen) -> Period:
    """First orders of the 12 months up to the range's last day."""
    start = (chosen.last.replace(day=1) - timedelta(days=330)).replace(day=1)
    return Period(
        chosen.period(merchant).start.replace(year=start.year, month=start.month, day=1), chosen.period(merchant).end
    )


# The page's figures are kept this long per shop and range: a reload or another member of the team
# costs no SQL, and the figures stay within a couple of minutes of the orders (docs/kpis.md).
FIGURES_SECONDS = 60


def _figures(merchant, chosen) -> dict:
    key = f"analytics:figures:{merchant.pk}:{chosen.first}:{chosen.last}"
    return cache.get_or_set(key, lambda: _compute(merchant, chosen), FIGURES_SECONDS)


def _compute(merchant, chosen) -> dict:
    now = timezone.now()
    period = chosen.period(merchant)
    return {
        "period": period,
        "current": period_kpis(merchant, period, now),
        "previous": period_kpis(merchant, period.previous(), now, clv_as_of=period.start),
        "bars": weekly_orders(merchant, chosen.first, chosen.last + timedelta(days=1)),
        "cohorts": cohorts(merchant, _cohort_period(merchant, chosen), now),
        "clv": predicted_clv_stored(merchant),  # the latest daily fit (analytics.tasks)
        "returns": postgresql_only(return_figures, merchant=merchant, period=period, now=now),
        "email": email_kpis(merchant, period, now),
        **_promise_figures(merchant, period),
        "holdouts": postgresql_only(_holdouts, merchant, now),
        "service": service_figures(merchant, period),
        "service_before": service_figures(merchant, period.previous()),
    }


def _holdouts(merchant, now) -> list[dict]:
    """Every flow that holds customers out (or did), as of now: three queries whatever their number."""
    flows = list(flows_with_holdout().filter(merchant=merchant))
    return holdouts_with_wismo(merchant, flows, now) if flows else []


def _promise_figures(merchant, period: Period) -> dict:
    return {
        "promises": delivery_promises(merchant, period),
        "promises_before": delivery_promises(merchant, period.previous()),
    }


@require_GET
@staff_view()
def index(request):
    merchant = request.merchant
    try:
        chosen = chosen_range(request.GET, _today(merchant))
    except PresetError as exc:
        context = {"error": str(exc), "presets": PRESETS, "query": request.GET}
        return render(request, "analytics/index.html", context, status=400)
    figures = _figures(merchant, chosen)
    period, bars = figures["period"], figures["bars"]
    context = {
        "chosen": chosen,
        "presets": PRESETS,
        "previous_first": period.previous().start.date(),
        "previous_last": period.start.date() - timedelta(days=1),
        "rows": kpi_rows(figures["current"], figures["previous"])
        + service_rows(figures["service"], figures["service_before"]),
        "bars": [_bar_shown(bar) for bar in bars],
        "chart": _chart(bars),
        "cohorts": _cohort_rows(figures["cohorts"]),
        "cohort_months": range(1, COHORT_MONTHS),
        "clv": predicted_clv_shown(figures["clv"]),
        "returns": _shown(returns_block, figures["returns"]),
        "email": email_rows(figures["email"]),
        "promises": delivery_promise_table(figures["promises"], figures["promises_before"]),
        "holdouts": _shown(holdout_blocks, figures["holdouts"]),
        "query": request.GET.urlencode(),
    }
    return render(request, "analytics/index.html", context)


def _shown(show, *figures):
    """show(*figures) for the page; None where a figure needs PostgreSQL (the page says so in its place)."""
    return None if any(figure is NEEDS_POSTGRESQL for figure in figures) else show(*figures)


def _chart(bars) -> dict:
    top = max((bar.orders for bar in bars), default=0)
    first, last = (bars[0].week, bars[-1].week) if bars else (None, None)
    return {"width": WIDTH, "height": HEIGHT, "top": top, "first_week": first, "last_week": last}


def _bar_shown(bar) -> dict:
    """The bar's attributes and title as text, formatted once here rather than by template filters."""
    title = ngettext("Week of %(week)s: %(orders)s order", "Week of %(week)s: %(orders)s orders", bar.orders)
    return {
        "x": f"{bar.x:.1f}",
        "y": f"{bar.y:.1f}" if bar.orders else f"{HEIGHT - 1}",
        "width": f"{bar.width:.1f}",
        "height": f"{bar.height:.1f}" if bar.orders else "1",
        "empty": not bar.orders,
        "title": title % {"week": format_day(bar.week), "orders": format_number(bar.orders)},
    }


def _heat(share) -> int:
    """0 to 5: the heat map's shade, darker as more of the cohort ordered again (a quarter or more: 5)."""
    return 0 if not share else min(5, 1 + int(share * 16))


def _cohort_rows(found) -> list[dict]:
    rows = []
    for cohort in found:
        cells = [
            {"text": format_share(m["ordered_again"]), "heat": _heat(m["ordered_again"])}
            for m in cohort.months[1:COHORT_MONTHS]
        ]
        cells += [None] * (COHORT_MONTHS - 1 - len(cells))  # months still to come: empty cells
        rows.append({"cohort": cohort, "cells": cells, "revenue": cohort.months[-1]["revenue_per_customer"]})
    return rows


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv(filename: str, rows) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    lines = (writer.writerow([neutralised(cell) for cell in row]) for row in rows)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _range_or_400(request):
    try:
        return chosen_range(request.GET, _today(request.merchant)), None
    except PresetError as exc:
        return None, render(request, "analytics/index.html", {"error": str(exc), "presets": PRESETS}, status=400)


def _period_csv(file_name: str):
    """A CSV download of the chosen period's figures (`file_name` formatted with its `first` and `last`
    days); the decorated function makes the rows from the page's figures."""

    def decorate(rows_of):
        @require_GET
        @staff_view()
        @wraps(rows_of)
        def view(request):
            chosen, refused = _range_or_400(request)
            if refused:
                return refused
            rows = rows_of(_figures(request.merchant, chosen))
            return _csv(file_name.format(first=chosen.first, last=chosen.last), rows)

        return view

    return decorate


@_period_csv("kpis-{first}-{last}.csv")
def export_kpis(figures) -> list[tuple]:
    now, before = kpis_data(figures["current"]), kpis_data(figures["previous"])
    rows = [("kpi", "currency", "value", "previous")]
    for name in LABELS:
        if isinstance(now[name], dict) or isinstance(before[name], dict):
            for currency in sorted(set(now[name] or {}) | set(before[name] or {})):
                rows.append((name, currency, (now[name] or {}).get(currency), (before[name] or {}).get(currency)))
        else:
            rows.append((name, "", now[name], before[name]))
    rows += [(name, "", figures["service"][name], figures["service_before"][name]) for name in SERVICE_LABELS]
    return rows


@_period_csv("cohorts-{last}.csv")
def export_cohorts(figures) -> list[tuple]:
    found = figures["cohorts"]
    rows = [("cohort", "customers", "month", "ordered_again", "currency", "revenue_per_customer")]
    for cohort in found:
        for entry in cohort.months:
            money = entry["revenue_per_customer"] or {"": None}
            for currency, amount in money.items():
                rows.append(
                    (
                        cohort.month.isoformat()[:7],
                        cohort.customers,
                        entry["month"],
                        entry["ordered_again"],
                        currency,
                        amount,
                    )
                )
    return rows


EMAIL_COLUMNS = ("sent", "delivered", "open_rate", "click_rate", "unsubscribe_rate", "orders")


@_period_csv("email-{first}-{last}.csv")
def export_email(figures) -> list[tuple]:
    rows = [("flow", "step", *EMAIL_COLUMNS, "currency", "revenue")]
    for step in figures["email"]:
        data = email_step_data(step)
        counts = [data[column] for column in EMAIL_COLUMNS]
        for currency, amount in (data["revenue"] or {"": None}).items():  # a row per currency of its revenue
            rows.append((data["flow"], data["step"], *counts, currency, amount))
    return rows


@_period_csv("delivery-promises-{first}-{last}.csv")
def export_delivery_promises(figures) -> list[tuple]:
    return delivery_promise_csv_rows(figures["promises"], figures["promises_before"])

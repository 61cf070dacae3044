"""Dashboard → Analytics: the KPIs of a period against the one before, weekly orders, cohorts, returns, CSV."""

import csv
import hashlib
from datetime import date, timedelta
from functools import wraps

from django.core.cache import cache
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.views.decorators.http import require_GET

from core.l10n import format_day, format_number, format_share, format_time_of_day
from core.ranges import PRESETS, PresetError, chosen_range
from core.spreadsheets import neutralised
from merchants.access import staff_view

from .charts import HEIGHT, WIDTH
from .clv_page import predicted_clv_shown
from .holdout_page import holdout_blocks
from .page import LABELS, email_rows, kpi_rows, returns_block
from .page_figures import page_figures
from .promise_page import delivery_promise_csv_rows, delivery_promise_table
from .serializers import email_step_data, kpis_data
from .service_tiles import LABELS as SERVICE_LABELS
from .service_tiles import service_rows
from .stored_figures import STALE_AFTER, STORED_PRESETS, figures_as_of, figures_store, figures_stored, preset_viewed

COHORT_MONTHS = 12


def _today(merchant) -> date:
    return timezone.localtime(timezone.now(), merchant.tzinfo).date()


def _figures(merchant, chosen) -> dict:
    """A preset's stored figures (one query; computed and stored the first time of the day), a custom
    range's computed now."""
    figures = figures_stored(merchant, chosen)
    if figures is None:
        figures = page_figures(merchant, chosen, timezone.now())
        if chosen.preset in STORED_PRESETS:
            figures_store(merchant, chosen, figures)
    return figures


@require_GET
@staff_view()
def index(request):
    merchant = request.merchant
    try:
        chosen = chosen_range(request.GET, _today(merchant))
    except PresetError as exc:
        context = {"error": str(exc), "presets": PRESETS, "query": request.GET}
        return render(request, "analytics/index.html", context, status=400)
    context = {
        "chosen": chosen,
        "presets": PRESETS,
        "figures": _figures_html(merchant, chosen, request.GET.urlencode()),
    }
    return render(request, "analytics/index.html", context)


def _figures_html(merchant, chosen, query: str) -> str:
    """The page's figures as HTML. A stored preset's are rendered once per stored row, language and query,
    and kept while that row is current (a refresh gives a new key); a custom range's are computed now."""
    if chosen.preset not in STORED_PRESETS:
        return _rendered(chosen, query, page_figures(merchant, chosen, timezone.now()), merchant)
    figures, as_of = None, figures_as_of(merchant, chosen)  # one query
    if as_of is None:  # the preset's first view of the day
        figures = _figures(merchant, chosen)
        as_of = figures["as_of"]
    facts = f"{merchant.pk}:{chosen.preset}:{chosen.last}:{as_of.isoformat()}:{get_language()}:{query}"
    key = f"analytics:page:{hashlib.sha256(facts.encode()).hexdigest()}"
    html = cache.get(key)
    if html is None:
        html = _rendered(chosen, query, figures or _figures(merchant, chosen), merchant)
        cache.set(key, html, int(2 * STALE_AFTER.total_seconds()))
        preset_viewed(merchant, chosen.preset)
    return mark_safe(html)  # noqa: S308 - our own template's output


def _rendered(chosen, query: str, figures: dict, merchant) -> str:
    period, bars = figures["period"], figures["bars"]
    context = {
        "chosen": chosen,
        "previous_first": period.previous().start.date(),
        "previous_last": period.start.date() - timedelta(days=1),
        "rows": kpi_rows(figures["current"], figures["previous"])
        + service_rows(figures["service"], figures["service_before"]),
        "bars": [_bar_shown(bar) for bar in bars],
        "chart": _chart(bars),
        "cohorts": _cohort_rows(figures["cohorts"]),
        "cohort_months": range(1, COHORT_MONTHS),
        "clv": predicted_clv_shown(figures["clv"]),
        "returns": returns_block(figures["returns"]),
        "email": email_rows(figures["email"]),
        "promises": delivery_promise_table(figures["promises"], figures["promises_before"]),
        "holdouts": holdout_blocks(figures["holdouts"]),
        "query": query,
        "as_of": format_time_of_day(timezone.localtime(figures["as_of"], merchant.tzinfo).time()),
    }
    return render_to_string("analytics/_figures.html", context)


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

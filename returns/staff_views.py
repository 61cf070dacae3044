"""Dashboard pages of returns: the queue, a return's page and its moves, the Overview's figures, the CSV export.

Viewers read everything; agents and admins act. Every move goes through returns.lifecycle, which
locks the return's row: of two staff (or two clicks) acting at once, one wins and the other is told.
"""

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from merchants.access import staff_view
from merchants.models import Role
from orders.selectors import order_timeline

from . import selectors
from .exports import csv_lines
from .figures import return_figures
from .forms import ExportForm, NoteForm, OverviewForm, QueueFilterForm, ReceiveForm, RejectForm, selected_ids
from .lifecycle import (
    ORDERED_EXCHANGES,
    TRANSITIONS,
    ItemInput,
    ReturnStateError,
    ReturnValidationError,
    return_approve,
    return_cancel,
    return_note_add,
    return_receive,
    return_reject,
    return_reopen,
    return_resolution_change,
    return_resolve,
)
from .models import CREDIT_RESOLUTIONS, OPEN_STATUSES, Resolution, ReturnRequest, ReturnStatus
from .overview import overview_context
from .reasons import reasons_for
from .shop_returns import shop_return_items_set

PAGE_SIZE = 25
S = ReturnStatus


# --- The queue -----------------------------------------------------------------------------------


def _queue_page(request, query: QueryDict, *, status: int = 200, error: str = ""):
    if not query:  # the page as the sidebar opens it: what waits on the team
        query = QueryDict("needs_action=on")
    form = QueueFilterForm(query, merchant=request.merchant)
    filters = form.filters()
    now = timezone.now()
    returns = selectors.return_queue(merchant=request.merchant, filters=filters, now=now)
    page = Paginator(returns, PAGE_SIZE).get_page(query.get("page"))
    for ret in page.object_list:
        ret.age_days = (now - ret.created_at).days
    kept = query.copy()
    kept.pop("page", None)
    counts = selectors.return_status_counts(merchant=request.merchant, filters=filters, now=now)
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "returns": page.object_list,
        "query": kept.urlencode(),
        "tabs": _tabs(kept, counts),
        "needs_action_count": counts["needs_action"],
        "can_act": request.membership.has_role(Role.AGENT),
        # "Approve selected" only where there is something to tick: requested returns on this page.
        "any_requested": any(ret.status == S.REQUESTED for ret in page.object_list),
        "export_form": _export_form(timezone.localtime(now, request.merchant.tzinfo).date()),
        "error": error,
    }
    return render(request, "returns/staff/queue.html", context, status=status)


def _export_form(today) -> ExportForm:
    """The last 30 days of the shop's calendar."""
    return ExportForm(initial={"start": today - timedelta(days=30), "end": today})


def _tabs(query: QueryDict, counts: dict[str, int]) -> list[dict]:
    """The status tabs: each keeps the other filters and shows how many returns it holds under them."""
    current = query.get("status", "")

    def tab(value, label):
        linked = query.copy()
        linked["status"] = value
        return {
            "label": label,
            "count": counts[value or "all"],
            "query": linked.urlencode(),
            "current": current == value,
        }

    return [tab("", _("All")), *(tab(value, label) for value, label in S.choices)]


@require_GET
@staff_view()
def return_queue(request):
    return _queue_page(request, request.GET)


@require_POST
@staff_view(Role.AGENT)
def return_bulk_approve(request):
    """Approve the ticked returns one by one; say which could not move and why (someone may have moved them)."""
    query = QueryDict(request.POST.get("query", ""))
    ids = selected_ids(request.POST.getlist("returns"))
    if not ids:
        return _queue_page(request, query, status=400, error=_("Select the returns to approve first."))
    found = {r.pk: r for r in ReturnRequest.objects.filter(merchant=request.merchant, pk__in=ids)}
    approved, refused = [], []
    for pk in ids:
        if pk not in found:
            refused.append(_("A selected return no longer exists: it was not approved."))
            continue
        try:
            approved.append(return_approve(request=found[pk], by=request.user).rma)
        except ReturnStateError as exc:
            refused.append(_("%(rma)s was not approved. %(why)s") % {"rma": found[pk].rma, "why": exc})
    if approved:
        count = len(approved)
        messages.success(
            request,
            ngettext("%(count)s return approved: %(rmas)s.", "%(count)s returns approved: %(rmas)s.", count)
            % {"count": count, "rmas": ", ".join(approved)},
        )
    for refusal in refused:
        messages.error(request, refusal)
    return redirect(f"{reverse('returns:index')}?{query.urlencode()}" if query else reverse("returns:index"))


# --- A return's page ------------------------------------------------------------------------------


def _detail_page(request, pk, *, forms: dict | None = None, error: str = "", status: int = 200):
    ret = selectors.return_get(merchant=request.merchant, pk=pk)
    allowed = TRANSITIONS[ret.status]
    can_act = request.membership.has_role(Role.AGENT)
    forms = forms or {}
    reasons = {reason.code: reason.label for reason in reasons_for(request.merchant)}
    context = {
        "ret": ret,
        "order": ret.order,
        "items": [(item, reasons.get(item.reason, item.reason)) for item in ret.items.all()],
        "notes": [(note, _status_label(note.status)) for note in ret.notes.all()],
        "history": selectors.customer_other_returns(merchant=request.merchant, request=ret),
        "timeline": order_timeline(ret.order),
        "can_act": can_act,
        "can_approve": can_act and S.APPROVED in allowed,
        "can_resolve": can_act and S.RESOLVED in allowed,
        "can_cancel": can_act and S.CANCELLED in allowed,
        "can_reopen": can_act and S.REQUESTED in allowed,
        # Staff may turn a credit into a refund (or back) until the return is carried out.
        # Never to an exchange (the customer picks the new item), nor away from one the shop was asked for.
        "resolution_choices": [
            (c, label) for c, label in Resolution.choices if c not in (ret.resolution, Resolution.EXCHANGE_VARIANT)
        ]
        if can_act
        and ret.status in OPEN_STATUSES
        and not ret.items_unknown
        and ret.exchange_status not in ORDERED_EXCHANGES
        else [],
        "reject_form": forms.get("reject") or (RejectForm() if can_act and S.REJECTED in allowed else None),
        "receive_form": forms.get("receive")
        or (ReceiveForm(items=ret.items.all()) if can_act and S.RECEIVED in allowed else None),
        "note_form": forms.get("note") or (NoteForm() if can_act else None),
        # A return made in the shop's admin whose items the shop did not name: staff say which.
        "unknown_items_lines": [(line, range(1, line.quantity + 1)) for line in ret.order.line_items.all()]
        if can_act and ret.items_unknown
        else [],
        "reason_choices": list(reasons.items()),
        "error": error,
    }
    return render(request, "returns/staff/detail.html", context, status=status)


def _status_label(status: str) -> str:
    return S(status).label if status in S.values else status


@require_GET
@staff_view()
def return_detail(request, pk):
    return _detail_page(request, pk)


def _moved(request, ret, move, success: str, *, form_name: str = "", form=None, **arguments):
    """Run one lifecycle move; a refusal shows the page again with what went wrong, nothing changed."""
    try:
        move(request=ret, by=request.user, **arguments)
    except ReturnStateError as exc:
        return _detail_page(request, ret.pk, error=_("Nothing was changed. %(why)s") % {"why": exc}, status=409)
    except ReturnValidationError as exc:
        if form is not None:
            for message in exc.errors.values():
                form.add_error(None, message)
            return _detail_page(request, ret.pk, forms={form_name: form}, status=400)
        return _detail_page(request, ret.pk, error=" ".join(exc.errors.values()), status=400)
    messages.success(request, success % {"rma": ret.rma})
    return redirect("returns:detail", pk=ret.pk)


def _return(request, pk) -> ReturnRequest:
    return selectors.return_get(merchant=request.merchant, pk=pk)


@require_POST
@staff_view(Role.AGENT)
def return_approve_view(request, pk):
    return _moved(request, _return(request, pk), return_approve, _("Return %(rma)s is approved."))


@require_POST
@staff_view(Role.AGENT)
def return_reject_view(request, pk):
    ret = _return(request, pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, pk, forms={"reject": form}, status=400)
    return _moved(
        request,
        ret,
        return_reject,
        _("Return %(rma)s is rejected; the customer sees your reason."),
        form_name="reject",
        form=form,
        reason=form.cleaned_data["reason"],
    )


@require_POST
@staff_view(Role.AGENT)
def return_receive_view(request, pk):
    ret = _return(request, pk)
    form = ReceiveForm(request.POST, items=ret.items.all())
    if not form.is_valid():
        return _detail_page(request, pk, forms={"receive": form}, status=400)
    return _moved(
        request,
        ret,
        return_receive,
        _("Return %(rma)s is received."),
        form_name="receive",
        form=form,
        inspections=form.inspections(),
    )


@require_POST
@staff_view(Role.AGENT)
def return_resolve_view(request, pk):
    ret = _return(request, pk)
    if ret.resolution in CREDIT_RESOLUTIONS:
        return _moved(request, ret, return_resolve, _("Return %(rma)s is resolved with its store credit."))
    return _moved(request, ret, return_resolve, _("Return %(rma)s is resolved with its refund."))


@require_POST
@staff_view(Role.AGENT)
def return_resolution_view(request, pk):
    return _moved(
        request,
        _return(request, pk),
        return_resolution_change,
        _("Return %(rma)s has its new resolution."),
        resolution=request.POST.get("resolution", ""),
    )


@require_POST
@staff_view(Role.AGENT)
def return_cancel_view(request, pk):
    return _moved(request, _return(request, pk), return_cancel, _("Return %(rma)s is cancelled."))


@require_POST
@staff_view(Role.AGENT)
def return_reopen_view(request, pk):
    return _moved(request, _return(request, pk), return_reopen, _("Return %(rma)s is reopened."))


@require_POST
@staff_view(Role.AGENT)
def return_note_view(request, pk):
    ret = _return(request, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, pk, forms={"note": form}, status=400)
    try:
        return_note_add(request=ret, by=request.user, text=form.cleaned_data["text"])
    except ReturnValidationError as exc:
        for message in exc.errors.values():
            form.add_error("text", message)
        return _detail_page(request, pk, forms={"note": form}, status=400)
    messages.success(request, _("Note added."))
    return redirect("returns:detail", pk=ret.pk)


@require_POST
@staff_view(Role.AGENT)
def return_items_view(request, pk):
    """Staff complete the items of a return made in the shop's admin that the shop did not name."""
    ret = _return(request, pk)
    items = []
    for line in ret.order.line_items.all():
        quantity = request.POST.get(f"quantity-{line.pk}", "0")
        if quantity.isdigit() and 0 < int(quantity) < 10_000:
            items.append(ItemInput(line.pk, int(quantity), request.POST.get(f"reason-{line.pk}", "")))
    return _moved(request, ret, shop_return_items_set, _("The items of return %(rma)s are recorded."), items=items)


# --- The Overview: the returns figures (docs/kpis.md, "Returns") -----------------------------------


OVERVIEW_DAYS = 30  # the days shown when the page is opened: the last 30, today included


@require_GET
@staff_view()
def return_overview(request):
    merchant = request.merchant
    today = timezone.localtime(timezone.now(), merchant.tzinfo).date()
    # The last days unless a range is asked for: the language switcher's ?lang= alone keeps them.
    asked = "from" in request.GET or "to" in request.GET
    query = request.GET if asked else {"from": str(today - timedelta(days=OVERVIEW_DAYS - 1)), "to": str(today)}
    form = OverviewForm(query)
    if not form.is_valid():
        problems = " ".join(message for errors in form.errors.values() for message in errors)
        return render(request, "returns/staff/overview.html", {"form": form, "error": problems}, status=400)
    days = form.days()
    figures = return_figures(merchant=merchant, period=days.period(merchant), now=timezone.now())
    reasons = {reason.code: reason.label for reason in reasons_for(merchant)}
    context = {"form": form, "days": days, **overview_context(figures, reasons)}
    return render(request, "returns/staff/overview.html", context)


# --- The export ---------------------------------------------------------------------------------------


@require_GET
@staff_view()
def return_export(request):
    form = ExportForm(request.GET)
    if not form.is_valid():
        problems = [message for errors in form.errors.values() for message in errors]
        text = _("Give the days to export as from=YYYY-MM-DD and to=YYYY-MM-DD. %(problems)s") % {
            "problems": " ".join(problems)
        }
        return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    items = selectors.return_items_for_export(merchant=request.merchant, start=start, end=end)
    response = HttpResponse("".join(csv_lines(items)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="returns-{start}-{end}.csv"'
    response["Cache-Control"] = "no-store"
    return response

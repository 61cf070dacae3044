"""Dashboard pages of shipments. Reads through selectors, writes through services."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalogue import selectors as catalogue_selectors
from catalogue import services as catalogue_services
from catalogue.forms import ProductUrlForm, RecommendationRuleForm
from catalogue.models import Product, RecommendationRule
from merchants.access import staff_view
from merchants.models import Role

from . import carriers, selectors, services
from .forms import CarrierSettingForm, ManualEventForm, ShipmentFilterForm
from .models import Shipment

PAGE_SIZE = 25


def _paginate(request, queryset):
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = request.GET.copy()
    filters.pop("page", None)
    return page, filters.urlencode()


@staff_view()
def shipment_list(request):
    form = ShipmentFilterForm(request.GET or None)
    carrier = status = ""
    delayed = None
    if form.is_valid():
        carrier, status = form.cleaned_data["carrier"], form.cleaned_data["status"]
        delayed = {"yes": True, "no": False}.get(form.cleaned_data["delayed"])
    shipments = selectors.shipments_for(merchant=request.merchant, carrier=carrier, status=status, delayed=delayed)
    page, filters = _paginate(request, shipments)
    context = {
        "form": form,
        "page": page,
        "shipments": page.object_list,
        "filters": filters,
        "carriers": selectors.carriers_in_use(merchant=request.merchant),
        "attention_count": selectors.needs_attention(merchant=request.merchant).count(),
        "unmatched_count": selectors.unmatched_events(merchant=request.merchant).count(),
    }
    return render(request, "tracking/dashboard/shipment_list.html", context)


@staff_view()
def needs_attention(request):
    page, filters = _paginate(request, selectors.needs_attention(merchant=request.merchant))
    return render(
        request,
        "tracking/dashboard/needs_attention.html",
        {"page": page, "shipments": page.object_list, "filters": filters},
    )


def _shipment_or_404(merchant, pk) -> Shipment:
    try:
        return selectors.shipment_with_events(merchant=merchant, pk=pk)
    except Shipment.DoesNotExist as exc:
        raise Http404(_("No such shipment.")) from exc


@staff_view()
def shipment_detail(request, pk):
    shipment = _shipment_or_404(request.merchant, pk)
    can_add = request.membership.has_role(Role.AGENT)
    return _detail(request, shipment, ManualEventForm() if can_add else None)


def _detail(request, shipment, form, status=200):
    from .tokens import tracking_page_path

    context = {
        "shipment": shipment,
        "events": shipment.events.all(),
        "carrier_name": carriers.carrier_name(shipment.carrier),
        "event_form": form,
        "tracking_page": tracking_page_path(shipment.order),
    }
    return render(request, "tracking/dashboard/shipment_detail.html", context, status=status)


@require_POST
@staff_view(Role.AGENT)
def shipment_event_add(request, pk):
    shipment = _shipment_or_404(request.merchant, pk)
    form = ManualEventForm(request.POST)
    with timezone.override(request.merchant.tzinfo):  # staff type times in their shop's time zone
        valid = form.is_valid()
    if valid:
        data = form.cleaned_data
        occurred_at = data["occurred_at"]
        try:
            services.tracking_event_add(
                merchant=request.merchant,
                shipment=shipment,
                status=data["status"],
                occurred_at=occurred_at,
                description=data["description"],
                city=data["city"],
                country=data["country"],
                source="staff",
                raw={"by": request.user.email},
            )
        except services.TrackingEventError as exc:
            for field, message in exc.errors.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("The event has been added."))
            return redirect("tracking:detail", pk=shipment.pk)
    shipment = _shipment_or_404(request.merchant, pk)
    return _detail(request, shipment, form, status=400)


@staff_view()
def unmatched_list(request):
    page, filters = _paginate(request, selectors.unmatched_events(merchant=request.merchant))
    return render(request, "tracking/dashboard/unmatched.html", {"page": page, "events": page.object_list})


@require_POST
@staff_view(Role.AGENT)
def unmatched_resolve(request, pk):
    try:
        services.unmatched_event_resolve(merchant=request.merchant, unmatched_id=pk)
    except services.UnmatchedTrackingEvent.DoesNotExist as exc:
        raise Http404(_("No such event.")) from exc
    messages.success(request, _("Marked as handled."))
    return redirect("tracking:unmatched")


@staff_view(Role.ADMIN)
def carrier_settings(request):
    merchant = request.merchant
    form = CarrierSettingForm(request.POST or None, carriers_used=selectors.carriers_in_use(merchant=merchant))
    if request.method == "POST":
        if form.is_valid():
            services.carrier_setting_save(merchant=merchant, **form.cleaned_data)
            messages.success(request, _("Carrier settings saved."))
            return redirect("tracking:carriers")
    context = {"form": form, "settings": selectors.carrier_settings(merchant=merchant)}
    return render(request, "tracking/dashboard/carriers.html", context, status=400 if form.errors else 200)


@staff_view(Role.ADMIN)
def recommendations(request):
    merchant = request.merchant
    products = catalogue_selectors.products_of(merchant=merchant)
    rule = catalogue_selectors.rule_of(merchant=merchant)
    initial = {"mode": rule.mode, "picked": list(rule.picked.all())} if rule else {"mode": RecommendationRule.Mode.OFF}
    form = RecommendationRuleForm(request.POST or None, products=products, initial=initial)
    if request.method == "POST":
        if request.POST.get("action") == "sync":
            added = catalogue_services.product_catalogue_sync(merchant=merchant)
            messages.success(request, _("%(count)d products added from your orders.") % {"count": added})
            return redirect("tracking:recommendations")
        if form.is_valid():
            catalogue_services.recommendation_rule_save(
                merchant=merchant,
                mode=form.cleaned_data["mode"],
                picked_ids=[p.pk for p in form.cleaned_data["picked"]],
            )
            messages.success(request, _("Suggestion settings saved."))
            return redirect("tracking:recommendations")
    context = {"form": form, "products": products, "product_form": ProductUrlForm()}
    return render(request, "tracking/dashboard/recommendations.html", context, status=400 if form.errors else 200)


@require_POST
@staff_view(Role.ADMIN)
def product_update(request, pk):
    form = ProductUrlForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a full web address, e.g. https://shop.example.com/products/shirt."))
        return redirect("tracking:recommendations")
    try:
        catalogue_services.product_url_set(merchant=request.merchant, product_id=pk, **form.cleaned_data)
    except Product.DoesNotExist as exc:
        raise Http404(_("No such product.")) from exc
    messages.success(request, _("Product saved."))
    return redirect("tracking:recommendations")

"""Staff pages of labels: the label settings (admins), asking again for a label (agents), the packing slip."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.locale import customer_language
from core.scoping import get_for_merchant, merchant_scope
from merchants.access import staff_view
from merchants.credentials import credentials_set_kinds
from merchants.models import Role

from ..models import ReturnPolicy, ReturnRequest
from ..slips import packing_slip_pdf, slip_filename
from . import services
from .forms import LabelSettingsForm, sizes_as_text


@staff_view(Role.ADMIN)
def label_settings(request):
    merchant = request.merchant
    current = services.label_settings_for(merchant)
    with merchant_scope(merchant):
        policy = ReturnPolicy.objects.filter(merchant=merchant).first()
    key_saved = "easypost_api_key" in credentials_set_kinds(merchant)
    initial = {
        "carriers_text": ", ".join(current.carriers or []),
        "sizes_text": sizes_as_text(services.parcel_sizes_of(merchant)),
        "received_on_delivery": bool(policy and policy.received_on_delivery),
    }
    form = LabelSettingsForm(
        request.POST or None, instance=current, initial=initial, key_saved=key_saved, has_policy=policy is not None
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.label_settings_update(
            merchant=merchant,
            values={name: data[name] for name in LabelSettingsForm.Meta.fields} | {"carriers": data["carriers_text"]},
            sizes=data["sizes_text"],
            received_on_delivery=data.get("received_on_delivery") if policy is not None else None,
            api_key=data["easypost_api_key"],
        )
        messages.success(request, _("Label settings saved."))
        return redirect("returns:label-settings")
    context = {"form": form, "key_saved": key_saved, "has_policy": policy is not None}
    return render(request, "returns/labels/settings.html", context, status=400 if form.errors else 200)


@require_POST
@staff_view(Role.AGENT)
def label_retry(request, pk):
    the_return = get_for_merchant(ReturnRequest, merchant=request.merchant, pk=pk)
    try:
        services.return_label_retry(the_return)
    except services.LabelRetryError as refused:
        return HttpResponse(refused.message, status=400, content_type="text/plain; charset=utf-8")
    messages.success(request, _("The label is being asked for again: reload the page in a minute."))
    return redirect("returns:detail", pk=the_return.pk)


@require_GET
@staff_view()
def staff_slip(request, pk):
    the_return = get_for_merchant(ReturnRequest, merchant=request.merchant, pk=pk)
    with merchant_scope(request.merchant):
        language = customer_language(merchant=request.merchant, order=the_return.order)
        pdf = packing_slip_pdf(the_return, language=language)
    return pdf_response(pdf, slip_filename(the_return))


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response

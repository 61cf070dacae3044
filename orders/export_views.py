"""Data requests (customers/data_request and others): the exports staff download."""

import json

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.scoping import get_for_merchant
from merchants.access import staff_view
from merchants.models import Role

from .models import DataExport


@staff_view(Role.ADMIN)
def export_list(request: HttpRequest) -> HttpResponse:
    exports = DataExport.objects.filter(merchant=request.merchant).defer("data")
    page = Paginator(exports, 50).get_page(request.GET.get("page"))
    return render(request, "orders/export_list.html", {"page": page})


@staff_view(Role.ADMIN)
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    export = get_for_merchant(DataExport, merchant=request.merchant, pk=pk)
    response = HttpResponse(
        json.dumps(export.data, indent=2, ensure_ascii=False), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="data-export-{export.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response

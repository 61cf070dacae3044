"""The staff's catalogue page: every product with its variants, prices and stock, and how fresh each
source's data is."""

from django.core.paginator import Paginator
from django.shortcuts import render

from merchants.access import staff_view

from . import selectors
from .forms import CatalogueFilterForm

PAGE_SIZE = 25


@staff_view()
def product_list(request):
    form = CatalogueFilterForm(request.GET or None)
    q = source = ""
    if form.is_valid():
        q, source = form.cleaned_data["q"].strip(), form.cleaned_data["source"]
    products = selectors.products_list(merchant=request.merchant, q=q, source=source)
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = request.GET.copy()
    filters.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "products": page.object_list,
        "filters": filters.urlencode(),
        "sources": selectors.sync_summary(merchant=request.merchant),
        "filtered": bool(q or source),
    }
    return render(request, "catalogue/list.html", context)

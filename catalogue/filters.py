"""Query filters of the products API list."""

import django_filters

from core.api_filters import ApiFilterSet

from .models import Product, Source


class ProductFilter(ApiFilterSet):
    active = django_filters.BooleanFilter(field_name="for_sale", help_text="Sold by the shop (published, not deleted).")
    source = django_filters.ChoiceFilter(choices=Source.choices)
    q = django_filters.CharFilter(method="search", help_text="Part of the title, the product's id, or a variant's SKU.")

    class Meta:
        model = Product
        fields = ["active", "source", "q"]

    def search(self, queryset, name, value):
        from .selectors import products_search

        return products_search(queryset, value.strip())

"""The demo shops' catalogue: every product with its variants, prices and stock."""

import io

import pytest
from django.core.management import call_command

from catalogue.models import Product, Variant
from core.scoping import merchant_scope
from merchants.models import Merchant


@pytest.mark.django_db
def test_demo_shops_have_products_with_variants_and_stock():
    call_command("seed_demo", "--orders", "60", "--no-progress", stdout=io.StringIO())

    merchant = Merchant.objects.get(slug="maison-lumiere")
    with merchant_scope(merchant):
        candle = Product.objects.get(product_id="8801")
        variants = list(Variant.objects.filter(product=candle))
        stocks = list(Variant.objects.values_list("available", flat=True))
        products = Product.objects.count()
        with_variants = Product.objects.filter(variants__isnull=False).distinct().count()
        lamp = Variant.objects.filter(product__product_id="8821").first()
    assert candle.source == "shopify" and candle.url and candle.image_url and candle.for_sale
    assert [v.options for v in variants] == [
        [{"name": "Taille", "value": "200 g"}],
        [{"name": "Taille", "value": "400 g"}],
    ]
    assert [str(v.price) for v in variants] == ["32.000", "48.000"] and variants[0].sku == "ML-880100"
    assert lamp.options[0]["name"] == "Couleur"
    assert products == with_variants  # every product the orders name is in the plan
    assert 0 in stocks and any(stock and stock > 0 for stock in stocks)

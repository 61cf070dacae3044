"""The staff page that sets the one rule both the tracking page and the emails follow."""

import pytest
from django.utils import translation

from catalogue.models import Product, RecommendationRule
from catalogue.services import product_catalogue_sync, recommendation_rule_save
from core.scoping import merchant_scope
from tests.factories import LineItemFactory, OrderFactory


def test_every_mode_is_offered_and_saved(staff_client, merchant):
    page = staff_client.get("/app/shipments/suggestions/").content.decode()
    assert 'value="bought_together"' in page and "tracking page and in emails" in page
    assert staff_client.post("/app/shipments/suggestions/", {"mode": "bought_together"}).status_code == 302
    with merchant_scope(merchant):
        assert RecommendationRule.objects.get().mode == "bought_together"


def test_bad_input_is_refused_and_changes_nothing(staff_client, merchant):
    assert staff_client.post("/app/shipments/suggestions/", {"mode": "product_type"}).status_code == 302
    response = staff_client.post("/app/shipments/suggestions/", {"mode": "everything"})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    with merchant_scope(merchant):
        assert RecommendationRule.objects.get().mode == "product_type"


def test_the_service_refuses_an_unknown_mode_and_keeps_the_rule(merchant):
    recommendation_rule_save(merchant=merchant, mode="tags")
    with pytest.raises(ValueError, match="use one of off, bought_together"):
        recommendation_rule_save(merchant=merchant, mode="everything")
    with merchant_scope(merchant):
        assert RecommendationRule.objects.get().mode == "tags"


def test_another_shops_product_cannot_be_changed(staff_client, other_merchant):
    with merchant_scope(other_merchant):
        LineItemFactory(order=OrderFactory(merchant=other_merchant), product_id="p-1")
    product_catalogue_sync(merchant=other_merchant)
    with merchant_scope(other_merchant):
        foreign = Product.objects.get()
    url = f"/app/shipments/suggestions/products/{foreign.pk}/"
    assert staff_client.post(url, {"url": "https://evil.example/x", "active": "on"}).status_code == 404
    with merchant_scope(other_merchant):
        assert Product.objects.get().url == ""


def test_the_modes_read_in_french():
    with translation.override("fr"):
        labels = [str(label) for label in RecommendationRule.Mode.labels]
    assert "Souvent achetés avec le contenu de la commande" in labels and "Pas de suggestions" in labels

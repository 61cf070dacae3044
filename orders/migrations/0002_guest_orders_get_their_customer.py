"""Guest orders (no shop customer) get the customer of their email: one per shop and address."""

from django.db import migrations
from django.db.models.functions import Lower


def guests_to_customers(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    Customer = apps.get_model("orders", "Customer")
    guests = (
        Order._base_manager.filter(customer__isnull=True)
        .exclude(email="")
        .annotate(email_lower=Lower("email"))
        .values_list("merchant_id", "email_lower", "email")
        .distinct()
    )
    for merchant_id, email_lower, email in guests:
        customer = (
            Customer._base_manager.filter(merchant_id=merchant_id, email__iexact=email_lower, redacted_at__isnull=True)
            .order_by("external_id", "id")  # one without a shop id first: the guest's own
            .first()
        ) or Customer._base_manager.create(merchant_id=merchant_id, email=email)
        Order._base_manager.filter(merchant_id=merchant_id, customer__isnull=True, email__iexact=email_lower).update(
            customer=customer
        )


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]

    operations = [migrations.RunPython(guests_to_customers, migrations.RunPython.noop)]

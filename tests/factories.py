"""Shared factories. Tenant-owned rows are created inside their merchant's scope."""

from decimal import Decimal

import factory
from django.utils import timezone

from merchants.models import Membership, Merchant, Role, User
from orders.models import Customer, LineItem, Order


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"staff{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy hook signature
        if create:
            obj.save(update_fields=["password"])


class MerchantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Merchant

    name = factory.Sequence(lambda n: f"Shop {n}")
    slug = factory.Sequence(lambda n: f"shop-{n}")
    support_email = factory.LazyAttribute(lambda m: f"support@{m.slug}.example.com")
    sender_email = factory.LazyAttribute(lambda m: f"hello@{m.slug}.example.com")
    sender_name = factory.LazyAttribute(lambda m: m.name)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    merchant = factory.SubFactory(MerchantFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.OWNER


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    merchant = factory.SubFactory(MerchantFactory)
    external_id = factory.Sequence(lambda n: f"cust-{n}")
    email = factory.Sequence(lambda n: f"customer{n}@example.org")
    first_name = "Camille"
    last_name = "Martin"
    language = "fr"


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    merchant = factory.SubFactory(MerchantFactory)
    customer = factory.SubFactory(CustomerFactory, merchant=factory.SelfAttribute("..merchant"))
    email = factory.LazyAttribute(lambda o: o.customer.email if o.customer else "guest@example.org")
    external_id = factory.Sequence(lambda n: f"{5000000000 + n}")
    number = factory.Sequence(lambda n: f"#{1001 + n}")
    placed_at = factory.LazyFunction(timezone.now)
    currency = "EUR"
    subtotal = Decimal("49.90")
    shipping = Decimal("4.90")
    total = Decimal("54.80")
    financial_status = "paid"
    shipping_country = "FR"
    shipping_postal_code = "75011"


class LineItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LineItem

    order = factory.SubFactory(OrderFactory)
    merchant = factory.SelfAttribute("order.merchant")
    sku = factory.Sequence(lambda n: f"SKU-{n}")
    title = "Linen shirt"
    quantity = 1
    unit_price = Decimal("49.90")
    product_type = "shirt"

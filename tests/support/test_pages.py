"""The staff pages: contacts and WISMO rate, rules, baseline import."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.scoping import merchant_scope
from merchants.models import Role
from support.models import BaselineWeek, SupportContact, WismoRules
from support.services import ContactInput, support_contact_record
from tests.conftest import login_as
from tests.factories import MembershipFactory, OrderFactory, UserFactory

pytestmark = pytest.mark.django_db


def ticket(merchant, external_id, subject, **fields):
    with merchant_scope(merchant):
        return support_contact_record(
            merchant=merchant,
            contact=ContactInput(
                source="gorgias",
                external_id=external_id,
                created_at=timezone.now() - timedelta(hours=1),
                subject=subject,
                **fields,
            ),
        )[0]


def viewer_client(client, merchant):
    user = UserFactory(email="viewer@maison-lumiere.example.com")
    with merchant_scope(merchant):
        MembershipFactory(merchant=merchant, user=user, role=Role.VIEWER)
    return login_as(client, user, merchant)


def test_the_contacts_page_lists_tickets_with_their_orders(staff_client, merchant):
    with merchant_scope(merchant):
        order = OrderFactory(merchant=merchant, number="#1001")
    ticket(merchant, "1", "Où est ma commande #1001 ?")
    ticket(merchant, "2", "Facture")

    page = staff_client.get("/app/support/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Où est ma commande #1001 ?" in html and "Facture" in html
    assert f"/app/orders/{order.pk}/" in html
    only_wismo = staff_client.get("/app/support/?wismo=1").content.decode()
    assert "Facture" not in only_wismo


def test_the_contacts_page_does_not_show_another_shops_tickets(staff_client, other_merchant):
    ticket(other_merchant, "1", "Secret ticket of another shop")

    assert "Secret ticket" not in staff_client.get("/app/support/").content.decode()


def test_the_contacts_page_takes_the_same_queries_for_3_or_30_tickets(
    staff_client, merchant, django_assert_num_queries
):
    for number in range(3):
        ticket(merchant, f"a{number}", "Où est ma commande ?")
    staff_client.get("/app/support/")  # warm the session and per-process caches

    with django_assert_num_queries(12) as first:
        staff_client.get("/app/support/")
    for number in range(27):
        ticket(merchant, f"b{number}", "Où est mon colis ?")
    with django_assert_num_queries(len(first.captured_queries)):
        staff_client.get("/app/support/")


def test_admins_edit_the_rules_and_bad_rules_change_nothing(staff_client, merchant):
    refused = staff_client.post("/app/support/rules/", {"tags": "", "keywords": ""})
    too_long = staff_client.post("/app/support/rules/", {"tags": "", "keywords": "x" * 81})

    assert (refused.status_code, too_long.status_code) == (400, 400)
    with merchant_scope(merchant):
        assert not WismoRules.objects.exists()

    saved = staff_client.post("/app/support/rules/", {"tags": "suivi\nsuivi\n", "keywords": "paquet perdu"})

    assert saved.status_code == 302
    with merchant_scope(merchant):
        rules = WismoRules.objects.get()
    assert (rules.tags, rules.keywords) == (["suivi"], ["paquet perdu"])
    staff_client.post("/app/support/rules/reset/")
    with merchant_scope(merchant):
        assert not WismoRules.objects.exists()


def test_viewers_read_the_rules_and_baseline_but_change_nothing(client, merchant):
    viewer = viewer_client(client, merchant)

    assert viewer.get("/app/support/rules/").status_code == 200
    assert viewer.get("/app/support/baseline/").status_code == 200
    assert viewer.post("/app/support/rules/", {"tags": "a", "keywords": "b"}).status_code == 403
    assert viewer.post("/app/support/baseline/clear/").status_code == 403


def upload(client, content: bytes):
    return client.post("/app/support/baseline/", {"file": SimpleUploadedFile("weeks.csv", content, "text/csv")})


def test_the_baseline_import_takes_all_weeks_or_none(staff_client, merchant):
    refused = upload(staff_client, b"week,wismo_tickets,orders_shipped\n2026-01-05,41,1180\n2026-01-06,1,2\n")

    assert refused.status_code == 400
    assert "Line 3: 2026-01-06 is not a Monday" in refused.content.decode()
    with merchant_scope(merchant):
        assert not BaselineWeek.objects.exists()

    imported = upload(staff_client, b"week,wismo_tickets,orders_shipped\n2026-01-05,41,1180\n2026-01-12,38,1102\n")
    again = upload(staff_client, b"week,wismo_tickets,orders_shipped\n2026-01-12,40,1100\n")

    assert (imported.status_code, again.status_code) == (302, 302)
    with merchant_scope(merchant):
        weeks = list(BaselineWeek.objects.values_list("wismo_tickets", "orders_shipped"))
    assert weeks == [(41, 1180), (40, 1100)]
    assert "3.55" in staff_client.get("/app/support/baseline/").content.decode()  # 81 × 100 / 2280


def test_the_baseline_errors_are_in_french_for_french_staff(staff_client, owner, merchant):
    owner.language = "fr"
    owner.save()

    refused = upload(staff_client, b"week,wismo_tickets,orders_shipped\n2026-01-06,1,2\n")

    assert "Ligne 2" in refused.content.decode()


def test_a_missing_file_is_a_400(staff_client, merchant):
    assert staff_client.post("/app/support/baseline/", {}).status_code == 400


def test_a_contact_is_unlinked_and_blanked_when_its_customer_is_erased(merchant):
    from orders.privacy import personal_data_collect, personal_data_erase, subject_for

    with merchant_scope(merchant):
        order = OrderFactory(merchant=merchant, number="#1001", email="camille@example.org")
    ticket(merchant, "1", "Où est ma commande #1001 ?")
    subject = subject_for(merchant=merchant, emails=["camille@example.org"])

    exported = personal_data_collect(subject=subject)["support.contacts"]
    assert [(row["external_id"], row["order_number"]) for row in exported] == [("1", "#1001")]
    personal_data_erase(subject=subject)

    with merchant_scope(merchant):
        contact = SupportContact.objects.get()
    assert (contact.subject, contact.order_id, contact.customer_id, contact.is_wismo) == ("", None, None, True)
    assert order.pk


def test_a_linked_ticket_shows_on_the_orders_page(staff_client, merchant):
    with merchant_scope(merchant):
        order = OrderFactory(merchant=merchant, number="#1001")
    ticket(merchant, "1", "Où est ma commande #1001 ?")

    html = staff_client.get(f"/app/orders/{order.pk}/").content.decode()

    assert "The customer contacted support" in html
    assert "Gorgias · WISMO" in html

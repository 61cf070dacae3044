"""Returns in data requests and erasures (returns/privacy.py, through orders/privacy.py's registry)."""

import base64
import io
from decimal import Decimal

import pytest
from PIL import Image

from core.scoping import merchant_scope
from orders.models import OrderEvent
from orders.privacy import data_export_create, personal_data_erase, subject_for, subject_whole_shop
from returns.lifecycle import ItemInput, return_reject, return_request_create
from returns.models import ReturnItem, ReturnPhoto, ReturnRequest
from returns.photos import photo_prepare
from returns.storage import photo_storage

from . import images
from .images import order_with_candles, picture, stored_files, upload

photo_dir, policy = images.photo_dir, images.policy  # the fixtures these tests share

pytestmark = pytest.mark.django_db


def a_return(order, comment="The glass arrived in pieces, call me on 06 12 34 56 78", photos=1):
    with merchant_scope(order.merchant):
        candle = order.line_items.get(title="Candle").pk
    prepared = tuple(photo_prepare(upload(picture(color=(9, 9, 9 + n)))) for n in range(photos))
    item = ItemInput(candle, 1, "damaged", comment, photos=prepared)
    return return_request_create(order=order, items=[item], method="ship_yourself")


@pytest.fixture
def two_customers(merchant, policy, photo_dir):
    mine, theirs = order_with_candles(merchant), order_with_candles(merchant)
    rejected = return_reject(request=a_return(mine, photos=2), reason="The seal is broken on arrival photos.")
    kept = a_return(theirs, comment="Someone else's words")
    return mine, theirs, rejected, kept


def subject(order):
    return subject_for(merchant=order.merchant, emails=[order.email])


def test_the_export_holds_the_customers_returns_what_the_shop_told_them_and_their_photos(two_customers):
    mine, _theirs, rejected, _kept = two_customers
    export = data_export_create(subject=subject(mine), source="staff")
    (exported,) = export.data["returns"]
    assert exported["rma"] == rejected.rma and exported["status"] == "rejected"
    assert exported["rejection_reason"] == "The seal is broken on arrival photos."
    assert exported["items"][0]["comment"].startswith("The glass arrived in pieces")
    assert [m["status"] for m in exported["messages"]] == ["requested", "rejected"]
    assert exported["messages"][1]["text"] == "The seal is broken on arrival photos."
    assert len(exported["photos"]) == 2
    for entry in exported["photos"]:
        image = Image.open(io.BytesIO(base64.b64decode(entry["content_base64"])))
        assert image.format == "JPEG" and image.size == (entry["width"], entry["height"])
        assert entry["filename"].endswith(".jpg") and entry["content_type"] == "image/jpeg"
    assert "Someone else's words" not in str(export.data)


def test_staff_notes_to_each_other_stay_out_of_the_export(two_customers):
    from returns.lifecycle import return_note_add

    mine, _theirs, rejected, _kept = two_customers
    return_note_add(request=rejected, by=None, text="Internal: customer sounds upset")
    export = data_export_create(subject=subject(mine), source="staff")
    assert "Internal" not in str(export.data["returns"])


def test_erasure_deletes_the_photos_and_blanks_the_comments_but_keeps_the_accounts(
    two_customers, photo_dir, django_capture_on_commit_callbacks
):
    mine, theirs, rejected, kept = two_customers
    with merchant_scope(mine.merchant):
        mine_files = [n for p in ReturnPhoto.objects.filter(item__request=rejected) for n in (p.file.name,)]
    assert len(stored_files(photo_dir)) == 6  # 3 photos and their thumbnails
    with django_capture_on_commit_callbacks(execute=True):
        touched = personal_data_erase(subject=subject(mine))
    assert touched["returns.returns"] == 2 + 1 + 2  # photos, the item's comment, the two events' comments
    with merchant_scope(mine.merchant):
        assert not ReturnPhoto.objects.filter(item__request=rejected).exists()
        assert ReturnPhoto.objects.filter(item__request=kept).count() == 1
        item = ReturnItem.objects.get(request=rejected)
        assert item.comment == "" and item.reason == "damaged" and item.amount == Decimal("30")
        again = ReturnRequest.objects.get(pk=rejected.pk)
        assert (again.status, again.refund_amount, again.rma) == ("rejected", Decimal("30"), rejected.rma)
        assert ReturnItem.objects.get(request=kept).comment == "Someone else's words"
        for event in OrderEvent.objects.filter(order=mine, kind__startswith="return."):
            assert event.payload["items"][0]["comment"] == ""
            assert event.payload["refund_amount"]
        assert any(
            e.payload["items"][0]["comment"] for e in OrderEvent.objects.filter(order=theirs, kind="return.requested")
        )
    assert len(stored_files(photo_dir)) == 2
    assert all(not photo_storage.exists(name) for name in mine_files)


def test_files_stay_when_the_erasure_rolls_back(two_customers, photo_dir, monkeypatch):
    mine = two_customers[0]
    from orders import privacy as registry

    def failing(subject):
        raise RuntimeError("a later eraser failed")

    monkeypatch.setitem(registry._erasers, "zz.failing", failing)
    with pytest.raises(RuntimeError):
        personal_data_erase(subject=subject(mine))
    assert len(stored_files(photo_dir)) == 6
    with merchant_scope(mine.merchant):
        assert ReturnPhoto.objects.count() == 3


def test_erasing_twice_changes_nothing_more(two_customers, django_capture_on_commit_callbacks):
    mine = two_customers[0]
    with django_capture_on_commit_callbacks(execute=True):
        personal_data_erase(subject=subject(mine))
    with django_capture_on_commit_callbacks(execute=True):
        assert personal_data_erase(subject=subject(mine))["returns.returns"] == 0


def test_a_whole_shop_erasure_removes_every_photo(two_customers, photo_dir, django_capture_on_commit_callbacks):
    mine = two_customers[0]
    with django_capture_on_commit_callbacks(execute=True):
        personal_data_erase(subject=subject_whole_shop(merchant=mine.merchant))
    assert stored_files(photo_dir) == []
    with merchant_scope(mine.merchant):
        assert not ReturnItem.objects.exclude(comment="").exists()


def test_another_shops_erasure_touches_nothing_here(two_customers, other_merchant, photo_dir):
    personal_data_erase(subject=subject_whole_shop(merchant=other_merchant))
    assert len(stored_files(photo_dir)) == 6

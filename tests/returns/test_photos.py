"""Customers' photos of returned items: what is accepted, how it is cleaned, who may see it (returns/photos.py)."""

import io
from dataclasses import replace

import pytest
from django.conf import settings
from django.test import Client
from PIL import Image

from core.scoping import merchant_scope
from portal.links import order_token
from returns import lifecycle
from returns.lifecycle import ItemInput, ReturnValidationError, return_request_create
from returns.models import ReturnItem, ReturnPhoto, ReturnPolicy, ReturnRequest
from returns.photos import photo_prepare
from returns.reasons import reasons_for
from returns.storage import photo_storage
from tests.conftest import login_as
from tests.factories import MembershipFactory, UserFactory

from . import images
from .images import (
    GPS_IFD,
    MAKE,
    jpeg_with_gps,
    order_with_candles,
    picture,
    png_bomb,
    stored_files,
    upload,
)

order, photo_dir, policy = images.order, images.photo_dir, images.policy  # the fixtures these tests share

pytestmark = pytest.mark.django_db
SUBMISSION = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


def page(order, suffix=""):
    return f"/returns/{order_token(order)}/{suffix}?lang=en"


def line(order, title="Candle"):
    with merchant_scope(order.merchant):
        return order.line_items.get(title=title).pk


def submit(client, order, photos, reason="damaged", submission=SUBMISSION, title="Candle"):
    pk = line(order, title)
    data = {
        f"quantity-{pk}": "1",
        f"reason-{pk}": reason,
        "method": "ship_yourself",
        "submission": submission,
        f"photos-{pk}": photos,
    }
    return client.post(page(order), data)


def photos_of(merchant):
    with merchant_scope(merchant):
        return list(ReturnPhoto.objects.all())


def stored_image(photo) -> Image.Image:
    with photo_storage.open(photo.file.name) as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


def assert_refused(response, merchant, folder, *words):
    html = response.content.decode()
    assert response.status_code == 400 and "could not be sent" in html, html[:300]
    for word in words:
        assert word in html
    with merchant_scope(merchant):
        assert not ReturnRequest.objects.exists() and not ReturnPhoto.objects.exists()
    assert stored_files(folder) == []


# --- What the form accepts -------------------------------------------------------------------------


def test_the_form_sends_files_and_works_without_script(order, policy):
    html = Client().get(page(order)).content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert f'name="photos-{line(order)}"' in html and "multiple" in html and "image/heic" in html


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (picture("JPEG"), "a.jpg"),
        (picture("PNG", mode="RGBA", color=(0, 0, 0, 0)), "a.png"),
        (picture("WEBP"), "a.webp"),
        (picture("HEIF"), "IMG_0001.HEIC"),
    ],
)
def test_each_accepted_kind_is_stored_as_a_clean_jpeg(order, policy, photo_dir, content, name):
    response = submit(Client(), order, [upload(content, name, "application/octet-stream")])
    assert response.status_code == 302
    (photo,) = photos_of(order.merchant)
    image = stored_image(photo)
    assert image.format == "JPEG" and image.mode == "RGB" and (photo.width, photo.height) == image.size == (600, 400)
    assert name not in photo.file.name and photo.file.name.endswith(".jpg")
    assert len(stored_files(photo_dir)) == 2  # the photo and its thumbnail


def test_a_transparent_png_is_flattened_on_white(order, policy, photo_dir):
    submit(Client(), order, [upload(picture("PNG", mode="RGBA", color=(0, 0, 0, 0)), "clear.png")])
    (photo,) = photos_of(order.merchant)
    assert stored_image(photo).getpixel((10, 10)) >= (250, 250, 250)


def test_gps_and_every_other_metadata_are_dropped_and_the_photo_is_turned_upright(order, policy, photo_dir):
    original = Image.open(io.BytesIO(jpeg_with_gps(size=(600, 400), orientation=6)))
    assert original.getexif().get_ifd(GPS_IFD) and "icc_profile" in original.info  # the test's photo has them
    submit(Client(), order, [upload(jpeg_with_gps(size=(600, 400), orientation=6), "IMG_2044.JPG")])
    (photo,) = photos_of(order.merchant)
    cleaned = stored_image(photo)
    assert cleaned.size == (400, 600)  # orientation 6: turned a quarter, then the tag is gone with the rest
    assert not cleaned.getexif() and MAKE not in cleaned.getexif()
    assert "exif" not in cleaned.info and "icc_profile" not in cleaned.info
    with photo_storage.open(photo.file.name) as handle:
        raw = handle.read()
    assert b"PhoneMaker" not in raw and b"Exif" not in raw and b"fake-icc" not in raw


def test_a_big_photo_is_made_smaller(order, policy, photo_dir):
    submit(Client(), order, [upload(picture("JPEG", size=(4000, 3000)))])
    (photo,) = photos_of(order.merchant)
    edge = settings.RETURN_PHOTO_MAX_EDGE
    assert (photo.width, photo.height) == stored_image(photo).size == (edge, edge * 3 // 4)


def test_photos_of_two_items_go_to_their_own_item(order, policy, photo_dir):
    candle, vase = line(order), line(order, "Vase")
    data = {"method": "ship_yourself", "submission": SUBMISSION}
    for pk, count in ((candle, 2), (vase, 1)):
        data.update({f"quantity-{pk}": "1", f"reason-{pk}": "damaged"})
        data[f"photos-{pk}"] = [upload(picture(), f"{pk}-{n}.jpg") for n in range(count)]
    assert Client().post(page(order), data).status_code == 302
    with merchant_scope(order.merchant):
        counts = {p.item.line_item_id: 0 for p in ReturnPhoto.objects.select_related("item")}
        for photo in ReturnPhoto.objects.select_related("item"):
            counts[photo.item.line_item_id] += 1
    assert counts == {candle: 2, vase: 1}


# --- What it refuses, storing nothing --------------------------------------------------------------


def test_a_file_that_is_not_an_image_is_refused_whatever_its_name_says(order, policy, photo_dir):
    response = submit(Client(), order, [upload(b"%PDF-1.4 not a picture", "invoice.jpg", "image/jpeg")])
    assert_refused(response, order.merchant, photo_dir, "invoice.jpg", "not a photo we can read")


def test_a_truncated_jpeg_is_refused(order, policy, photo_dir):
    broken = picture("JPEG", size=(800, 600))[:600]
    response = submit(Client(), order, [upload(broken, "half.jpg")])
    assert_refused(response, order.merchant, photo_dir, "half.jpg")


def test_an_image_of_a_kind_we_do_not_take_is_refused(order, policy, photo_dir):
    response = submit(Client(), order, [upload(picture("GIF", mode="P", color=1), "anim.gif", "image/gif")])
    assert_refused(response, order.merchant, photo_dir, "anim.gif", "JPEG, PNG, HEIC or WebP")


def test_a_photo_over_the_size_limit_is_refused(order, policy, photo_dir, settings):
    settings.RETURN_PHOTO_MAX_BYTES = 1024 * 1024
    heavy = picture("PNG", size=(1200, 1200), mode="RGB", color=(1, 2, 3))
    heavy += b"\0" * (1024 * 1024)  # trailing bytes: still a decodable PNG, but too heavy
    response = submit(Client(), order, [upload(picture(), "ok.jpg"), upload(heavy, "huge.png")])
    assert_refused(response, order.merchant, photo_dir, "huge.png", "too large", "1 MB")


def test_photos_over_the_total_of_one_request_are_refused(order, policy, photo_dir, settings):
    one = picture("JPEG", size=(900, 900))
    settings.RETURN_PHOTOS_MAX_REQUEST_BYTES = len(one) * 2
    response = submit(Client(), order, [upload(one, f"{n}.jpg") for n in range(3)])
    assert_refused(response, order.merchant, photo_dir, "at most")


def test_more_photos_than_allowed_for_an_item_are_refused(order, policy, photo_dir):
    many = [upload(picture("JPEG", size=(50, 50)), f"p{n}.jpg") for n in range(settings.RETURN_PHOTOS_PER_ITEM + 1)]
    response = submit(Client(), order, many)
    assert_refused(response, order.merchant, photo_dir, "Candle: send at most 5 photos")


def test_a_decompression_bomb_is_refused_from_its_header(order, policy, photo_dir):
    bomb = png_bomb()
    assert len(bomb) < 2000
    response = submit(Client(), order, [upload(bomb, "bomb.png", "image/png")])
    assert_refused(response, order.merchant, photo_dir, "bomb.png", "too many pixels")


def test_pillows_pixel_ceiling_is_the_limit(order, policy, photo_dir, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100 * 100)
    response = submit(Client(), order, [upload(picture("JPEG", size=(150, 100)), "wide.jpg")])
    assert_refused(response, order.merchant, photo_dir, "wide.jpg", "too many pixels")


def test_a_refused_photo_is_asked_for_again(order, policy, photo_dir):
    response = submit(Client(), order, [upload(b"nope", "x.jpg")])
    assert "Choose your photos again" in response.content.decode()


# --- The reason that asks for a photo --------------------------------------------------------------


@pytest.fixture
def damaged_needs_a_photo(monkeypatch):
    def reasons(merchant):
        return [replace(r, photo_required=r.code == "damaged") for r in reasons_for(merchant)]

    monkeypatch.setattr(lifecycle, "reasons_for", reasons)
    monkeypatch.setattr("returns.portal_views.reasons_for", reasons)


def test_a_reason_that_requires_a_photo_refuses_an_item_without_one(order, policy, photo_dir, damaged_needs_a_photo):
    response = submit(Client(), order, [])
    assert_refused(response, order.merchant, photo_dir, "Add a photo of the item", "Damaged")
    assert "Required for: Damaged." in Client().get(page(order)).content.decode()
    assert submit(Client(), order, [upload(picture())]).status_code == 302
    assert len(photos_of(order.merchant)) == 1


def test_the_service_enforces_it_too(order, policy, photo_dir, damaged_needs_a_photo):
    without = ItemInput(line(order), 1, "damaged")
    with pytest.raises(ReturnValidationError) as refused:
        return_request_create(order=order, items=[without], method="ship_yourself")
    assert "Add a photo" in refused.value.errors["items[0]"]
    with_one = replace(without, photos=(photo_prepare(upload(picture())),))
    created = return_request_create(order=order, items=[with_one], method="ship_yourself")
    with merchant_scope(order.merchant):
        assert ReturnPhoto.objects.get().item.request == created
    assert len(stored_files(photo_dir)) == 2


def test_the_service_refuses_too_many_photos_from_any_caller(order, policy, photo_dir):
    photo = photo_prepare(upload(picture("JPEG", size=(40, 40))))
    item = ItemInput(line(order), 1, "damaged", photos=(photo,) * (settings.RETURN_PHOTOS_PER_ITEM + 1))
    with pytest.raises(ReturnValidationError):
        return_request_create(order=order, items=[item], method="ship_yourself")
    assert stored_files(photo_dir) == []


# --- Stored once, and only when the return is ------------------------------------------------------


def test_the_same_form_sent_twice_stores_its_photos_once(order, policy, photo_dir):
    client = Client()
    first = submit(client, order, [upload(picture(), "a.jpg"), upload(picture(), "b.jpg")])
    second = submit(client, order, [upload(picture(), "a.jpg"), upload(picture(), "b.jpg")])
    rma = [response["Location"].split("/")[-2] for response in (first, second)]  # links are signed each second
    assert first.status_code == second.status_code == 302 and rma[0] == rma[1]
    assert len(photos_of(order.merchant)) == 2 and len(stored_files(photo_dir)) == 4


def test_a_return_that_fails_after_its_photos_were_written_leaves_no_file(order, policy, photo_dir, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("event store down")

    monkeypatch.setattr(lifecycle, "_record", broken)
    item = ItemInput(line(order), 1, "damaged", photos=(photo_prepare(upload(picture())),))
    with pytest.raises(RuntimeError):
        return_request_create(order=order, items=[item], method="ship_yourself")
    assert stored_files(photo_dir) == [] and photos_of(order.merchant) == []


# --- Who may see them ------------------------------------------------------------------------------


@pytest.fixture
def photo(order, policy, photo_dir):
    assert submit(Client(), order, [upload(jpeg_with_gps())]).status_code == 302
    return photos_of(order.merchant)[0]


def assert_private_jpeg(response):
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    body = b"".join(response.streaming_content)
    assert Image.open(io.BytesIO(body)).format == "JPEG"
    return body


def test_the_shops_staff_see_the_photo_and_its_thumbnail(photo, staff_client):
    full = assert_private_jpeg(staff_client.get(f"/app/returns/photos/{photo.pk}/"))
    small = assert_private_jpeg(staff_client.get(f"/app/returns/photos/{photo.pk}/thumbnail/"))
    assert len(small) < len(full)
    assert "no-store" in staff_client.get(f"/app/returns/photos/{photo.pk}/")["Cache-Control"]


def test_a_viewer_may_look_but_someone_signed_out_may_not(photo, merchant):
    viewer = UserFactory(email="viewer@maison-lumiere.example.com")
    with merchant_scope(merchant):
        MembershipFactory(merchant=merchant, user=viewer, role="viewer")
    assert_private_jpeg(login_as(Client(), viewer, merchant).get(f"/app/returns/photos/{photo.pk}/"))
    response = Client().get(f"/app/returns/photos/{photo.pk}/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_another_shops_staff_get_a_404(photo, other_merchant):
    stranger = UserFactory(email="owner@other-shop.example.com")
    with merchant_scope(other_merchant):
        MembershipFactory(merchant=other_merchant, user=stranger, role="owner")
    client = login_as(Client(), stranger, other_merchant)
    assert client.get(f"/app/returns/photos/{photo.pk}/").status_code == 404
    assert client.get(f"/app/returns/photos/{photo.pk}/thumbnail/").status_code == 404


def test_the_customer_sees_it_through_their_order_link(photo, order):
    assert_private_jpeg(Client().get(page(order, f"photos/{photo.pk}/")))
    assert_private_jpeg(Client().get(page(order, f"photos/{photo.pk}/thumbnail/")))


def test_another_orders_link_of_the_same_shop_gets_a_404(photo, merchant):
    other_order = order_with_candles(merchant)
    assert Client().get(page(other_order, f"photos/{photo.pk}/")).status_code == 404


def test_another_shops_link_gets_a_404(photo, other_merchant):
    foreign = order_with_candles(other_merchant)
    with merchant_scope(other_merchant):
        ReturnPolicy.objects.create(merchant=other_merchant, methods=["ship_yourself"])
    assert Client().get(page(foreign, f"photos/{photo.pk}/")).status_code == 404


def test_a_tampered_link_gets_a_404(photo, order):
    token = order_token(order)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert Client().get(f"/returns/{tampered}/photos/{photo.pk}/").status_code == 404


def test_a_photo_has_no_public_address(photo):
    with pytest.raises(ValueError, match="no public URL"):
        photo_storage.url(photo.file.name)
    location = photo_storage.path(photo.file.name)
    for served in (settings.MEDIA_ROOT, settings.STATIC_ROOT):
        assert not str(location).startswith(str(served))
    assert Client().get(f"/media/{photo.file.name}").status_code == 404
    assert Client().get(f"{settings.MEDIA_URL}returns/{photo.file.name}").status_code == 404


def test_the_default_photo_folder_is_outside_what_is_served():
    from config import settings as project

    folder = project.STORAGES["returns_photos"]["OPTIONS"]["location"]
    assert project.STORAGES["returns_photos"]["BACKEND"] == "returns.storage.PrivateFileSystemStorage"
    assert not folder.startswith(str(project.MEDIA_ROOT)) and not folder.startswith(str(project.STATIC_ROOT))


# --- Where they are shown --------------------------------------------------------------------------


def test_the_customers_return_page_shows_thumbnails_linking_to_the_photos(
    order, policy, photo_dir, django_assert_num_queries
):
    candle, vase = line(order), line(order, "Vase")
    data = {"method": "ship_yourself", "submission": SUBMISSION}
    for pk in (candle, vase):
        data.update(
            {f"quantity-{pk}": "1", f"reason-{pk}": "damaged", f"photos-{pk}": [upload(picture()), upload(picture())]}
        )
    location = Client().post(page(order), data)["Location"]
    photos = photos_of(order.merchant)
    client = Client()
    client.get(location)  # warm the per-process caches (merchant, sections)
    with django_assert_num_queries(9):
        html = client.get(location).content.decode()
    token = location.split("/")[2]  # the link's token, as the page was opened with it
    for photo in photos:
        assert f'href="/returns/{token}/photos/{photo.pk}/"' in html
        assert f'src="/returns/{token}/photos/{photo.pk}/thumbnail/"' in html
    assert "Photo 2 of Vase" in html
    assert str(photo_dir) not in html and all(photo.file.name not in html for photo in photos)  # no storage path


def test_a_refusal_speaks_the_customers_language(order, policy, photo_dir):
    pk = line(order)
    data = {f"quantity-{pk}": "1", f"reason-{pk}": "damaged", "method": "ship_yourself", "submission": SUBMISSION}
    data[f"photos-{pk}"] = [upload(b"nope", "notes.jpg")]
    html = Client().post(f"/returns/{order_token(order)}/?lang=fr", data).content.decode()
    assert "n’est pas une photo que nous savons lire" in html and "not a photo" not in html


def test_the_partial_links_staff_to_their_own_door(photo, django_assert_num_queries):
    from django.template.loader import render_to_string

    with merchant_scope(photo.merchant):
        item = ReturnItem.objects.select_related("line_item").prefetch_related("photos").get()
        with django_assert_num_queries(0):
            html = render_to_string("returns/_item_photos.html", {"item": item})
    assert f'href="/app/returns/photos/{photo.pk}/"' in html
    assert f'src="/app/returns/photos/{photo.pk}/thumbnail/"' in html and "Photo 1 of Candle" in html


@pytest.mark.parametrize("folder", ["var/media/return-photos", "static/photos"])
def test_the_settings_refuse_a_photo_folder_that_is_served(folder):
    from tests.test_settings_guards import BASE_DIR, import_settings

    result = import_settings(RETURN_PHOTOS_DIR=str(BASE_DIR / folder))
    assert result.returncode != 0 and "RETURN_PHOTOS_DIR must be outside MEDIA_ROOT" in result.stderr
    assert import_settings(RETURN_PHOTOS_DIR=str(BASE_DIR / "var" / "private" / "x")).returncode == 0

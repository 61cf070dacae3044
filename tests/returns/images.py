"""Pictures for the return-photo tests, made in memory: real files of each kind, and bad ones."""

import io
import struct
import zlib
from decimal import Decimal

import pillow_heif
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from core.scoping import merchant_scope
from returns.models import ReturnPolicy
from tests.factories import LineItemFactory, OrderFactory

pillow_heif.register_heif_opener()
GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE = 0x010F


def picture(fmt="JPEG", size=(600, 400), mode="RGB", color=(200, 40, 40), **save) -> bytes:
    image = Image.new(mode, size, color)
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def jpeg_with_gps(size=(600, 400), orientation=6) -> bytes:
    """A phone-like JPEG: GPS position, camera make, a rotation and an ICC profile."""
    image = Image.new("RGB", size, (10, 120, 200))
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    exif[ORIENTATION] = orientation
    exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, icc_profile=b"\0" * 128 + b"fake-icc-profile")
    return out.getvalue()


def png_bomb(width=60000, height=60000) -> bytes:
    """A few hundred bytes claiming billions of pixels: the header alone must get it refused."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    body = zlib.compress(b"\0" * 4096, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def upload(content: bytes, name="photo.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def photo_dir(settings, tmp_path):
    """A private photo folder of the test's own (STORAGES["returns_photos"])."""
    folder = tmp_path / "return-photos"
    settings.STORAGES = {
        **settings.STORAGES,
        "returns_photos": {"BACKEND": "returns.storage.PrivateFileSystemStorage", "OPTIONS": {"location": str(folder)}},
    }
    return folder


def stored_files(folder) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


@pytest.fixture
def policy(merchant):
    with merchant_scope(merchant):
        return ReturnPolicy.objects.create(merchant=merchant, methods=["ship_yourself"], fee=Decimal("0"))


def order_with_candles(merchant, **fields):
    order = OrderFactory(merchant=merchant, placed_at=timezone.now(), discount=Decimal(0), **fields)
    LineItemFactory(merchant=merchant, order=order, title="Candle", unit_price=Decimal("30"), quantity=2)
    LineItemFactory(merchant=merchant, order=order, title="Vase", unit_price=Decimal("40"), quantity=1)
    return order


@pytest.fixture
def order(merchant):
    return order_with_candles(merchant)

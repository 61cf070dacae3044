"""Customers' photos of returned items: checked, cleaned, stored privately, erased (docs/returns.md).

A photo is trusted only once Pillow has decoded it: its name and the browser's content type say
nothing. Every accepted photo is re-encoded as a JPEG, turned upright from its EXIF orientation,
made smaller than RETURN_PHOTO_MAX_EDGE, and written without any metadata (EXIF with its GPS
position, camera serials, ICC profile, comments). A small thumbnail is stored next to it.
"""

import io
import logging
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import pillow_heif
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .models import ReturnPhoto, _photo_path
from .storage import photo_storage

pillow_heif.register_heif_opener()  # iPhones send HEIC
logger = logging.getLogger(__name__)

ACCEPTED_FORMATS = {"JPEG", "PNG", "HEIF", "WEBP", "MPO"}  # MPO: the JPEG some cameras write
ACCEPT_ATTRIBUTE = "image/jpeg,image/png,image/heic,image/heif,image/webp,.heic,.heif"
THUMBNAIL_EDGE = 320
JPEG_QUALITY = 85


class PhotoError(ValueError):
    """A photo we refuse, with a message that names the file and says what to do."""


@dataclass(frozen=True)
class PreparedPhoto:
    """A checked photo, re-encoded in memory, ready to store once its return is created."""

    content: bytes
    thumbnail: bytes
    width: int
    height: int


def thumbnail_name(name: str) -> str:
    return name.removesuffix(".jpg") + ".thumb.jpg"


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


def photo_prepare(upload) -> PreparedPhoto:
    """Decode `upload` (a Django UploadedFile) and re-encode it clean, or raise PhotoError."""
    name = (upload.name or "")[:80] or _("your photo")  # shown back in the message, escaped by the template
    if upload.size > settings.RETURN_PHOTO_MAX_BYTES:
        raise PhotoError(
            _("“%(name)s” is too large: each photo may weigh up to %(max)s MB.")
            % {"name": name, "max": _mb(settings.RETURN_PHOTO_MAX_BYTES)}
        )
    try:
        image = _decoded(upload)
    except PhotoError:
        raise PhotoError(
            _("“%(name)s” has too many pixels to be a photo: send a smaller picture.") % {"name": name}
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as error:
        logger.info("return photo refused: %s", error)
        raise PhotoError(
            _("“%(name)s” is not a photo we can read: send a JPEG, PNG, HEIC or WebP picture.") % {"name": name}
        ) from None
    return _cleaned(image)


def _decoded(upload) -> Image.Image:
    """The fully decoded image; PhotoError for a decompression bomb (more pixels than Pillow allows)."""
    upload.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(upload)
            if image.format not in ACCEPTED_FORMATS:
                raise UnidentifiedImageError(f"format {image.format}")
            if image.width * image.height > Image.MAX_IMAGE_PIXELS:
                raise PhotoError("too many pixels")
            if image.format in ("JPEG", "MPO"):  # decode big JPEGs at a reduced scale: less memory, same result
                edge = settings.RETURN_PHOTO_MAX_EDGE
                image.draft("RGB", (edge, edge))
            image.load()  # decode everything now: a truncated or corrupt file fails here, not later
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoError("too many pixels") from None
    return image


def _cleaned(image: Image.Image) -> PreparedPhoto:
    upright = ImageOps.exif_transpose(image)
    rgb = _on_white(upright)
    rgb.thumbnail((settings.RETURN_PHOTO_MAX_EDGE, settings.RETURN_PHOTO_MAX_EDGE), Image.Resampling.LANCZOS)
    small = rgb.copy()
    small.thumbnail((THUMBNAIL_EDGE, THUMBNAIL_EDGE), Image.Resampling.LANCZOS)
    return PreparedPhoto(content=_jpeg(rgb), thumbnail=_jpeg(small), width=rgb.width, height=rgb.height)


def _on_white(image: Image.Image) -> Image.Image:
    """RGB pixels only (a fresh image: nothing of the original's info dict comes along)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    flat = Image.new("RGB", image.size)
    flat.paste(image.convert("RGB"))
    return flat


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    # No exif=, icc_profile= or comment=: Pillow writes only what it is given.
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def photos_prepare(uploads: list, *, label: str) -> tuple[list[PreparedPhoto], list[str]]:
    """Check and clean one item's uploads: (photos, error messages). `label` names the item in messages."""
    errors = []
    if len(uploads) > settings.RETURN_PHOTOS_PER_ITEM:
        errors.append(
            _("%(item)s: send at most %(max)s photos.") % {"item": label, "max": settings.RETURN_PHOTOS_PER_ITEM}
        )
        return [], errors
    prepared = []
    for upload in uploads:
        try:
            prepared.append(photo_prepare(upload))
        except PhotoError as refused:
            errors.append(str(refused))
    return prepared, errors


def uploads_too_large(uploads: list) -> str:
    """A message when the photos of one submit weigh more than the request allows, else ""."""
    total = sum(upload.size for upload in uploads)
    if total <= settings.RETURN_PHOTOS_MAX_REQUEST_BYTES:
        return ""
    return _("Your photos weigh %(size)s MB together: send at most %(max)s MB at once, or smaller pictures.") % {
        "size": _mb(total),
        "max": _mb(settings.RETURN_PHOTOS_MAX_REQUEST_BYTES),
    }


def photos_store(*, item, photos: list[PreparedPhoto], stored: list[str]) -> list[ReturnPhoto]:
    """Write `photos` to the private storage and record them for `item` (in the caller's transaction).

    Every file name written is appended to `stored`, so a caller whose transaction fails can remove them.
    """
    rows = []
    for prepared in photos:
        row = ReturnPhoto(merchant=item.merchant, item=item, width=prepared.width, height=prepared.height)
        name = photo_storage.save(_photo_path(row, ""), ContentFile(prepared.content))
        stored.append(name)
        stored.append(photo_storage.save(thumbnail_name(name), ContentFile(prepared.thumbnail)))
        row.file.name = name
        rows.append(row)
    return ReturnPhoto.objects.bulk_create(rows)


@contextmanager
def files_removed_on_failure():
    """Yield a list for the names of files written inside the block; if the block fails, delete them.

    Wrap the transaction with it: a rollback (or a failed commit) then leaves no photo behind.
    """
    written: list[str] = []
    try:
        yield written
    except BaseException:
        files_delete(written)
        raise


def files_delete(names: list[str]) -> None:
    for name in names:
        try:
            photo_storage.delete(name)
        except OSError:  # a file already gone is what we wanted; anything else is logged, not raised
            logger.warning("could not delete return photo %s", name, exc_info=True)


def photos_delete(photos) -> int:
    """Delete photo rows now and their files once the transaction commits (a rollback keeps both)."""
    names = []
    for name in photos.values_list("file", flat=True):
        names += [name, thumbnail_name(name)]
    count = photos.delete()[0]
    transaction.on_commit(lambda: files_delete(names))
    return count

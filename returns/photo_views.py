"""Customers' return photos, served only to who may see them: the shop's staff, or the order's link.

The files live in private storage (returns/storage.py) and have no URL of their own. Both doors
answer the same 404 for a photo that does not exist and for one of another order or shop.
"""

from django.http import FileResponse, Http404
from django.views.decorators.http import require_http_methods

from core.scoping import get_for_merchant, merchant_scope
from merchants.access import staff_view

from .models import ReturnPhoto
from .photos import thumbnail_name
from .portal_views import _order_for
from .storage import photo_storage


@staff_view()
@require_http_methods(["GET", "HEAD"])
def staff_photo(request, pk, thumbnail=False):
    photo = get_for_merchant(ReturnPhoto, merchant=request.merchant, pk=pk)
    return _photo_response(photo, thumbnail=thumbnail)


@require_http_methods(["GET", "HEAD"])
def customer_photo(request, token, pk, thumbnail=False):
    order, response = _order_for(request, token)
    if response is not None:
        return response
    with merchant_scope(order.merchant):
        photo = ReturnPhoto.objects.filter(pk=pk, item__request__order=order).first()
    if photo is None:
        raise Http404
    response = _photo_response(photo, thumbnail=thumbnail)
    response["X-Robots-Tag"] = "noindex"
    return response


def _photo_response(photo: ReturnPhoto, *, thumbnail: bool) -> FileResponse:
    name = thumbnail_name(photo.file.name) if thumbnail else photo.file.name
    try:
        handle = photo_storage.open(name, "rb")
    except OSError as missing:  # the row outlived its file (erased, or storage lost): nothing to show
        raise Http404 from missing
    response = FileResponse(handle, content_type="image/jpeg")
    suffix = "-thumbnail" if thumbnail else ""
    response["Content-Disposition"] = f'inline; filename="return-photo-{photo.pk}{suffix}.jpg"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response

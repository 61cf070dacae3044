"""Where customers' return photos live: a storage alias of their own, private (docs/operations.md).

`STORAGES["returns_photos"]` names any Django storage backend; by default a folder outside MEDIA_ROOT
that no URL serves. Photos reach a browser only through views that check who asks (returns/photo_views.py).
"""

from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty

ALIAS = "returns_photos"


class PrivateFileSystemStorage(FileSystemStorage):
    """A folder with no public URL: asking for one is a bug, so it fails loudly instead of guessing /media/."""

    def url(self, name):
        raise ValueError("Return photos have no public URL: link to the photo views instead.")


class _PhotoStorage(LazyObject):
    def _setup(self):
        self._wrapped = storages[ALIAS]


photo_storage = _PhotoStorage()


def photo_storage_get():
    """The FileField's storage (a callable, so migrations do not freeze the settings of the day)."""
    return photo_storage


@receiver(setting_changed)
def _storage_reset(*, setting, **kwargs):
    if setting == "STORAGES":
        photo_storage._wrapped = empty

"""The survey answer page's cache: per invitation, the page as rendered for a link's `lang` and `score`,
with slots for what differs between two views (the link's token and the CSRF token), so that a view of
an unchanged invitation runs no query and renders no template (docs/performance.md, survey answer page).

The entry holds the invitation's cache version and its shop's, both read before the database was: it
is served only while both are still current, and it is fetched together with them, and with the view's
open added to the buffer of opens (open_buffer.py), in one round trip.
These writes drop a version (at once, and again once they commit, so that a page rebuilt from data
not yet committed is not served either):

- any save or deletion of the invitation or of its answer (the page shows the answer);
- any save or deletion of the shop (name, colours, logo, contact) or of its survey settings;
- personal data erasure (the feedback eraser in feedback/privacy.py): its bulk updates send no
  signal, and it deletes the entries themselves so the erased answers do not stay in the cache.

Only pages whose language the link or the invitation decides are stored: the customer's language and
the shop's default then play no part. The receivers only drop cache keys; they start no side effect.
"""

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.urls import reverse
from django.utils.html import escape

from merchants.models import Merchant
from orders.cache_version import cache_version

from . import open_buffer
from .models import Invitation, Response, SurveySettings

logger = logging.getLogger(__name__)

ENTRY_FORMAT = 1  # raise when the cached entry's shape changes
ENTRY_SECONDS = 60 * 60  # bounds how long a page rendered by an older release is served after a deploy
MAX_PARTS = 8  # pages per invitation kept (scanners may try any `score`); the entry's size stays bounded
PATH_SLOT = "__survey_path_slot__"  # noqa: S105 - not a secret
CSRF_SLOT = "__survey_csrf_slot__"  # noqa: S105 - not a secret
CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+(")')


def entry_key(invitation_id: int) -> str:
    return f"feedback:answer-page:{ENTRY_FORMAT}:{invitation_id}"


def invitation_version_key(invitation_id: int) -> str:
    return f"feedback:invitation:{invitation_id}:cache-version"


def merchant_version_key(merchant_id: int) -> str:
    return f"feedback:merchant:{merchant_id}:cache-version"


@dataclass
class Page:
    status: int
    language: str
    html: str  # with PATH_SLOT as the form's action (it holds the token) and CSRF_SLOT as the CSRF token


@dataclass
class PageEntry:
    merchant_id: int
    invitation_id: int
    pages: dict = field(default_factory=dict)  # {(lang, score) as the link gives them: Page}
    versions: list | None = None  # None: the cache was down; never stored
    open_buffered: bool = False  # the view's open was added to the buffer of opens


def _version_keys(merchant_id: int, invitation_id: int) -> list[str]:
    return [invitation_version_key(invitation_id), merchant_version_key(merchant_id)]


def page_entry(*, merchant_id: int, invitation_id: int, opened_at: datetime | None = None) -> PageEntry:
    """The invitation's cached pages while it and its shop are unchanged; else an empty entry holding
    the current versions, to be filled once the page is rendered from the database. With `opened_at`
    (a GET), the open is added to the buffer in the same round trip where Redis holds the cache."""
    version_keys = _version_keys(merchant_id, invitation_id)
    keys = [entry_key(invitation_id), *version_keys]
    buffered = False
    try:
        found, buffered = _read(keys, merchant_id, invitation_id, opened_at)
        cached = found.get(entry_key(invitation_id))
        versions = [found.get(k) for k in version_keys]
        if cached is not None and list(cached[:2]) == versions and cached[2] == merchant_id:
            return PageEntry(merchant_id, invitation_id, pages=cached[3], versions=versions, open_buffered=buffered)
        versions = [cache_version(k) for k in version_keys]  # before the database is read
    except Exception:  # the cache is an accelerator: the page is still shown while it is down
        logger.warning("survey page cache unavailable; invitation %s read uncached", invitation_id, exc_info=True)
        return PageEntry(merchant_id, invitation_id, open_buffered=buffered)
    return PageEntry(merchant_id, invitation_id, versions=versions, open_buffered=buffered)


def _read(keys: list[str], merchant_id: int, invitation_id: int, opened_at: datetime | None) -> tuple[dict, bool]:
    """The cache's values at `keys`, and whether the open was buffered with them."""
    if opened_at is not None:
        found = open_buffer.read_and_push(keys, merchant_id=merchant_id, invitation_id=invitation_id, at=opened_at)
        if found is not None:
            return found, True
    return cache.get_many(keys), False


def page_fill(page: Page, *, token: str, csrf_token: str) -> str:
    return page.html.replace(PATH_SLOT, escape(_path(token)), 1).replace(CSRF_SLOT, escape(csrf_token), 1)


def _path(token: str) -> str:
    return reverse("feedback-public:answer", kwargs={"token": token})


def page_add(entry: PageEntry, part: tuple, *, status: int, language: str, html: str, token: str) -> None:
    """Stores the page just rendered for `token`, its token and CSRF token replaced by slots."""
    if entry.versions is None:
        return
    action = f'action="{escape(_path(token))}?'
    slotted = CSRF_VALUE.sub(rf"\g<1>{CSRF_SLOT}\g<2>", html.replace(action, f'action="{PATH_SLOT}?', 1))
    if PATH_SLOT in html or CSRF_SLOT in html or slotted.count(PATH_SLOT) != 1 or slotted.count(CSRF_SLOT) != 1:
        return  # not the answer form as expected (or a slot's name in the shop's texts): not stored
    if len(entry.pages) >= MAX_PARTS:
        entry.pages.clear()
    entry.pages[part] = Page(status, language, slotted)
    try:
        cache.set(
            entry_key(entry.invitation_id),
            (*entry.versions, entry.merchant_id, entry.pages),
            ENTRY_SECONDS,
        )
    except Exception:
        logger.warning("survey page cache unavailable; invitation %s not cached", entry.invitation_id, exc_info=True)


def _drop(keys: list[str]) -> None:
    """Now, for the rest of this transaction (and tests, which never commit), and again on commit."""
    try:
        cache.delete_many(keys)
    except Exception:
        logger.warning("survey page cache unavailable; %s kept", keys[:3], exc_info=True)
    # robust: the data is committed whatever the cache says; a failure is logged by Django.
    transaction.on_commit(lambda: cache.delete_many(keys), robust=True)


def invitations_pages_drop(invitation_ids) -> None:
    """Drops the invitations' cached pages, entries included (erasure: the answers must leave the cache)."""
    ids = list(invitation_ids)
    if ids:
        _drop([invitation_version_key(pk) for pk in ids] + [entry_key(pk) for pk in ids])


def _invitation_changed(sender, instance: Invitation, **kwargs) -> None:
    # A new invitation too: after a database reset ids start again while the cache keeps its entries.
    _drop([invitation_version_key(instance.pk)])


def _response_changed(sender, instance: Response, **kwargs) -> None:
    _drop([invitation_version_key(instance.invitation_id)])


def _merchant_changed(sender, instance, **kwargs) -> None:
    _drop([merchant_version_key(instance.pk if isinstance(instance, Merchant) else instance.merchant_id)])


def connect() -> None:
    """Called once, from FeedbackConfig.ready()."""
    for signal in (post_save, post_delete):
        name = "save" if signal is post_save else "delete"
        signal.connect(_invitation_changed, sender=Invitation, dispatch_uid=f"feedback.page_cache.invitation.{name}")
        signal.connect(_response_changed, sender=Response, dispatch_uid=f"feedback.page_cache.response.{name}")
        signal.connect(_merchant_changed, sender=Merchant, dispatch_uid=f"feedback.page_cache.merchant.{name}")
        signal.connect(_merchant_changed, sender=SurveySettings, dispatch_uid=f"feedback.page_cache.settings.{name}")

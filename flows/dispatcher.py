"""The dispatcher: claims due ScheduledMessage rows, re-checks them, renders and sends.

Exactly once, in three steps per batch:
1. Claim: lock due rows with SELECT ... FOR UPDATE SKIP LOCKED and stamp them with a claim
   token. Another dispatcher skips them; a claim older than CLAIM_TIMEOUT (its worker died)
   is taken over with a new token, and the old worker's later writes match nothing.
2. Decide each row (skip, defer, or send) and render it.
3. Send in small chunks: a chunk is first marked "sending" (only rows still carrying our
   token), committed, then handed to the email backend, then marked "sent". A row found
   still "sending" after the timeout belonged to a worker killed during the send: whether it
   left is unknown, so it is marked failed rather than sent twice (at most once).
"""

import base64
import functools
import logging
import smtplib
import uuid
from collections import Counter, defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message as email_message
from email.utils import formataddr, formatdate, make_msgid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import SafeMIMEText
from django.core.mail.utils import DNS_NAME
from django.core.validators import validate_email
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone, translation

from core.locale import customer_language
from core.scoping import merchant_scope, unscoped
from merchants.models import Merchant
from orders.models import Customer, Order

from .content import customer_context, order_context, sample_context
from .holdouts import HOLDOUT, is_held_out
from .message_status import checked, scheduled_messages_move
from .models import (
    FlowKind,
    FlowSettings,
    FlowStep,
    MarketingPreference,
    Message,
    MessageStatus,
    ScheduledMessage,
    Suppression,
    SuppressionScope,
)
from .rendering import compose, link_domains, site_host
from .rules import BatchMemo, RuleInput, conditions_met, contact_email_of, first_stop_reason, order_prefetches
from .scheduling import fit_window, local_tz
from .template_limits import TemplateLimitError
from .tokens import click_token, click_url, preference_token, preferences_url, unsubscribe_url

logger = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(seconds=getattr(settings, "FLOWS_CLAIM_TIMEOUT_SECONDS", 600))
BATCH_SIZE = 200
SEND_CHUNK = 50
MAX_ATTEMPTS = 6
MAX_CAP_DEFERRAL = timedelta(days=3)
CAP_PERIOD = timedelta(days=1)


@dataclass
class DispatchStats:
    claimed: int = 0
    sent: int = 0
    skipped: Counter = field(default_factory=Counter)
    deferred: int = 0
    retried: int = 0
    failed: int = 0
    interrupted: int = 0

    def merge(self, other: "DispatchStats") -> None:
        for name in ("claimed", "sent", "deferred", "retried", "failed", "interrupted"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.skipped.update(other.skipped)


# --- Errors from the email backend ------------------------------------------------------------
def is_transient(exc: Exception) -> bool:
    """Worth another try later: connection trouble, 4xx SMTP replies, ESP 5xx/429 or network errors."""
    try:
        from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
    except ImportError:  # pragma: no cover - anymail is a dependency
        AnymailAPIError = AnymailRecipientsRefused = ()  # noqa: N806
    if AnymailRecipientsRefused and isinstance(exc, AnymailRecipientsRefused):
        return False
    if AnymailAPIError and isinstance(exc, AnymailAPIError):
        status = getattr(exc, "status_code", None)
        return status is None or status == 429 or status >= 500
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code < 500 for code, _msg in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError | ConnectionError | TimeoutError)


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 3600))


# --- Claiming -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Claim:
    token: uuid.UUID
    ids: list[int]


# One statement. The inner SELECT walks the partial index `scheduledmessage_due` in due_at order
# and stops at the limit; `id = ANY(ARRAY(...))` then updates those rows through the primary key
# (an `IN (subquery)` is planned as a join that reads the whole table).
_CLAIM_SQL = """
UPDATE {table} SET claimed_at = %(now)s, claim_token = %(token)s
WHERE id = ANY(ARRAY(
    SELECT id FROM {table}
    WHERE status = %(scheduled)s AND due_at <= %(now)s AND (claimed_at IS NULL OR claimed_at < %(stale)s)
    ORDER BY due_at
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
))
RETURNING id
"""


def _native() -> bool:
    """PostgreSQL runs the single statements here; other databases (SQLite, the demo) the ORM's steps."""
    return db_connection.vendor == "postgresql"


def claim_batch(*, now: datetime, batch_size: int = BATCH_SIZE) -> Claim | None:
    token = uuid.uuid4()
    if not _native():
        return _claim_batch_portable(now=now, batch_size=batch_size, token=token)
    params = {
        "now": now,
        "token": token,
        "scheduled": MessageStatus.SCHEDULED,
        "stale": now - CLAIM_TIMEOUT,
        "limit": batch_size,
    }
    with db_connection.cursor() as cursor:
        cursor.execute(_CLAIM_SQL.format(table=ScheduledMessage._meta.db_table), params)
        ids = [row[0] for row in cursor.fetchall()]
    return Claim(token=token, ids=ids) if ids else None


def _claim_batch_portable(*, now: datetime, batch_size: int, token: uuid.UUID) -> Claim | None:
    with unscoped(), transaction.atomic():
        ids = list(
            ScheduledMessage.objects.select_for_update(skip_locked=True)
            .filter(status=MessageStatus.SCHEDULED, due_at__lte=now)
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
            .order_by("due_at")
            .values_list("pk", flat=True)[:batch_size]
        )
        ScheduledMessage.objects.filter(pk__in=ids).update(claimed_at=now, claim_token=token)
    return Claim(token=token, ids=ids) if ids else None


def release_interrupted(*, now: datetime) -> int:
    """Rows a killed worker left mid-send: never resent (it may have left), marked failed."""
    with unscoped(), transaction.atomic():
        ids = list(
            ScheduledMessage.objects.select_for_update(skip_locked=True)
            .filter(status=MessageStatus.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        note = "Interrupted while sending; not retried so it is never sent twice."
        scheduled_messages_move(
            ScheduledMessage.objects.filter(pk__in=ids),
            from_status=MessageStatus.SENDING,
            to_status=MessageStatus.FAILED,
            last_error=note,
            claimed_at=None,
            updated_at=now,
        )
        Message.objects.filter(scheduled_id__in=ids, sent_at__isnull=True).update(error=note)
    return len(ids)


# --- Deciding ---------------------------------------------------------------------------------
@dataclass
class _Outgoing:
    row: ScheduledMessage
    address: str
    language: str
    email: EmailMultiAlternatives | None = None
    subject: str = ""
    message_id: str = ""  # our Message-ID header
    record_id: int | None = None  # the Message row, once created


@dataclass
class _Batch:
    token: uuid.UUID
    now: datetime
    skips: dict = field(default_factory=lambda: defaultdict(list))
    defers: list = field(default_factory=list)
    failures: list = field(default_factory=list)  # (row, error)
    outgoing: list = field(default_factory=list)


class _MerchantPolicy:
    """What the batch needs to know about a merchant's addresses, loaded in a few queries."""

    def __init__(self, merchant, rows, now):
        self.merchant, self.now = merchant, now
        self.settings = FlowSettings.objects.filter(merchant=merchant).first() or FlowSettings(merchant=merchant)
        addresses = {_address_of(r) for r in rows} - {""}
        self.suppressed_all, self.suppressed_marketing = set(), set()
        for address, scope in Suppression.objects.filter(address__in=addresses).values_list("address", "scope"):
            (self.suppressed_all if scope == SuppressionScope.ALL else self.suppressed_marketing).add(address)
        self.preferences = dict(
            MarketingPreference.objects.filter(address__in=addresses).values_list("address", "subscribed")
        )
        recent = (
            Message.objects.filter(recipient__in=addresses, kind=FlowKind.MARKETING, sent_at__gt=now - CAP_PERIOD)
            .values("recipient")
            .annotate(n=Count("id"), last=Max("sent_at"))
        )
        self.recent_marketing = {r["recipient"]: (r["n"], r["last"]) for r in recent}
        self.domains = link_domains(merchant, self.settings)


def _address_of(row: ScheduledMessage) -> str:
    if row.order_id is None:
        return ((row.customer.email if row.customer else "") or "").strip().lower()
    return contact_email_of(row.order)


def _rule_input(row: ScheduledMessage, merchant) -> RuleInput:
    """What checks read of a row: its order, or the customer and key of a customer-anchored one."""
    if row.order_id is None:
        language = customer_language(merchant=merchant, customer=row.customer)
        return RuleInput(
            order=None,
            anchor_at=row.anchor_at,
            language=language,
            anchored_customer=row.customer,
            anchor_key=row.anchor_key,
        )
    return RuleInput(
        order=row.order,
        anchor_at=row.anchor_at,
        language=customer_language(merchant=merchant, order=row.order),
        anchor_key=row.anchor_key,
    )


def _skip_reason(row: ScheduledMessage, policy: _MerchantPolicy, data: RuleInput) -> str | None:
    step, flow = row.step, row.step.flow
    if not flow.active:
        return "flow_inactive"
    if not step.active:
        return "step_disabled"
    if data.customer is not None and data.customer.redacted_at is not None:
        return "customer_erased"
    address = data.contact_email
    if not address:
        return "no_address"
    try:
        validate_email(address)
    except ValidationError:
        return "invalid_address"
    if address in policy.suppressed_all:
        return "suppressed"
    if flow.is_marketing:
        if address in policy.suppressed_marketing or policy.preferences.get(address) is False:
            return "unsubscribed"
        opted_in = policy.preferences.get(address) is True or bool(data.customer and data.customer.accepts_marketing)
        if policy.settings.require_marketing_consent and not opted_in:
            return "no_consent"
    if not conditions_met(step.conditions, data):
        return "conditions_not_met"
    reason = first_stop_reason(step.stop_rules, data)
    if reason is None and policy.now - row.due_at > timedelta(hours=policy.settings.late_tolerance_hours):
        return "too_late"  # the dispatcher was down that long: a stale email is worse than none
    # Last: a held-out message is one the customer would otherwise have received.
    if reason is None and is_held_out(flow, row.order.customer_id if row.order_id else row.customer_id):
        return HOLDOUT
    return reason


def _cap_defer(row, policy, address, batch_counts, now) -> datetime | str | None:
    """None: may send now. A datetime: try again then. "frequency_cap": give up."""
    if not row.step.flow.is_marketing:
        return None
    count, last = policy.recent_marketing.get(address, (0, None))
    count += batch_counts[address]
    if count < policy.settings.marketing_daily_cap:
        return None
    last = max(filter(None, [last, now if batch_counts[address] else None]))
    retry_at = max(last + CAP_PERIOD, now + timedelta(minutes=1))  # always later than this pass
    if row.step.has_window:
        customer = row.customer if row.order_id is None else None  # an order row's is its order's
        tz = local_tz(order=row.order, customer=customer, merchant=row.merchant, source=row.step.window_time_zone)
        retry_at = fit_window(retry_at, row.step.window_start, row.step.window_end, tz)
    return "frequency_cap" if retry_at - row.first_due_at > MAX_CAP_DEFERRAL else retry_at


def _template_for(step, language: str, merchant):
    templates = {t.language: t for t in step.templates.all()}
    return templates.get(language) or templates.get(merchant.default_language) or next(iter(templates.values()), None)


def _uses(template, name: str) -> bool:
    """Whether the template mentions `name`: costly context parts are built only when used."""
    return _mentions((template.subject, template.preheader, template.html_body, template.text_body), name)


# Every email asks for each provider's variable (about fifteen names) and a batch shares a few
# templates: each (sources, name) is searched once, not once per email.
@functools.lru_cache(maxsize=4096)
def _mentions(sources: tuple[str, ...], name: str) -> bool:
    return any(name in source for source in sources)


def _links(merchant_id: int, address: str, scheduled_id: int | None, *, test: bool = False) -> dict:
    token = preference_token(merchant_id=merchant_id, address=address, scheduled_id=scheduled_id, test=test)
    return {"preferences": preferences_url(token), "unsubscribe": unsubscribe_url(token)}


def _encoded_words(text: str) -> str:
    """`text` as RFC 2047 base64 encoded-words of at most 72 characters, never splitting a character."""
    data, words, start = text.encode(), [], 0
    while start < len(data):
        end = min(start + 45, len(data))  # 45 bytes: 60 characters of base64, 72 with the markers
        while end < len(data) and data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte
            end -= 1
        words.append(f"=?utf-8?b?{base64.b64encode(data[start:end]).decode()}?=")
        start = end
    return " ".join(words)


class _TextPart(SafeMIMEText):
    """Django's SafeMIMEText, without writing again the charset its Content-Type already names.

    MIMEText's constructor writes `charset="utf-8"` into Content-Type, then set_charset() sets it a
    second time through set_param(), which parses the header and writes the same one back: a third
    of the cost of building an email's MIME parts. The header and the bytes are unchanged.
    """

    def set_param(self, param, value, header="Content-Type", *args, **kwargs):
        current = self.get(header, "")
        if param == "charset" and not (args or kwargs) and current.count(";") == 1:
            if current.endswith(f'; charset="{value}"'):
                return
        super().set_param(param, value, header, *args, **kwargs)


class FlowEmail(EmailMultiAlternatives):
    """Django's EmailMultiAlternatives, built into MIME faster, with the same bytes.

    A non-ASCII Subject is encoded as base64 encoded-words (RFC 2047), in linear time: Django asks the
    standard library for the shortest encoding, which measures quoted-printable lengths character by
    character (quadratic in the subject's length), and the standard library's base64 split is
    quadratic too: either cost more than the rest of building the MIME message. The words decode to
    the same subject; they hold no newline (what Django's header check is for) and the message is
    folded into lines when it is written out. Text parts are `_TextPart`s.

    `message()` is Django's (5.2) with those two changes; a test compares their bytes.
    """

    def message(self):
        encoding = self.encoding or settings.DEFAULT_CHARSET
        msg = self._create_message(_TextPart(self.body, self.content_subtype, encoding))
        subject = str(self.subject)
        if subject.isascii():
            msg["Subject"] = subject
        else:
            email_message.Message.__setitem__(msg, "Subject", _encoded_words(subject))  # no re-encoding
        msg["From"] = self.extra_headers.get("From", self.from_email)
        self._set_list_header_if_not_empty(msg, "To", self.to)
        self._set_list_header_if_not_empty(msg, "Cc", self.cc)
        self._set_list_header_if_not_empty(msg, "Reply-To", self.reply_to)
        header_names = {key.lower() for key in self.extra_headers}
        if "date" not in header_names:
            msg["Date"] = formatdate(localtime=settings.EMAIL_USE_LOCALTIME)
        if "message-id" not in header_names:
            msg["Message-ID"] = make_msgid(domain=DNS_NAME)
        for name, value in self.extra_headers.items():
            if name.lower() not in {"from", "to", "cc", "reply-to"}:
                msg[name] = value
        return msg

    def _create_mime_attachment(self, content, mimetype):
        basetype, subtype = mimetype.split("/", 1)
        if basetype != "text":
            return super()._create_mime_attachment(content, mimetype)
        return _TextPart(content, subtype, self.encoding or settings.DEFAULT_CHARSET)


@functools.lru_cache(maxsize=256)
def _address_header(name: str, address: str) -> str:
    """ "Name <address>": the emails of a batch share a few senders, each encoded once (a non-ASCII name
    costs formataddr an RFC 2047 encoding)."""
    return formataddr((name, address))


def build_email(
    *, step, template, context: dict, merchant, policy_domains, address: str, language: str, scheduled_id=None
) -> tuple[EmailMultiAlternatives, str]:
    """The email for one recipient, with sender, reply-to, headers and tracking. Returns (email, Message-ID)."""
    marketing = step.flow.is_marketing
    wrap = (
        (lambda url: click_url(click_token(scheduled_id=scheduled_id, url=url))) if marketing and scheduled_id else None
    )
    rendered = compose(
        template=template,
        context=context,
        merchant=merchant,
        plain_text_only=step.plain_text_only,
        marketing=marketing,
        language=language,
        wrap_link=wrap,
        domains=policy_domains,
    )
    sender_address = merchant.sender_email or settings.DEFAULT_FROM_EMAIL
    sender_name = step.from_name or merchant.sender_name or merchant.name
    if step.from_name and merchant.name not in step.from_name:
        sender_name = f"{step.from_name} · {merchant.name}"
    reply_to = step.reply_to or merchant.support_email or merchant.sender_email
    message_id = make_msgid(domain=site_host())
    headers = {"Message-ID": message_id}
    if marketing:
        headers["List-Unsubscribe"] = f"<{context['links']['unsubscribe']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email = FlowEmail(
        subject=rendered.subject,
        body=rendered.text,
        from_email=_address_header(sender_name, sender_address),
        to=[address],
        reply_to=[reply_to] if reply_to else None,
        headers=headers,
    )
    if rendered.html is not None:
        email.attach_alternative(rendered.html, "text/html")
    # Read by django-anymail backends; ignored by the others.
    email.tags = [step.flow.key or step.flow.kind]
    email.metadata = {"scheduled_id": str(scheduled_id or "test"), "merchant": merchant.slug}
    email.track_clicks = False  # our own signed redirect does it, limited to the shop's domains
    return email, message_id


def _decide(batch: _Batch, rows: list[ScheduledMessage], merchant, order_rows: dict[str, dict[int, list]]) -> None:
    policy = _MerchantPolicy(merchant, rows, batch.now)
    batch_counts = Counter()
    templates = {}  # (step, language) -> template: rows of a batch share a few steps
    inputs = [_rule_input(row, merchant) for row in rows]
    memo = BatchMemo(inputs, order_rows=order_rows)  # checks that read the database do it once for the batch
    for data in inputs:
        data.batch = memo
    for row, data in zip(rows, inputs, strict=True):
        language = data.language
        reason = _skip_reason(row, policy, data)
        if reason:
            batch.skips[reason].append(row.pk)
            continue
        address = data.contact_email
        deferral = _cap_defer(row, policy, address, batch_counts, batch.now)
        if deferral == "frequency_cap":
            batch.skips["frequency_cap"].append(row.pk)
            continue
        if deferral is not None:
            batch.defers.append((row.pk, deferral))
            continue
        key = (row.step_id, language)
        if key not in templates:
            templates[key] = _template_for(row.step, language, merchant)
        template = templates[key]
        if template is None:
            batch.failures.append((row, "The step has no template."))
            continue
        try:
            context = _context(row, data, template, merchant, policy, _links(merchant.pk, address, row.pk))
            email, message_id = build_email(
                step=row.step,
                template=template,
                context=context,
                merchant=merchant,
                policy_domains=policy.domains,
                address=address,
                language=template.language,
                scheduled_id=row.pk,
            )
        except TemplateLimitError as exc:  # saved before the limits, or this order's data takes it past them
            logger.warning("scheduled message %s not rendered: %s", row.pk, exc)
            batch.failures.append((row, _limit_failure(exc, merchant)))
            continue
        except Exception as exc:  # a template that passed validation but fails on this order's data
            logger.exception("rendering scheduled message %s failed", row.pk)
            batch.failures.append((row, f"Rendering failed: {exc}"))
            continue
        if row.step.flow.is_marketing:
            batch_counts[address] += 1
        batch.outgoing.append(
            _Outgoing(
                row=row,
                address=address,
                language=template.language,
                email=email,
                subject=email.subject,
                message_id=message_id,
            )
        )


def _context(row: ScheduledMessage, data: RuleInput, template, merchant, policy, links: dict) -> dict:
    """The template's data: the order's, or only the customer's for a customer-anchored message."""
    if row.order_id is None:
        return customer_context(
            customer=row.customer,
            anchor_key=row.anchor_key,
            merchant=merchant,
            language=template.language,
            flow_settings=policy.settings,
            links=links,
            wanted=functools.partial(_uses, template),
        )
    return order_context(
        order=row.order,
        anchor_key=row.anchor_key,
        merchant=merchant,
        language=template.language,
        tz=local_tz(order=row.order, merchant=merchant, source=row.step.window_time_zone),
        flow_settings=policy.settings,
        links=links,
        cache=data.cache,
        with_recommendations=_uses(template, "recommendations"),
        wanted=functools.partial(_uses, template),
        items=data.items,
        shipments=data.shipments,
    )


def _limit_failure(exc: TemplateLimitError, merchant) -> str:
    """The error staff read on the order's timeline, in the shop's language."""
    with translation.override(merchant.default_language):
        return f"Rendering failed ({exc.field}): {exc}"


# --- Writing outcomes -------------------------------------------------------------------------
def _ours(batch: _Batch, ids):
    return ScheduledMessage.objects.filter(pk__in=ids, claim_token=batch.token)


def _apply_decisions(batch: _Batch, stats: DispatchStats) -> None:
    with transaction.atomic():
        for reason, ids in batch.skips.items():
            stats.skipped[reason] += scheduled_messages_move(
                _ours(batch, ids),
                from_status=MessageStatus.SCHEDULED,
                to_status=MessageStatus.SKIPPED,
                skip_reason=reason,
                claimed_at=None,
                updated_at=batch.now,
            )
        for pk, due_at in batch.defers:
            stats.deferred += (
                _ours(batch, [pk])
                .filter(status=MessageStatus.SCHEDULED)
                .update(due_at=due_at, claimed_at=None, updated_at=batch.now)
            )
        for row, error in batch.failures:
            stats.failed += scheduled_messages_move(
                _ours(batch, [row.pk]),
                from_status=MessageStatus.SCHEDULED,
                to_status=MessageStatus.FAILED,
                last_error=error,
                claimed_at=None,
                updated_at=batch.now,
            )


# One statement, one commit: our still-claimed rows become "sending" and get their Message rows.
_MARK_SENDING_SQL = """
WITH mine AS (
    UPDATE {scheduled} SET status = %(sending)s, claimed_at = %(now)s, updated_at = %(now)s
    WHERE id = ANY(%(ids)s) AND claim_token = %(token)s AND status = %(scheduled_status)s
    RETURNING id
)
INSERT INTO {message} (merchant_id, scheduled_id, step_id, order_id, kind, recipient, subject, language,
                       provider_message_id, error, created_at)
SELECT v.merchant_id, v.scheduled_id, v.step_id, v.order_id, v.kind, v.recipient, v.subject, v.language,
       v.provider_message_id, '', %(now)s
FROM unnest(%(merchant_ids)s::bigint[], %(ids)s::bigint[], %(step_ids)s::bigint[], %(order_ids)s::bigint[],
            %(kinds)s::text[], %(recipients)s::text[], %(subjects)s::text[], %(languages)s::text[],
            %(provider_ids)s::text[])
    AS v(merchant_id, scheduled_id, step_id, order_id, kind, recipient, subject, language, provider_message_id)
WHERE v.scheduled_id IN (SELECT id FROM mine)
RETURNING scheduled_id, id
"""


def _mark_sending(batch: _Batch, chunk: list[_Outgoing]) -> list[_Outgoing]:
    """Move our still-claimed rows to "sending" and create their Message rows, in one commit."""
    if not _native():
        return _mark_sending_portable(batch, chunk)
    scheduled_status, sending = checked(MessageStatus.SCHEDULED, MessageStatus.SENDING)
    params = {
        "sending": sending,
        "scheduled_status": scheduled_status,
        "now": batch.now,
        "token": batch.token,
        "ids": [o.row.pk for o in chunk],
        "merchant_ids": [o.row.merchant_id for o in chunk],
        "step_ids": [o.row.step_id for o in chunk],
        "order_ids": [o.row.order_id for o in chunk],
        "kinds": [o.row.step.flow.kind for o in chunk],
        "recipients": [o.address for o in chunk],
        "subjects": [o.subject[:255] for o in chunk],
        "languages": [o.language for o in chunk],
        "provider_ids": [o.message_id for o in chunk],
    }
    sql = _MARK_SENDING_SQL.format(scheduled=ScheduledMessage._meta.db_table, message=Message._meta.db_table)
    with db_connection.cursor() as cursor:
        cursor.execute(sql, params)
        record_ids = dict(cursor.fetchall())
    owned = [o for o in chunk if o.row.pk in record_ids]
    for item in owned:
        item.record_id = record_ids[item.row.pk]
    return owned


def _mark_sending_portable(batch: _Batch, chunk: list[_Outgoing]) -> list[_Outgoing]:
    with unscoped(), transaction.atomic():
        ours = ScheduledMessage.objects.filter(
            pk__in=[o.row.pk for o in chunk], claim_token=batch.token, status=MessageStatus.SCHEDULED
        )
        mine = set(ours.values_list("pk", flat=True))
        scheduled_messages_move(
            ours,
            from_status=MessageStatus.SCHEDULED,
            to_status=MessageStatus.SENDING,
            claimed_at=batch.now,
            updated_at=batch.now,
        )
        owned = [o for o in chunk if o.row.pk in mine]
        records = Message.objects.bulk_create(
            Message(
                merchant_id=o.row.merchant_id,
                scheduled_id=o.row.pk,
                step_id=o.row.step_id,
                order_id=o.row.order_id,
                kind=o.row.step.flow.kind,
                recipient=o.address,
                subject=o.subject[:255],
                language=o.language,
                provider_message_id=o.message_id,
                created_at=batch.now,
            )
            for o in owned
        )
    for item, record in zip(owned, records, strict=True):
        item.record_id = record.pk
    return owned


def _provider_id(email, fallback: str) -> str:
    status = getattr(email, "anymail_status", None)
    message_id = getattr(status, "message_id", None) if status is not None else None
    return str(message_id) if message_id not in (None, "") else fallback


# The chunk's sent rows and their Message rows in one statement. An ESP (anymail) names the
# message its own way: its id replaces ours, for its webhooks.
_MARK_SENT_SQL = """
WITH sent AS (
    UPDATE {scheduled} SET status = %(sent)s, claimed_at = NULL, updated_at = %(at)s WHERE id = ANY(%(ids)s)
)
UPDATE {message} AS m SET sent_at = %(at)s, provider_message_id = v.provider_id
FROM unnest(%(record_ids)s::bigint[], %(provider_ids)s::text[]) AS v(id, provider_id)
WHERE m.id = v.id
"""


def _mark_sent(sent: list[_Outgoing], sent_at: datetime) -> None:
    if not sent:
        return
    if not _native():
        with unscoped(), transaction.atomic():
            scheduled_messages_move(
                ScheduledMessage.objects.filter(pk__in=[item.row.pk for item in sent]),
                from_status=MessageStatus.SENDING,
                to_status=MessageStatus.SENT,
                claimed_at=None,
                updated_at=sent_at,
            )
            for item in sent:
                provider_id = _provider_id(item.email, item.message_id)
                Message.objects.filter(pk=item.record_id).update(sent_at=sent_at, provider_message_id=provider_id)
        return
    params = {
        "sent": checked(MessageStatus.SENDING, MessageStatus.SENT)[1],
        "at": sent_at,
        "ids": [item.row.pk for item in sent],
        "record_ids": [item.record_id for item in sent],
        "provider_ids": [_provider_id(item.email, item.message_id) for item in sent],
    }
    sql = _MARK_SENT_SQL.format(scheduled=ScheduledMessage._meta.db_table, message=Message._meta.db_table)
    with db_connection.cursor() as cursor:
        cursor.execute(sql, params)


def _send_chunk(batch: _Batch, chunk: list[_Outgoing], backend, stats: DispatchStats) -> None:
    owned = _mark_sending(batch, chunk)
    sent, transient, permanent = [], [], []
    for item in owned:
        try:
            backend.send_messages([item.email])
        except Exception as exc:  # sorted below into retry or give up
            (transient if is_transient(exc) else permanent).append((item, f"{type(exc).__name__}: {exc}"))
            continue
        sent.append(item)
    sent_at = timezone.now()
    # The usual chunk, without errors, is one statement committed on its own.
    with transaction.atomic() if transient or permanent else nullcontext():
        _mark_sent(sent, sent_at)
        for item, error in transient:
            attempts = item.row.attempts + 1
            Message.objects.filter(scheduled_id=item.row.pk).delete()
            give_up = attempts >= MAX_ATTEMPTS
            scheduled_messages_move(
                ScheduledMessage.objects.filter(pk=item.row.pk),
                from_status=MessageStatus.SENDING,
                to_status=MessageStatus.FAILED if give_up else MessageStatus.SCHEDULED,
                attempts=attempts,
                last_error=error,
                due_at=sent_at + retry_delay(attempts),
                claimed_at=None,
                claim_token=None,
                updated_at=sent_at,
            )
            stats.failed += give_up
            stats.retried += not give_up
        for item, error in permanent:
            Message.objects.filter(scheduled_id=item.row.pk).update(error=error)
            scheduled_messages_move(
                ScheduledMessage.objects.filter(pk=item.row.pk),
                from_status=MessageStatus.SENDING,
                to_status=MessageStatus.FAILED,
                attempts=item.row.attempts + 1,
                last_error=error,
                claimed_at=None,
                updated_at=sent_at,
            )
            stats.failed += 1
    stats.sent += len(sent)


# Columns no check or template reads: bookkeeping and attribution. Each costs a conversion per
# row (timestamps in Python, in Django's loader) for 200 rows of three tables per batch, so they
# are left out (docs/performance.md, dispatcher). A stop rule that reads one still gets it, with
# a query per row.
_NOT_READ = [
    *("created_at", "updated_at", "claimed_at", "claim_token", "last_error", "skip_reason", "trigger_event"),
    *("order__created_at", "order__updated_at", "order__source_updated_at"),
    *("order__landing_site", "order__referring_site"),
    *("order__customer__created_at", "order__customer__updated_at", "order__customer__phone"),
]


def _order_rows(relation: str, orders: dict[int, Order]) -> dict[int, list]:
    """The orders' rows of `relation` in one query, as `order.<relation>.all()` reads them (its model's
    default manager and ordering), by order id. Grouped here rather than by prefetch_related, which
    builds a related manager and a filtered queryset for every order (docs/performance.md, dispatch)."""
    foreign_key = Order._meta.get_field(relation).field
    by_order = {pk: [] for pk in orders}
    for obj in foreign_key.model._default_manager.filter(**{f"{foreign_key.name}__in": list(orders)}):
        order = orders[getattr(obj, foreign_key.attname)]
        foreign_key.set_cached_value(obj, order)  # obj.order without a query, as a prefetch would leave it
        by_order[order.pk].append(obj)
    return by_order


def _process(claim: Claim, now: datetime, backend) -> DispatchStats:
    stats = DispatchStats()
    with unscoped():
        rows = list(
            ScheduledMessage.objects.filter(pk__in=claim.ids, claim_token=claim.token, status=MessageStatus.SCHEDULED)
            .select_related("order__customer")
            .defer(*_NOT_READ)
        )
        orders = {row.order_id: row.order for row in rows if row.order_id is not None}
        order_rows = (
            {r: _order_rows(r, orders) for r in ("line_items", "shipments", *order_prefetches())} if orders else {}
        )
        # A batch holds few merchants and steps: load each once rather than once per row.
        merchants = {m.pk: m for m in Merchant.objects.filter(pk__in={r.merchant_id for r in rows})}
        steps = {
            s.pk: s
            for s in FlowStep.objects.filter(pk__in={r.step_id for r in rows})
            .select_related("flow")
            .prefetch_related("templates")
        }
        # Customer-anchored rows have no order to reach their customer through: loaded apart, only
        # when the batch has some, so a batch of order emails reads what it always read.
        anchored = {r.customer_id for r in rows if r.order_id is None}
        customers = Customer.objects.in_bulk(anchored) if anchored else {}
    for row in rows:
        row.merchant = merchants[row.merchant_id]
        if row.order_id is None:
            row.customer = customers[row.customer_id]
        else:
            row.order.merchant = row.merchant
        row.step = steps[row.step_id]
    stats.claimed = len(rows)
    by_merchant = defaultdict(list)
    for row in rows:
        by_merchant[row.merchant_id].append(row)
    for merchant_rows in by_merchant.values():
        merchant = merchant_rows[0].merchant
        batch = _Batch(token=claim.token, now=now)
        with merchant_scope(merchant):
            _decide(batch, merchant_rows, merchant, order_rows)
            _apply_decisions(batch, stats)
            for start in range(0, len(batch.outgoing), SEND_CHUNK):
                _send_chunk(batch, batch.outgoing[start : start + SEND_CHUNK], backend, stats)
    return stats


def dispatch_due(*, batch_size: int = BATCH_SIZE, max_batches: int | None = None) -> DispatchStats:
    """One pass: send everything due now, batch after batch, until nothing is left."""
    total = DispatchStats()
    total.interrupted = release_interrupted(now=timezone.now())
    backend = get_connection()
    backend.open()
    try:
        batches = 0
        while max_batches is None or batches < max_batches:
            now = timezone.now()
            claim = claim_batch(now=now, batch_size=batch_size)
            if claim is None:
                break
            total.merge(_process(claim, now, backend))
            batches += 1
    finally:
        backend.close()
    return total


# --- Send me a test ----------------------------------------------------------------------------
def step_test_send(*, step, language: str, to: str) -> None:
    """Send the step rendered with the sample order to a staff address. Not recorded as a Message."""
    merchant = step.merchant
    flow_settings = FlowSettings.objects.filter(merchant=merchant).first() or FlowSettings(merchant=merchant)
    template = _template_for(step, language, merchant)
    if template is None:
        raise ValueError("This step has no template.")
    context = sample_context(
        merchant=merchant,
        language=template.language,
        flow_settings=flow_settings,
        customer_anchored=step.flow.is_customer_anchored,
    )
    context["links"] = _links(merchant.pk, to, None, test=True)  # they open a page that says so, and change nothing
    email, _message_id = build_email(
        step=step,
        template=template,
        context=context,
        merchant=merchant,
        policy_domains=link_domains(merchant, flow_settings),
        address=to,
        language=template.language,
    )
    email.subject = f"[TEST] {email.subject}"
    email.send()

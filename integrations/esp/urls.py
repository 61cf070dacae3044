"""The email provider's tracking webhooks (django-anymail), closed unless they are authenticated.

A forged bounce naming a Message-ID (any recipient sees it in their email's headers) would suppress
an address for good, so anymail's own default (accept anyone, with a warning) is not acceptable:
without ANYMAIL_WEBHOOK_SECRET every tracking webhook is refused. Where the provider signs its
webhooks, anymail also checks the signature once its key is set in ANYMAIL_SETTINGS.
"""

import logging
import warnings
from functools import wraps

from anymail import urls as anymail_urls
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.http import HttpResponse
from django.urls import URLPattern
from django.views.decorators.csrf import csrf_exempt

from core.drains import DATABASE_HICCUPS
from integrations.inbound import BodyNotJsonError, json_document_parse

logger = logging.getLogger(__name__)

REFUSED = (
    "Email provider webhooks are turned off on this server: set ANYMAIL_WEBHOOK_SECRET and put the same "
    "user:password in the webhook URL at your provider (see docs/operations.md)."
)

UNREADABLE = "This event could not be read; it was logged and dropped."

# Providers whose signature anymail can check only once their key is given (the others either have
# no signature, or anymail refuses to start their webhook without one).
OPTIONAL_SIGNING_KEYS = {
    "sendgrid": "SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY",
    "resend": "RESEND_SIGNING_SECRET",
    "mailtrap": "MAILTRAP_TRACKING_SECRET",
}


def webhook_secret_configured() -> bool:
    return bool(settings.ANYMAIL.get("WEBHOOK_SECRET"))


def require_webhook_secret(view):
    @csrf_exempt
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not webhook_secret_configured():
            return HttpResponse(REFUSED, status=403, content_type="text/plain; charset=utf-8")
        if request.content_type == "application/json":
            try:  # what the door can see, as at the shops' doors: UTF-16, a lone surrogate, bad syntax
                json_document_parse(request.body)
            except BodyNotJsonError as exc:
                return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
        return _never_failing(view, request, *args, **kwargs)

    return guarded


def _never_failing(view, request, *args, **kwargs):
    """anymail reads each provider's payload trusting its shape: a KeyError or TypeError there
    would answer 500 and the provider would send the same event again, and again. An event we
    cannot read is logged for operations and accepted. A refused signature or password (anymail's
    SuspiciousOperation, a 400) stays refused, and a database outage still fails, so that the
    provider retries; text the database refuses (a NUL character) is one more event we cannot read."""
    try:
        return view(request, *args, **kwargs)
    except (SuspiciousOperation, *DATABASE_HICCUPS):
        raise
    except Exception:
        logger.exception("an email provider event could not be read and was dropped")
        return HttpResponse(UNREADABLE, status=200, content_type="text/plain; charset=utf-8")


def _is_tracking(pattern: URLPattern) -> bool:
    # We receive no email: the inbound doors stay closed. Mandrill sends both kinds to one URL.
    return pattern.name.endswith("_tracking_webhook") or pattern.name == "mandrill_webhook"


app_name = "anymail"
urlpatterns = [
    URLPattern(pattern.pattern, require_webhook_secret(pattern.callback), pattern.default_args, pattern.name)
    for pattern in anymail_urls.urlpatterns
    if _is_tracking(pattern)
]


def configured_esp() -> str | None:
    """The anymail provider emails go through (`anymail.backends.<esp>.EmailBackend`), if any."""
    prefix = "anymail.backends."
    backend = settings.EMAIL_BACKEND
    if not backend.startswith(prefix):
        return None
    esp = backend.removeprefix(prefix).split(".", 1)[0]
    return None if esp == "test" else esp


def _tracking_view(esp: str):
    for pattern in urlpatterns:
        if pattern.name in (f"{esp}_tracking_webhook", f"{esp}_webhook"):
            view_function = pattern.callback.__wrapped__
            return view_function.view_class(**view_function.view_initkwargs)
    return None


def esp_webhook_problems() -> list[checks.CheckMessage]:
    """What keeps the configured provider's events from being received, or received safely."""
    esp = configured_esp()
    if esp is None:
        return []
    problems = []
    if not webhook_secret_configured():
        problems.append(
            checks.Warning(
                "Email provider webhooks are refused until ANYMAIL_WEBHOOK_SECRET is set: bounces and "
                "complaints will not suppress addresses, and opens and clicks will not be counted.",
                id="flows.W001",
            )
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            view = _tracking_view(esp)
    except ImproperlyConfigured as error:
        problems.append(checks.Error(f"The {esp} webhook cannot check signatures: {error}", id="flows.E001"))
        return problems
    if view is not None and esp in OPTIONAL_SIGNING_KEYS and view.warn_if_no_basic_auth:
        problems.append(
            checks.Warning(
                f"{esp} signs its webhooks: set {OPTIONAL_SIGNING_KEYS[esp]} in ANYMAIL_SETTINGS so that "
                "forged events are refused even if the shared secret leaks.",
                id="flows.W002",
            )
        )
    return problems


def check_esp_webhooks(app_configs, **kwargs):
    return esp_webhook_problems()


def log_esp_webhook_problems() -> None:
    """Said at start-up too: gunicorn and Celery run no system checks."""
    for problem in esp_webhook_problems():
        logger.warning("%s (%s)", problem.msg, problem.id)

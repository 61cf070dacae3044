"""Settings, read from the environment.

With nothing set, the app runs on embedded defaults (SQLite, a file-based Celery
broker, console email) so a newcomer sees the product without any server.
APP_ENV=production switches on the production guards: a SECRET_KEY is required and
DEBUG needs an explicit opt-in.
"""

from pathlib import Path
from urllib.parse import unquote, urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

APP_ENV = env.str("APP_ENV", default="development")
if APP_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"APP_ENV must be development, test or production, not {APP_ENV!r}.")
PRODUCTION = APP_ENV == "production"

DEBUG = env.bool("DEBUG", default=False)
if PRODUCTION and DEBUG and not env.bool("ALLOW_DEBUG_IN_PRODUCTION", default=False):
    raise ImproperlyConfigured(
        "DEBUG is on in production. Unset DEBUG, or set ALLOW_DEBUG_IN_PRODUCTION=true "
        "if you really mean it (it leaks settings and stack traces)."
    )

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production (APP_ENV=production).")
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105 - development only
# Previous keys, still accepted when checking signatures while a new SECRET_KEY rolls out.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
# Shop credentials (merchants.ShopCredential) are encrypted with keys derived from SECRET_KEY (and its
# fallbacks, during a rotation) and this salt.
SALT_KEY = env.str("CREDENTIALS_SALT", default="shop-credentials")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute base URL used in emails and webhooks, where there is no request.
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")

# Ours first: where two installed apps translate the same message, the first listed wins, and our
# words must be ours (the admin's French "Filter" is the noun "Filtre", our buttons say "Filtrer";
# tests/test_french_catalogues.py). No template, static file or command of ours shares a name with
# theirs, so nothing else changes hands.
INSTALLED_APPS = [
    "core",
    "merchants",
    "orders",
    "catalogue",
    "tracking",
    "flows",
    "portal",
    "outbound",
    "integrations",
    "shop_actions",
    "support",
    "store_credit",
    "returns",
    "feedback",
    "loyalty",
    "analytics",
    "demo",
    "merchants.admin_site.OperatorAdminConfig",  # django.contrib.admin with the login throttle
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "anymail",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "merchants.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "merchants.middleware.CurrentMerchantMiddleware",
]
# Inbound webhooks (config/wsgi.py): machine callers with their own signatures need none of the rest.
MACHINE_PATH_PREFIXES = ["/webhooks/", "/anymail/"]
MACHINE_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "merchants.context_processors.current_merchant",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's own psycopg 3 pool; persistent connections are incompatible with it.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN", default=1),
        "max_size": env.int("DB_POOL_MAX", default=10),
        # Seconds to wait for a connection; below gunicorn's 30 s worker timeout, so a database
        # outage gives errors (and /readyz a 503) instead of killed workers.
        "timeout": env.float("DB_POOL_TIMEOUT", default=10),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits, throttles) -------------------------------------------
CACHES = {"default": env.cache("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "config.cache.RedisCache"  # one client per pool, not one per call

# --- Auth ---------------------------------------------------------------------
AUTH_USER_MODEL = "merchants.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed logins allowed per email, and per client address whatever the email, in LOGIN_LOCKOUT_SECONDS.
# A client's allowance is larger: several people may share an address (an office, a mobile carrier).
LOGIN_MAX_FAILURES = env.int("LOGIN_MAX_FAILURES", default=5)
LOGIN_MAX_FAILURES_PER_CLIENT = env.int("LOGIN_MAX_FAILURES_PER_CLIENT", default=20)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=900)
# Reverse proxies in front of the app that append to X-Forwarded-For; 0 trusts REMOTE_ADDR only.
# Every rate limit counts clients by the address this gives (core/client_address.py).
NUM_PROXIES = env.int("NUM_PROXIES", default=0)

# --- Languages and time -------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static and media -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files browsers ask for at the site's root (/favicon.ico), served by whitenoise like static files.
WHITENOISE_ROOT = BASE_DIR / "public"
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # webhook bodies over 1 MB are refused (413)

# Customers' photos of returned items: private, never web-served (views check who asks, docs/operations.md).
# Any Django storage backend works, e.g. storages.backends.s3.S3Storage with its OPTIONS as JSON.
STORAGES["returns_photos"] = {
    "BACKEND": env.str("RETURN_PHOTOS_STORAGE_BACKEND", default="returns.storage.PrivateFileSystemStorage"),
    "OPTIONS": env.json(
        "RETURN_PHOTOS_STORAGE_OPTIONS",
        default={"location": str(env.path("RETURN_PHOTOS_DIR", default=VAR_DIR / "private" / "return-photos"))},
    ),
}
_photos_dir = Path(STORAGES["returns_photos"]["OPTIONS"].get("location", "/nonexistent")).resolve()
if any(_photos_dir.is_relative_to(Path(served).resolve()) for served in (MEDIA_ROOT, STATIC_ROOT, *STATICFILES_DIRS)):
    raise ImproperlyConfigured("RETURN_PHOTOS_DIR must be outside MEDIA_ROOT and the static folders: they are public.")
RETURN_PHOTOS_PER_ITEM = env.int("RETURN_PHOTOS_PER_ITEM", default=5)
RETURN_PHOTO_MAX_BYTES = env.int("RETURN_PHOTO_MAX_BYTES", default=10 * 1024 * 1024)
RETURN_PHOTOS_MAX_REQUEST_BYTES = env.int("RETURN_PHOTOS_MAX_REQUEST_BYTES", default=40 * 1024 * 1024)
RETURN_PHOTO_MAX_EDGE = env.int("RETURN_PHOTO_MAX_EDGE", default=2000)

# --- Email --------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# An ESP through django-anymail: EMAIL_BACKEND=anymail.backends.<esp>.EmailBackend
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default=EMAIL_CONFIG["EMAIL_BACKEND"])


def _email_file_path(url: str) -> str:
    """The folder of filemail:///abs/dir (absolute) or filemail://rel/dir (under the project folder).

    django-environ drops the leading slash of the first (so /tmp/x became ./tmp/x) and the first
    part of the second (read as a host name).
    """
    parts = urlsplit(url)
    path = unquote(parts.netloc + parts.path) if parts.scheme == "filemail" else ""
    return str(BASE_DIR / path) if path else str(VAR_DIR / "mail")


if EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend":
    EMAIL_FILE_PATH = _email_file_path(env.str("EMAIL_URL", default=""))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ANYMAIL = {
    "WEBHOOK_SECRET": env.list("ANYMAIL_WEBHOOK_SECRET", default=[]) or None,
    **env.dict("ANYMAIL_SETTINGS", default={}),
}

# --- Celery -------------------------------------------------------------------
# The file broker has no host, but kombu warns on every connection whose URL names none.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://localhost/")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # else kombu writes ./control in the working directory
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the message for another
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Print() in a task (the console email backend) stays plain output, not a WARNING log record per line.
CELERY_WORKER_REDIRECT_STDOUTS = False
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "orders.tasks.*": {"queue": "ingest"},
    "integrations.tasks.*": {"queue": "ingest"},
    "tracking.tasks.ingest_*": {"queue": "ingest"},
    "flows.tasks.*": {"queue": "messages"},
    "portal.tasks.*": {"queue": "messages"},
    "outbound.tasks.deliver_*": {"queue": "webhooks"},
    "shop_actions.tasks.*": {"queue": "webhooks"},  # calls to shops, like outbound webhooks
    "returns.tasks.buy_return_label": {"queue": "webhooks"},  # calls the label provider
    "returns.tasks.queue_forgotten_labels": {"queue": "webhooks"},
    "analytics.tasks.*": {"queue": "analytics"},
    "loyalty.tasks.points_backfill": {"queue": "analytics"},  # long bulk writes, off the ingest queue
    "tracking.tasks.flush_page_views": {"queue": "analytics"},
}
CELERY_BEAT_SCHEDULE = {
    "republish-unpublished-events": {
        "task": "orders.tasks.republish_pending_events",
        "schedule": crontab(minute="*"),
    },
    "tracking-check-delays": {
        "task": "tracking.tasks.check_delays",
        "schedule": crontab(minute=15),  # hourly: delays are counted in days
    },
    "feedback-flush-link-opens": {
        "task": "feedback.tasks.flush_link_opens",
        "schedule": crontab(minute="*"),
        "options": {"expires": 60.0},  # runs missed while no worker was up are not all run later
    },
    "tracking-flush-page-views": {
        "task": "tracking.tasks.flush_page_views",
        "schedule": 10.0,  # seconds: buffered views are what a crash of Redis loses
        "options": {"expires": 10.0},  # runs missed while no worker was up are not all run later
    },
    "tracking-poll-carriers": {
        "task": "tracking.tasks.poll_active_shipments",
        "schedule": crontab(minute="*/30"),
    },
    "drain-stuck-webhook-deliveries": {
        "task": "integrations.tasks.drain_stuck_webhook_deliveries",
        "schedule": crontab(minute="*/5"),
    },
    "dispatch-due-messages": {
        "task": "flows.tasks.dispatch_due_messages",
        "schedule": crontab(minute="*"),
    },
    "deliver-due-webhooks": {
        "task": "outbound.tasks.deliver_due_messages",
        "schedule": crontab(minute="*"),
    },
    "perform-due-shop-actions": {
        "task": "shop_actions.tasks.perform_due_actions",
        "schedule": crontab(minute="*"),  # retries, and a safety net for attempts the broker lost
    },
    "queue-forgotten-return-labels": {
        "task": "returns.tasks.queue_forgotten_labels",
        "schedule": crontab(minute="*/10"),
    },
    "analytics-refresh-daily-aggregates": {
        "task": "analytics.tasks.refresh_daily_aggregates",
        "schedule": crontab(minute="*"),  # KPIs at most a few minutes behind the orders
        "options": {"expires": 60.0},
    },
    "analytics-fit-predicted-clv": {
        "task": "analytics.tasks.fit_predicted_clv_all",
        "schedule": crontab(hour="2", minute="43"),  # daily: the model moves slowly, the fit takes seconds
        "options": {"expires": 6 * 3600.0},
    },
    "analytics-send-weekly-digests": {
        "task": "analytics.tasks.send_weekly_digests",
        "schedule": crontab(minute=7),  # hourly: Monday 08:00 comes at another hour in each time zone
        "options": {"expires": 3000.0},
    },
    "prune-idempotency-records": {
        "task": "core.tasks.prune_idempotency_records",
        "schedule": crontab(minute=41),  # hourly
    },
    "store-credit-expire-and-remind": {
        "task": "store_credit.tasks.credits_expire_and_remind",
        "schedule": crontab(minute=23),  # hourly: credit expires by the day
    },
    "loyalty-points-mature": {
        "task": "loyalty.tasks.points_mature",
        "schedule": crontab(minute=37),  # hourly: points become available by the day
    },
    "loyalty-reward-codes-expire": {
        "task": "loyalty.tasks.reward_codes_expire",
        "schedule": crontab(minute=47),  # hourly: unused reward codes end by the day
    },
    "loyalty-tiers-evaluate": {
        "task": "loyalty.tasks.tiers_evaluate",
        "schedule": crontab(hour="2", minute="13"),  # daily: tiers reached, terms over
    },
    "loyalty-birthday-points": {
        "task": "loyalty.tasks.birthday_points",
        "schedule": crontab(minute=47),  # hourly: each shop's own date; keyed by year
    },
    "loyalty-points-expire": {
        "task": "loyalty.tasks.points_expire",
        "schedule": crontab(hour="4", minute="43"),  # daily: points expire by the day
    },
    "prune-webhook-history": {
        "task": "outbound.tasks.prune_webhook_history",
        "schedule": crontab(hour="3", minute="17"),
    },
}
CELERY_TIMEZONE = "UTC"

# --- REST API -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["merchants.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["merchants.permissions.ApiKeyRolePermission"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api_pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Post-purchase platform API",
    "DESCRIPTION": "Orders, shipments, returns, feedback and loyalty for your shop.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ShipmentStatusEnum": "tracking.models.ShipmentStatus",
        "WebhookDeliveryStatusEnum": "outbound.models.OutboundMessage.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api_schema.document_common_errors",
    ],
    # Swagger UI served from our own static files: no CDN, and the CSP stays strict.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Inbound webhooks and order events (core/drains.py) ---------------------
# Drain tasks queued per burst of inbound webhook deliveries (each claims the next free one).
WEBHOOK_DRAIN_TASKS = env.int("WEBHOOK_DRAIN_TASKS", default=4)  # about the ingest worker's concurrency
EVENT_DRAIN_TASKS = env.int("EVENT_DRAIN_TASKS", default=2)  # the same for order events' fan-out
# A receiving process that saw a drain queued does not ask again for this long (core/drains.py).
WEBHOOK_DRAIN_WINDOW_SECONDS = env.float("WEBHOOK_DRAIN_WINDOW_SECONDS", default=0.25)
# API responses replayed for a repeated Idempotency-Key are kept this long, then forgotten.
IDEMPOTENCY_KEY_RETENTION_HOURS = env.int("IDEMPOTENCY_KEY_RETENTION_HOURS", default=24)

# --- Outbound webhooks ---------------------------------------------------------
# Loopback and private addresses are refused as webhook targets unless allowed (tests, demos).
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", default=False)
WEBHOOKS_TIMEOUT_SECONDS = env.float("WEBHOOKS_TIMEOUT_SECONDS", default=5.0)  # connect, and each read
# One attempt as a whole (connect, send, read the answer) is cut off after this long, then retried.
WEBHOOKS_ATTEMPT_DEADLINE_SECONDS = env.float("WEBHOOKS_ATTEMPT_DEADLINE_SECONDS", default=15.0)
# An endpoint with no successful delivery for this many days is disabled and its owners emailed.
WEBHOOKS_DISABLE_AFTER_DAYS = env.int("WEBHOOKS_DISABLE_AFTER_DAYS", default=3)
WEBHOOKS_RETENTION_DAYS = env.int("WEBHOOKS_RETENTION_DAYS", default=30)  # delivery log kept this long

# --- Security -------------------------------------------------------------------
# Sessions are kept in the database and read from the cache: a dashboard request costs no session query.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:", "https:"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "security": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # Django's own console handler would print each of its records a second time, above ours.
        "django": {"handlers": [], "level": LOG_LEVEL},
    },
}

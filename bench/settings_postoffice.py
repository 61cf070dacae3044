"""Settings for bench/dispatch.py: the test settings plus django-post-office, both on locmem email."""

from config.test_settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "post_office"]  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
POST_OFFICE = {
    "BACKENDS": {"default": "django.core.mail.backends.locmem.EmailBackend"},
    "BATCH_SIZE": 200,  # the same batch size as our dispatcher
    "MESSAGE_ID_ENABLED": True,
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

"""WSGI entry point: the site, and a leaner handler for the machine doors (inbound webhooks).

Shops, carriers and email providers post webhooks authenticated by their own signatures.
Sessions, users, CSRF, language, messages and the Content-Security-Policy header mean nothing
to them and cost about a third of such a request, so paths under MACHINE_PATH_PREFIXES go
through MACHINE_MIDDLEWARE only (security headers and redirects, URL normalisation). Every
other path, the pages people use included, goes through MIDDLEWARE as usual.
"""

import os

import django
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class MachineDoorHandler(WSGIHandler):
    """A WSGIHandler built with settings.MACHINE_MIDDLEWARE instead of settings.MIDDLEWARE."""

    def load_middleware(self, is_async=False):
        # Django reads the list from settings; it is swapped only while this handler is built,
        # once, when the process loads the application (before it serves anything).
        site_middleware = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.MACHINE_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = site_middleware


class Application:
    def __init__(self):
        django.setup(set_prefix=False)
        self.site = WSGIHandler()
        self.machine_doors = MachineDoorHandler()
        self.prefixes = tuple(settings.MACHINE_PATH_PREFIXES)

    def __call__(self, environ, start_response):
        handler = self.machine_doors if environ.get("PATH_INFO", "").startswith(self.prefixes) else self.site
        return handler(environ, start_response)


application = Application()

"""Production settings refuse unsafe configurations before the app starts.

Each case imports config.settings in a fresh interpreter with a controlled environment,
exactly as gunicorn or a worker would at start-up.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
# Everything settings.py reads that could leak in from the developer's shell.
CONTROLLED = {
    "APP_ENV",
    "DEBUG",
    "ALLOW_DEBUG_IN_PRODUCTION",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "DJANGO_SETTINGS_MODULE",
}
PRINT_SECURITY = (
    "import json, config.settings as s; print(json.dumps({"
    "'DEBUG': s.DEBUG, 'SESSION_COOKIE_SECURE': s.SESSION_COOKIE_SECURE, 'CSRF_COOKIE_SECURE': s.CSRF_COOKIE_SECURE,"
    "'SECURE_SSL_REDIRECT': s.SECURE_SSL_REDIRECT, 'SECURE_HSTS_SECONDS': s.SECURE_HSTS_SECONDS,"
    "'ALLOWED_HOSTS': s.ALLOWED_HOSTS, 'CSP': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['default-src']}))"
)


def import_settings(**env):
    environment = {key: value for key, value in os.environ.items() if key not in CONTROLLED}
    # Keep the import side-effect free: no file broker directories, no SQLite file.
    environment.update(DATABASE_URL="sqlite:///:memory:", CELERY_BROKER_URL="redis://127.0.0.1:6379/0")
    environment.update(env)
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", PRINT_SECURITY],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_secret_key_refuses_to_start():
    result = import_settings(APP_ENV="production", ALLOWED_HOSTS="shop.example.com")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set in production" in result.stderr


def test_production_with_an_empty_secret_key_refuses_to_start():
    result = import_settings(APP_ENV="production", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


@pytest.mark.parametrize("debug", ["true", "1", "on"])
def test_production_refuses_debug_without_the_opt_in(debug):
    result = import_settings(APP_ENV="production", SECRET_KEY="s3cr3t-" * 8, DEBUG=debug)
    assert result.returncode != 0
    assert "DEBUG is on in production" in result.stderr
    assert "ALLOW_DEBUG_IN_PRODUCTION" in result.stderr


def test_production_accepts_debug_with_the_explicit_opt_in():
    result = import_settings(
        APP_ENV="production", SECRET_KEY="s3cr3t-" * 8, DEBUG="true", ALLOW_DEBUG_IN_PRODUCTION="true"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["DEBUG"] is True


def test_production_with_a_secret_key_starts_with_secure_defaults():
    result = import_settings(APP_ENV="production", SECRET_KEY="s3cr3t-" * 8, ALLOWED_HOSTS="shop.example.com")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["ALLOWED_HOSTS"] == ["shop.example.com"]
    assert values["CSP"] == ["'self'"]


def test_development_runs_without_a_secret_key():
    result = import_settings(APP_ENV="development")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["SESSION_COOKIE_SECURE"] is False


def test_unknown_app_env_is_refused():
    result = import_settings(APP_ENV="prod")
    assert result.returncode != 0
    assert "APP_ENV must be development, test or production" in result.stderr


def test_our_apps_come_first_and_share_no_file_name_with_the_others():
    # Listed first so our translations win (config/settings.py); templates, static files and
    # commands are also taken from the first app that has one, so a shared name would change hands.
    from django.apps import apps

    configs = list(apps.get_app_configs())
    ours = [c for c in configs if (BASE_DIR / c.name.split(".")[0]).is_dir()]
    assert configs[: len(ours)] == ours and len(ours) > 10
    for folder in ("templates", "static", "management/commands"):
        names = {}
        for config in configs:
            root = Path(config.path) / folder
            for file in root.rglob("*") if root.is_dir() else ():
                if file.is_file() and file.name != "__init__.py" and "__pycache__" not in file.parts:
                    names.setdefault(str(file.relative_to(root)), set()).add(config in ours)
        assert [name for name, owners in names.items() if owners == {True, False}] == [], folder

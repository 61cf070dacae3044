"""What bin/demo prints: each line worth reading once, none that is noise."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from config.celery import app

BASE_DIR = Path(__file__).resolve().parent.parent
ROOT_WARNING_CHECK = "from celery.platforms import _warn_or_raise_security_error as w; w(0, 0, 0, 0, False)"


def python(code: str, **env) -> subprocess.CompletedProcess:
    environment = {**os.environ, **env}
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", code], cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=60
    )


@pytest.mark.django_db
def test_favicon_is_served_at_the_root(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO header


def test_the_default_file_broker_connects_without_a_hostname_warning():
    code = (
        "import logging, config.settings as s; from kombu import Connection; logging.basicConfig();"
        "print(s.CELERY_BROKER_URL);"
        "Connection(s.CELERY_BROKER_URL, transport_options=s.CELERY_BROKER_TRANSPORT_OPTIONS).info()"
    )
    environment = {key: value for key, value in os.environ.items() if key != "CELERY_BROKER_URL"}
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", code], cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("filesystem://")
    assert "No hostname was supplied" not in result.stderr


def test_worker_prints_emails_as_they_are_not_as_warning_records():
    assert app.conf.worker_redirect_stdouts is False


def test_a_django_log_record_is_printed_once():
    code = "import django; django.setup(); import logging; logging.getLogger('django.request').warning('once-only')"
    result = python(code, DJANGO_SETTINGS_MODULE="config.settings", DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("once-only") == 1


def test_the_demo_hides_exactly_celerys_root_warning():
    demo = (BASE_DIR / "bin" / "demo").read_text()
    [ignored] = re.findall(r'"(ignore:[^"$]+)', demo)
    assert "superuser privileges" in python(ROOT_WARNING_CHECK, PYTHONWARNINGS="").stderr
    assert python(ROOT_WARNING_CHECK, PYTHONWARNINGS=ignored).stderr == ""

"""EMAIL_URL=filemail://… writes emails where the URL says, as the operations guide shows it.

Each case starts a fresh interpreter with a controlled environment, as a worker would.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
SETUP = "import json, django; django.setup(); from django.conf import settings; from django.core.mail import send_mail;"
SEND_ONE = "send_mail('Hello', 'Body', 'shop@example.com', ['camille@example.org']);"
PRINT = "print(json.dumps({'backend': settings.EMAIL_BACKEND, 'path': settings.EMAIL_FILE_PATH}))"


def start_with(email_url: str, *, send: bool) -> dict:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("EMAIL_", "DJANGO_"))}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        APP_ENV="development",
        EMAIL_URL=email_url,
        # Keep the start-up side-effect free: no file broker directories, no SQLite file.
        DATABASE_URL="sqlite:///:memory:",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", SETUP + (SEND_ONE if send else "") + PRINT],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_an_absolute_folder_keeps_its_leading_slash(tmp_path):
    folder = tmp_path / "mail"
    seen = start_with(f"filemail://{folder}", send=True)  # filemail:///tmp/…/mail
    assert seen == {"backend": "django.core.mail.backends.filebased.EmailBackend", "path": str(folder)}
    [written] = folder.iterdir()
    assert "Subject: Hello" in written.read_text()
    assert not (BASE_DIR / str(folder).lstrip("/")).exists()  # not ./tmp/…/mail under the project


@pytest.mark.parametrize(
    ("email_url", "folder"),
    [("filemail://var/outbox", BASE_DIR / "var/outbox"), ("filemail://", BASE_DIR / "var/mail")],
)
def test_a_relative_or_no_folder_is_under_the_project(email_url, folder):
    assert start_with(email_url, send=False)["path"] == str(folder)

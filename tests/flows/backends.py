"""Email backends that fail the way real ones do, for retry tests."""

import smtplib

from django.core import mail
from django.core.mail.backends.locmem import EmailBackend


class FlakyBackend(EmailBackend):
    """Refuses the first `failures` sends with a transient SMTP error, then delivers."""

    failures = 1

    def send_messages(self, messages):
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


class RejectingBackend(EmailBackend):
    """The server refuses the recipient for good (550)."""

    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({messages[0].to[0]: (550, b"5.1.1 User unknown")})


assert mail  # the outbox these backends write to

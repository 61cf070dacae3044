"""Celery tasks of feedback. Thin: they take ids and call a service."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.scoping import merchant_scope
from merchants.models import Merchant

from .models import FollowUp
from .services import invitation_opens_flush, survey_settings_get


@shared_task
def detractor_alert(merchant_id: int, follow_up_id: int) -> bool:
    """Email the shop's alert address about a low score, once (a retried task sends nothing more)."""
    merchant = Merchant.objects.filter(pk=merchant_id).first()
    if merchant is None:
        return False
    with merchant_scope(merchant):
        address = survey_settings_get(merchant=merchant).alert_email
        claimed = FollowUp.objects.filter(Q(pk=follow_up_id), Q(alerted_at__isnull=True)).update(
            alerted_at=timezone.now()
        )
        if not address or not claimed:
            return False
        follow_up = FollowUp.objects.select_related("response").get(pk=follow_up_id)
        response = follow_up.response
        with translation.override(merchant.default_language):
            subject = _("Low %(survey)s score: %(score)s") % {"survey": response.kind.upper(), "score": response.score}
            body = "\n\n".join(
                [
                    _("A customer answered %(score)s to your %(survey)s survey.")
                    % {"score": response.score, "survey": response.kind.upper()},
                    _("Comment: %(comment)s") % {"comment": response.comment or "—"},
                    _("Follow it up here: %(url)s") % {"url": f"{settings.SITE_URL}{reverse('feedback:attention')}"},
                ]
            )
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    return True


@shared_task
def flush_link_opens() -> int:
    """Every minute (beat): the survey link opens buffered in Redis, counted on their invitations."""
    return invitation_opens_flush()

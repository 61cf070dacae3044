"""The email KPIs of docs/kpis.md ("Email"), per flow and step, for a period.

Flows owns its messages and the one definition of their figures (flows/email_figures.py, one SQL
statement): the flow pages show the same numbers as the Analytics page and the API.
"""

from datetime import datetime

from core.ranges import Period
from flows.email_figures import ATTRIBUTION_WINDOW, StepEmailKpis, step_email_figures, step_kpis
from merchants.models import Merchant

__all__ = ["ATTRIBUTION_WINDOW", "StepEmailKpis", "email_kpis", "step_kpis"]


def email_kpis(merchant: Merchant, period: Period, as_of: datetime) -> list[StepEmailKpis]:
    """The steps that sent an email or earned an order in the period.

    As the order KPIs, the period ends at as_of at the latest, and what is reported after as_of
    (bounces, opens, clicks, refunds) is not known yet.
    """
    return step_email_figures(merchant, period, as_of)

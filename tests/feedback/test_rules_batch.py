"""The `low_satisfaction` stop rule over a dispatcher batch: one query for every message of it."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.scoping import merchant_scope
from feedback.models import Invitation, Kind, Response
from feedback.rules import low_satisfaction
from flows.rules import BatchMemo, RuleInput
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


def answered(merchant, order, kind, score, days_ago):
    moment = timezone.now() - timedelta(days=days_ago)
    invitation = Invitation.objects.create(merchant=merchant, kind=kind, order=order, customer=order.customer)
    Response.objects.create(
        merchant=merchant,
        invitation=invitation,
        kind=kind,
        order=order,
        customer=order.customer,
        score=score,
        first_answered_at=moment,
        updated_at=moment,
    )


def test_low_scores_of_a_whole_batch_are_read_at_once(merchant):
    with merchant_scope(merchant):
        unhappy, happy, late_low, fresh = (CustomerFactory(merchant=merchant) for _ in range(4))
        orders = {c: OrderFactory(merchant=merchant, customer=c) for c in (unhappy, happy, late_low, fresh)}
        # A low CSAT on another order of the same customer counts; a high one, or one past the
        # quiet period (30 days by default), does not.
        answered(merchant, OrderFactory(merchant=merchant, customer=unhappy), Kind.CSAT, 2, days_ago=3)
        answered(merchant, orders[happy], Kind.NPS, 9, days_ago=1)
        answered(merchant, orders[late_low], Kind.NPS, 3, days_ago=45)
        inputs = [RuleInput(order=o, anchor_at=o.placed_at, language="en") for o in orders.values()]
        memo = BatchMemo(inputs)
        for data in inputs:
            data.batch = memo
        with CaptureQueriesContext(connection) as queries:
            stopped = [low_satisfaction(data) for data in inputs]
    assert stopped == [True, False, False, False]
    assert len(queries) <= 2  # the survey settings (cached) and the low scores, for four messages

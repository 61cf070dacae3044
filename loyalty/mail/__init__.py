"""Loyalty's emails to the customer: default transactional flows of the email engine (flows/), one per
customer-anchored event (loyalty.points_earned, .points_available, .points_reversed,
.points_expiring), and the `loyalty` variable their templates read (context.py)."""


def register() -> None:
    from django.utils.translation import gettext_lazy as _

    from flows.context_providers import email_context_register
    from flows.defaults import default_flows_register
    from flows.rules import register_stop_rule

    from . import context, defaults, rules

    email_context_register(context.loyalty_provider())
    default_flows_register("loyalty", defaults.loyalty_flow_specs)
    register_stop_rule(
        "points_told_elsewhere",
        _("The points have their own email (tier reached, referral rewarded)"),
        rules.points_told_elsewhere,
        needs_order=False,
    )

"""Loyalty's emails to the customer: default transactional flows of the email engine (flows/), one per
customer-anchored event (loyalty.points_earned, .points_available, .points_reversed,
.points_expiring), and the `loyalty` variable their templates read (context.py)."""


def register() -> None:
    from flows.context_providers import email_context_register
    from flows.defaults import default_flows_register

    from . import context, defaults

    email_context_register(context.loyalty_provider())
    default_flows_register("loyalty", defaults.loyalty_flow_specs)

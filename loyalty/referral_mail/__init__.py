"""Referral emails: default transactional flows of the email engine (flows/), one per customer-anchored
event (referral.invited to the friend, referral.completed to the referrer), and the `referral`
variable their templates read (context.py)."""


def register() -> None:
    from flows.context_providers import email_context_register
    from flows.defaults import default_flows_register

    from . import context, defaults

    email_context_register(context.referral_provider())
    default_flows_register("referrals", defaults.referral_flow_specs)

"""Store credit's emails to the customer: default transactional flows of the email engine (flows/),
one per customer-anchored event (store_credit.issued, store_credit.expiring), and the `store_credit`
variable their templates read (context.py)."""


def register() -> None:
    from flows.context_providers import email_context_register
    from flows.defaults import default_flows_register

    from . import context, defaults

    email_context_register(context.store_credit_provider())
    default_flows_register("store_credit", defaults.store_credit_flow_specs)

"""A return's emails to the customer: default flows of the email engine (flows/), one per return event.

`defaults.py` holds the flows and their templates, `context.py` the `return` variable templates read,
`rules.py` the send-time checks of the reminder. `register()` hands all three to flows' registries.
"""


def register() -> None:
    from django.utils.translation import gettext_lazy as _

    from flows.context_providers import email_context_register
    from flows.defaults import default_flows_register
    from flows.rules import register_stop_rule

    from . import context, defaults, rules

    email_context_register(context.return_provider())
    default_flows_register("returns", defaults.return_flow_specs)
    default_flows_register("returns-exchanges", defaults.exchange_flow_specs)
    register_stop_rule("return_cancelled", _("The return was cancelled or rejected"), rules.return_cancelled)
    register_stop_rule("return_moved_on", _("The return is no longer waiting for its parcel"), rules.return_moved_on)
    register_stop_rule("return_kept", _("The customer keeps the items: nothing to send back"), rules.return_kept)

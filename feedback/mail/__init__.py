"""Survey emails: default flows of the email engine (flows/) and the variables their templates read.

`defaults.py` holds the CSAT, NPS and service-recovery flows, `context.py` the `csat` and `nps`
variables (the score links). `register()` hands them to flows' registries.
"""


def register() -> None:
    from flows.context_providers import email_context_register
    from flows.defaults import default_flows_register

    from . import context, defaults

    email_context_register(context.csat_provider())
    email_context_register(context.nps_provider())
    default_flows_register("feedback", defaults.survey_flow_specs)

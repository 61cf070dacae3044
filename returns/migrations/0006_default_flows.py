"""Shops that already have their default flows get the return emails too (new shops get them with
the others, flows.services.default_flows_install). A shop that already has a flow of the same key
keeps it as it is: running this twice adds nothing."""

from django.db import migrations


def install_return_flows(apps, schema_editor):
    from returns.mail.defaults import return_flow_specs

    FlowSettings = apps.get_model("flows", "FlowSettings")
    Flow = apps.get_model("flows", "Flow")
    installed = FlowSettings._base_manager.filter(defaults_installed_at__isnull=False).select_related("merchant")
    for row in installed:
        merchant = row.merchant
        language = merchant.default_language if merchant.default_language in ("en", "fr") else "en"
        existing = set(Flow._base_manager.filter(merchant=merchant).values_list("key", flat=True))
        for flow_spec, step_specs in return_flow_specs():
            if flow_spec["key"] not in existing:
                _create(apps, merchant, language, flow_spec, step_specs)


def _create(apps, merchant, language, flow_spec, step_specs):
    Flow = apps.get_model("flows", "Flow")
    FlowStep = apps.get_model("flows", "FlowStep")
    StepTemplate = apps.get_model("flows", "StepTemplate")
    flow = Flow._base_manager.create(merchant=merchant, **{**flow_spec, "name": flow_spec["name"][language]})
    for position, spec in enumerate(step_specs):
        window = spec.get("window") or (None, None)
        step = FlowStep._base_manager.create(
            merchant=merchant,
            flow=flow,
            key=spec["key"],
            name=spec["name"][language],
            position=position,
            delay_days=spec.get("delay_days", 0),
            delay_hours=spec.get("delay_hours", 0),
            window_start=window[0],
            window_end=window[1],
            stop_rules=list(spec.get("stop_rules", [])),
        )
        for lang, content in spec["templates"].items():
            StepTemplate._base_manager.create(
                merchant=merchant,
                step=step,
                language=lang,
                subject=content["subject"],
                preheader=content.get("preheader", ""),
                html_body=content.get("html", ""),
                text_body=content.get("text", ""),
            )


class Migration(migrations.Migration):
    dependencies = [
        ("returns", "0005_policy_settings"),
        ("flows", "0003_scheduled_once_per_order_key"),
    ]

    operations = [migrations.RunPython(install_return_flows, migrations.RunPython.noop)]

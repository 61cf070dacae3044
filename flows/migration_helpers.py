"""For apps' data migrations that give shops which already have their default flows the app's new ones.

New shops get every registered default flow with flows.services.default_flows_install; a shop made
before an app registered its flows gets them from that app's migration:

    def install(apps, schema_editor):
        from flows.migration_helpers import default_flows_add
        from store_credit.mail.defaults import store_credit_flow_specs

        default_flows_add(apps, store_credit_flow_specs())

A shop that already has a flow of the same key keeps it as it is: running it twice adds nothing.
"""


def default_flows_add(apps, specs) -> None:
    FlowSettings = apps.get_model("flows", "FlowSettings")
    Flow = apps.get_model("flows", "Flow")
    installed = FlowSettings._base_manager.filter(defaults_installed_at__isnull=False).select_related("merchant")
    for row in installed:
        merchant = row.merchant
        language = merchant.default_language if merchant.default_language in ("en", "fr") else "en"
        existing = set(Flow._base_manager.filter(merchant=merchant).values_list("key", flat=True))
        for flow_spec, step_specs in specs:
            if flow_spec["key"] not in existing:
                _create(apps, merchant, language, flow_spec, step_specs)


def _create(apps, merchant, language, flow_spec, step_specs):
    Flow = apps.get_model("flows", "Flow")
    FlowStep = apps.get_model("flows", "FlowStep")
    StepTemplate = apps.get_model("flows", "StepTemplate")
    fields = {**flow_spec, "name": flow_spec["name"][language]}
    if any(field.name == "holdout_percent" for field in Flow._meta.fields):  # from flows 0004 on
        from flows.holdouts import default_holdout_percent

        fields["holdout_percent"] = default_holdout_percent(flow_spec.get("kind", "marketing"))
    flow = Flow._base_manager.create(merchant=merchant, **fields)
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
            plain_text_only=spec.get("plain_text_only", False),
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

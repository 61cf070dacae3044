"""Shops that already have their default flows get the loyalty emails too (new shops get them with
the others). A shop that already has a flow of the same key keeps it: running this twice adds nothing."""

from django.db import migrations


def install_loyalty_flows(apps, schema_editor):
    from flows.migration_helpers import default_flows_add
    from loyalty.mail.defaults import loyalty_flow_specs

    default_flows_add(apps, loyalty_flow_specs())


class Migration(migrations.Migration):
    dependencies = [
        ("loyalty", "0009_expiry_and_review_points"),
        ("flows", "0004_flow_holdout_groups"),
    ]

    operations = [migrations.RunPython(install_loyalty_flows, migrations.RunPython.noop)]

"""Shops that already have their default flows get the "tier reached" email too (new shops get it with
the others). A shop that already has a flow of the same key keeps it: running this twice adds nothing."""

from django.db import migrations


def install_tier_flow(apps, schema_editor):
    from flows.migration_helpers import default_flows_add
    from loyalty.tier_mail import tier_flow_specs

    default_flows_add(apps, tier_flow_specs())


class Migration(migrations.Migration):
    dependencies = [
        ("loyalty", "0007_tiers_and_perks"),
        ("flows", "0004_flow_holdout_groups"),
    ]

    operations = [migrations.RunPython(install_tier_flow, migrations.RunPython.noop)]

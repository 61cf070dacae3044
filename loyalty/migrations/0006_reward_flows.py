"""Shops that already have their default flows get the reward emails too (new shops get them with the
others). A shop that already has a flow of the same key keeps it: running this twice adds nothing."""

from django.db import migrations


def install_reward_flows(apps, schema_editor):
    from flows.migration_helpers import default_flows_add
    from loyalty.mail_rewards import reward_flow_specs

    default_flows_add(apps, reward_flow_specs())


class Migration(migrations.Migration):
    dependencies = [
        ("loyalty", "0005_rewards"),
        ("flows", "0004_flow_holdout_groups"),
    ]

    operations = [migrations.RunPython(install_reward_flows, migrations.RunPython.noop)]

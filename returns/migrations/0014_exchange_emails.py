"""Shops that already have their default flows get the exchange emails too (exchange confirmed, exchange
shipped); new shops get them with the others. A shop that already has a flow of the same key keeps it:
running this twice adds nothing."""

from django.db import migrations


def install_exchange_flows(apps, schema_editor):
    from flows.migration_helpers import default_flows_add
    from returns.mail.defaults import exchange_flow_specs

    default_flows_add(apps, exchange_flow_specs())


class Migration(migrations.Migration):
    dependencies = [
        ("returns", "0013_exchange_variant"),
        ("flows", "0004_flow_holdout_groups"),
    ]

    operations = [migrations.RunPython(install_exchange_flows, migrations.RunPython.noop)]

"""Shops that already have their default flows get the store-credit emails too (new shops get them
with the others). A shop that already has a flow of the same key keeps it: running this twice adds nothing."""

from django.db import migrations


def install_store_credit_flows(apps, schema_editor):
    from flows.migration_helpers import default_flows_add
    from store_credit.mail.defaults import store_credit_flow_specs

    default_flows_add(apps, store_credit_flow_specs())


class Migration(migrations.Migration):
    dependencies = [
        ("store_credit", "0001_initial"),
        ("flows", "0003_scheduled_once_per_order_key"),
    ]

    operations = [migrations.RunPython(install_store_credit_flows, migrations.RunPython.noop)]

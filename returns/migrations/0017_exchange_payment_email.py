"""Shops that already have their default flows get the dearer exchange's email too (the difference to pay,
with the shop's payment link); new shops get it with the others. A shop that already has a flow of the
same key keeps it: running this twice adds nothing."""

from django.db import migrations


def install_exchange_payment_flow(apps, schema_editor):
    from flows.migration_helpers import default_flows_add
    from returns.mail.defaults import exchange_payment_flow_specs

    default_flows_add(apps, exchange_payment_flow_specs())


class Migration(migrations.Migration):
    dependencies = [
        ("returns", "0016_exchange_dearer"),
        ("flows", "0006_template_subject_longer"),
    ]

    operations = [migrations.RunPython(install_exchange_payment_flow, migrations.RunPython.noop)]

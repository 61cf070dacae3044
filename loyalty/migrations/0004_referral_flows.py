"""Shops that already have their default flows get the referral emails too (new shops get them with the
others). A shop that already has a flow of the same key keeps it: running this twice adds nothing."""

from django.db import migrations


def install_referral_flows(apps, schema_editor):
    from flows.migration_helpers import default_flows_add
    from loyalty.referral_mail.defaults import referral_flow_specs

    default_flows_add(apps, referral_flow_specs())


class Migration(migrations.Migration):
    dependencies = [
        ("loyalty", "0003_referrals"),
        ("flows", "0003_scheduled_once_per_order_key"),
    ]

    operations = [migrations.RunPython(install_referral_flows, migrations.RunPython.noop)]

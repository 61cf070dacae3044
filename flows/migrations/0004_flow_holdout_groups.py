import secrets

import django.core.validators
from django.db import migrations, models

import flows.models

# What flows.services.default_holdout_percent gives a new flow of each kind.
PERCENT_BY_KIND = {"marketing": 10, "transactional": 0}


def set_defaults(apps, schema_editor):
    """Each existing flow gets its own salt (AddField gave them all the same one) and its kind's default."""
    Flow = apps.get_model("flows", "Flow")
    for flow in Flow._base_manager.only("pk", "kind").iterator():
        Flow._base_manager.filter(pk=flow.pk).update(
            holdout_salt=secrets.token_hex(8), holdout_percent=PERCENT_BY_KIND.get(flow.kind, 0)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("flows", "0003_scheduled_once_per_order_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="flow",
            name="holdout_percent",
            field=models.PositiveSmallIntegerField(
                default=0,
                validators=[django.core.validators.MaxValueValidator(50)],
                verbose_name="holdout percentage",
            ),
        ),
        migrations.AddField(
            model_name="flow",
            name="holdout_salt",
            field=models.CharField(default=flows.models.new_holdout_salt, editable=False, max_length=32),
        ),
        migrations.RunPython(set_defaults, migrations.RunPython.noop),
    ]

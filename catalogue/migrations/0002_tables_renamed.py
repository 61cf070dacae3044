"""The moved tables and their index take catalogue's names (rows, constraints and picked products kept)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0001_products_and_rule_move_from_tracking"),
        ("tracking", "0002_products_and_rule_move_to_catalogue"),
    ]

    operations = [
        migrations.AlterModelTable(name="product", table=None),
        migrations.AlterModelTable(name="recommendationrule", table=None),
        migrations.RenameIndex(
            model_name="product", new_name="catalogue_p_merchan_f2c10a_idx", old_name="tracking_pr_merchan_06ee48_idx"
        ),
    ]

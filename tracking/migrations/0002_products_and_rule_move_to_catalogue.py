"""Product and RecommendationRule now belong to catalogue (catalogue 0001 took over their tables).

State only: clicks keep pointing at the same product rows.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0001_products_and_rule_move_from_tracking"),
        ("tracking", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="recommendationclick",
                    name="product",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="clicks", to="catalogue.product"
                    ),
                ),
                migrations.DeleteModel(name="RecommendationRule"),
                migrations.DeleteModel(name="Product"),
            ],
            database_operations=[],
        ),
    ]

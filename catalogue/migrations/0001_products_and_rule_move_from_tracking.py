"""Product and RecommendationRule move here from tracking, their rows kept.

State only: the tables tracking created are taken over as they are (0002 renames them), and the
content types follow so permissions and admin history stay attached to the same rows. On a fresh
database tracking's 0001 creates the tables and this changes nothing in it.
"""

import django.db.models.deletion
from django.db import migrations, models

MOVED = ("product", "recommendationrule")


def content_types_move(apps, schema_editor, source="tracking", target="catalogue"):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not content_type.objects.filter(app_label=target, model=model).exists():
            content_type.objects.filter(app_label=source, model=model).update(app_label=target)


def content_types_move_back(apps, schema_editor):
    content_types_move(apps, schema_editor, source="catalogue", target="tracking")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("merchants", "0001_initial"),
        ("tracking", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Product",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        ("product_id", models.CharField(help_text="The shop's product id.", max_length=64)),
                        ("title", models.CharField(max_length=255)),
                        ("product_type", models.CharField(blank=True, max_length=120)),
                        ("tags", models.JSONField(blank=True, default=list)),
                        ("image_url", models.URLField(blank=True, max_length=500)),
                        ("url", models.URLField(blank=True, max_length=500, verbose_name="product page")),
                        ("active", models.BooleanField(default=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "merchant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, to="merchants.merchant"
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["title", "id"],
                        "db_table": "tracking_product",
                        "indexes": [
                            models.Index(fields=["merchant", "product_type"], name="tracking_pr_merchan_06ee48_idx")
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("merchant", "product_id"), name="product_unique_product_id"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="RecommendationRule",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        (
                            "mode",
                            models.CharField(
                                choices=[
                                    ("off", "No suggestions"),
                                    ("product_type", "Same product type as the order"),
                                    ("tags", "Sharing a tag with the order"),
                                    ("picked", "Products I pick"),
                                ],
                                default="off",
                                max_length=16,
                            ),
                        ),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "merchant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, to="merchants.merchant"
                            ),
                        ),
                        ("picked", models.ManyToManyField(blank=True, related_name="+", to="catalogue.product")),
                    ],
                    options={
                        "db_table": "tracking_recommendationrule",
                        "constraints": [
                            models.UniqueConstraint(fields=("merchant",), name="recommendationrule_one_per_merchant")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_move, content_types_move_back, elidable=True),
    ]

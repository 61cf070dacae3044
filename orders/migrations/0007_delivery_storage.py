import django.db.models.deletion
from django.db import migrations, models

# A Shopify order delivery is about 7 KB of JSON. By default PostgreSQL compresses it with pglz and,
# still above 2 KB, moves it out of the row into two TOAST chunks: three tuples and a TOAST index
# entry per delivery. lz4 compresses several times faster, and with a 4 KB target the compressed
# body stays in its row. Servers built without lz4 keep pglz.
LZ4_AVAILABLE = "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"


def lighter_body_storage(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(LZ4_AVAILABLE)
        lz4 = cursor.fetchone()[0]
    if lz4:
        schema_editor.execute("ALTER TABLE orders_webhookdelivery ALTER COLUMN body SET COMPRESSION lz4")
    schema_editor.execute("ALTER TABLE orders_webhookdelivery SET (toast_tuple_target = 4096)")


def default_body_storage(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE orders_webhookdelivery ALTER COLUMN body SET COMPRESSION DEFAULT")
    schema_editor.execute("ALTER TABLE orders_webhookdelivery RESET (toast_tuple_target)")


class Migration(migrations.Migration):
    dependencies = [
        ("merchants", "0003_webhookendpoint_disable_notified_at"),
        ("orders", "0006_three_decimal_money"),
    ]

    operations = [
        migrations.AlterField(
            model_name="webhookdelivery",
            name="body_sha256",
            field=models.CharField(max_length=64),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="merchant",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.CASCADE, to="merchants.merchant"
            ),
        ),
        migrations.RunPython(lighter_body_storage, default_body_storage),
    ]

# The email KPIs of a period read the emails sent in it and the clicks before its orders (analytics/email.py).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('flows', '0004_flow_holdout_groups'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='message',
            index=models.Index(fields=['merchant', 'sent_at'], name='message_sent'),
        ),
        migrations.AddIndex(
            model_name='messageevent',
            index=models.Index(condition=models.Q(('kind', 'clicked')), fields=['merchant', 'occurred_at'], name='messageevent_clicks'),
        ),
    ]

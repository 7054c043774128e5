"""The SQL function that answers "how many rows?" for list pages (rotation_registry/common/counting.py)."""

from django.db import migrations

from rotation_registry.common.counting import CAPPED_COUNT_FUNCTION


class Migration(migrations.Migration):
    dependencies = [("postings", "0009_list_order_and_home_indexes")]

    operations = [
        migrations.RunSQL(
            CAPPED_COUNT_FUNCTION, reverse_sql="DROP FUNCTION IF EXISTS rr_capped_count(text, bigint, bigint)"
        )
    ]

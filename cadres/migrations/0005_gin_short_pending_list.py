"""The cadres' GIN indexes keep a short pending list (cadres/models.py GIN_PENDING_LIST_KB).

A storage parameter of the existing indexes: set in place (no rebuild of either index), while the
migration state records the same indexes with the parameter.
"""

import django.contrib.postgres.indexes
from django.db import migrations

INDEXES = ("cadre_search_key_trgm", "cadre_reach_roots_gin")


class Migration(migrations.Migration):
    dependencies = [
        ("cadres", "0004_cadre_reach_roots"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=[f"ALTER INDEX {name} SET (gin_pending_list_limit = 256)" for name in INDEXES],
                    reverse_sql=[f"ALTER INDEX {name} RESET (gin_pending_list_limit)" for name in INDEXES],
                ),
            ],
            state_operations=[
                migrations.RemoveIndex(model_name="cadre", name="cadre_search_key_trgm"),
                migrations.RemoveIndex(model_name="cadre", name="cadre_reach_roots_gin"),
                migrations.AddIndex(
                    model_name="cadre",
                    index=django.contrib.postgres.indexes.GinIndex(
                        fields=["search_key"],
                        gin_pending_list_limit=256,
                        name="cadre_search_key_trgm",
                        opclasses=["gin_trgm_ops"],
                    ),
                ),
                migrations.AddIndex(
                    model_name="cadre",
                    index=django.contrib.postgres.indexes.GinIndex(
                        fields=["reach_roots"], gin_pending_list_limit=256, name="cadre_reach_roots_gin"
                    ),
                ),
            ],
        ),
    ]

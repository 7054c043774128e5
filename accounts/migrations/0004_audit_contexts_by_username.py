"""The global audit log's "who" filter finds a person's audit contexts by an index, not by reading every context.

The contexts table is django-pghistory's (one row per audited request or job): its metadata holds the username.
Filtered by a person who made few changes, the log then reads those contexts' events through each event table's
`pgh_context_id` index, instead of walking every event (rotation_registry/audit_log.py).
"""

from django.db import migrations

INDEX = "pghistory_context_username"


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_audit_events_by_time"),
        ("pghistory", "0007_auto_20250421_0444"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON pghistory_context ((metadata -> 'username'))",
            f"DROP INDEX IF EXISTS {INDEX}",
        )
    ]

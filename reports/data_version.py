"""The registry's data version: the fingerprint stored with each statistics run.

One row, `reports_data_version(id = 1, version)`, bumped once per committed transaction that
writes any table the statistics read: every table of the units, cadres, postings and plans apps
except their audit event tables (migration 0004 creates it all). How:

* a statement-level trigger on each input table (`reports_data_changed`, INSERT, UPDATE, DELETE or
  TRUNCATE) files one row in `reports_data_change` on the transaction's first write (a flag local
  to the transaction, `reports.data_changed`, makes every later statement a no-op);
* that row's deferred constraint trigger bumps the version at COMMIT, and deletes the row. So the
  counter's row is locked only for the instant of the commit (writers never queue behind a long
  import), a transaction's writes and its bump become visible together, and a rolled-back
  transaction bumps nothing.

Statement-level, not row-level: PostgreSQL keeps a deferred row trigger's events in a queue that
every later trigger invocation of the transaction walks, so a deferred trigger per row made an
import of 20,000 rows (whose audit triggers run a statement per row) several seconds slower, and
quadratically so. A statement that changes no row still counts as a change: conservative, it
costs at most one recompute with identical results.

Why not the highest audit event id (pghistory) per table? Ids are handed out when a row is
written, not when its transaction commits: a long import holding ids 100..20,099 can commit after
an edit that got id 20,100, so "max id" would not move when the import lands and its rows would
be missed. The counter moves at commit, in commit order.

New tables in those apps get the trigger after `migrate` (post_migrate), and a test checks that
every input table has it (tests/statistics_jobs/test_fingerprint.py).
"""

from __future__ import annotations

from django.db import connections

INPUT_APPS = ("units", "cadres", "postings", "plans")
TRIGGER = "reports_data_changed"


def input_tables(apps) -> list[str]:
    """The tables of the input apps in an app registry (live or a migration's historical one)."""
    tables: set[str] = set()
    for label in INPUT_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models(include_auto_created=True):
            meta = model._meta
            if meta.proxy or not meta.managed:
                continue
            if any(field.name == "pgh_id" for field in meta.local_fields):
                continue  # pghistory's event tables: written by triggers alongside the real change
            tables.add(meta.db_table)
    return sorted(tables)


def tables_with_trigger(connection) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = %s AND pg_catalog.pg_table_is_visible(c.oid)",
            [TRIGGER],
        )
        return {row[0] for row in cursor.fetchall()}


def install_triggers(connection, tables: list[str]) -> list[str]:
    """Add the trigger to the tables that exist and lack it; returns the tables changed."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regproc('reports_note_data_change') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return []  # reports' migrations have not run yet
        cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relkind = 'r' AND c.relname = ANY(%s) "
            "AND pg_catalog.pg_table_is_visible(c.oid)",
            [tables],
        )
        existing = {row[0] for row in cursor.fetchall()}
        missing = sorted(existing - tables_with_trigger(connection))
        for table in missing:
            cursor.execute(
                f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {connection.ops.quote_name(table)} FOR EACH STATEMENT EXECUTE FUNCTION reports_note_data_change()"
            )
    return missing


def install_triggers_after_migrate(sender, app_config=None, using="default", apps=None, **kwargs) -> None:
    """post_migrate: give tables added since migration 0004 their trigger (once per migrate, on reports)."""
    if getattr(app_config, "label", None) != "reports" or apps is None:
        return
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    install_triggers(connection, input_tables(apps))

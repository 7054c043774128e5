"""The data version: bumped once per committed transaction that writes a statistics input, in commit order."""

from __future__ import annotations

import psycopg
from django.apps import apps
from django.db import connection, transaction

from reports.data_version import input_tables, tables_with_trigger
from reports.runs import current_fingerprint
from tests.statistics_jobs.conftest import add_postings
from units.models import Term, TermKind


def test_every_input_table_has_the_trigger(db):
    tables = input_tables(apps)

    assert {"postings_posting", "postings_decision", "cadres_cadre", "cadres_evaluation", "units_unit"} <= set(tables)
    assert {"units_unitlineage", "plans_plan", "plans_plantarget", "cadres_planningrecord"} <= set(tables)
    assert not [t for t in tables if t.endswith("event")]  # the audit's own tables are left out
    assert set(tables) <= tables_with_trigger(connection)


def test_reading_the_data_version_is_one_query(db, django_assert_num_queries):
    with django_assert_num_queries(1):
        current_fingerprint()


def test_a_committed_transaction_bumps_the_version_once(restore_catalogues, transactional_db, kit):
    before = current_fingerprint()

    with transaction.atomic():
        add_postings(kit, 4)  # postings, decision, cadres, planning records, overrides: many rows

    assert current_fingerprint() == before + 1


def test_a_rolled_back_transaction_leaves_the_version(restore_catalogues, transactional_db, kit):
    before = current_fingerprint()

    with transaction.atomic():
        add_postings(kit, 2)
        transaction.set_rollback(True)

    assert current_fingerprint() == before


def test_a_transaction_that_commits_after_a_later_one_still_moves_the_version(transactional_db):
    """Audit ids are handed out at write time; the version moves at commit, so a late commit is seen."""
    other = psycopg.connect(
        **{k: v for k, v in connection.get_connection_params().items() if k in ("dbname", "user", "host", "port")}
    )
    try:
        with other.cursor() as cursor:  # a long transaction (an import) writes first...
            cursor.execute(
                "INSERT INTO units_term (kind, name, start, \"end\") VALUES ('plan', 'Giai đoạn muộn', "
                "'2031-01-01', '2035-12-31')"
            )
        Term.objects.create(kind=TermKind.PLAN, name="Giai đoạn sớm", start="2036-01-01", end="2040-12-31")
        seen = current_fingerprint()  # ...a quick edit commits first; a run computed now records `seen`

        other.commit()  # ...then the long transaction lands

        assert current_fingerprint() == seen + 1
    finally:
        other.close()
    assert Term.objects.filter(name__in=["Giai đoạn muộn", "Giai đoạn sớm"]).count() == 2


def test_reading_changes_nothing(transactional_db, kit):
    before = current_fingerprint()

    with transaction.atomic():
        list(Term.objects.select_for_update())

    assert current_fingerprint() == before


def test_an_import_sized_transaction_is_not_slowed_down(transactional_db):
    """20,000 audited rows in one transaction: the version costs one row and one deferred trigger, not one per row."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reports_data_change")
        assert cursor.fetchone()[0] == 0
        with transaction.atomic():
            cursor.execute(
                "INSERT INTO units_term (kind, name, start, \"end\") SELECT 'plan', 'Giai đoạn ' || g, "
                "'2001-01-01', '2002-01-01' FROM generate_series(1, 20000) g"
            )
            cursor.execute("UPDATE units_term SET name = name || '.' WHERE name LIKE 'Giai đoạn %%'")
            cursor.execute("SELECT count(*) FROM reports_data_change")
            assert cursor.fetchone()[0] == 1  # one pending change for the whole transaction
        cursor.execute("SELECT count(*) FROM reports_data_change")
        assert cursor.fetchone()[0] == 0

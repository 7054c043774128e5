"""`manage.py generate_dataset`: a tiny national dataset, checked row by row in its own database.

It runs the real command (a child process that creates, migrates and fills its own database), so it takes
about a minute; the database is dropped afterwards.
"""

from __future__ import annotations

import hashlib
import json
import os

import psycopg
import pytest
from django.core.management import call_command

from bench.common import SERVER_URL

DATABASE = "test_rr_bench_dataset_" + str(os.getpid())
CADRES, POSTINGS, SEED = 60, 500, 11


@pytest.fixture(scope="module")
def dataset():
    call_command(
        "generate_dataset", size="small", cadres=CADRES, postings=POSTINGS, seed=SEED, database=DATABASE, force=True
    )
    with psycopg.connect(f"{SERVER_URL}/{DATABASE}") as connection:
        yield connection
    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def _one(connection, sql: str, params=()):
    return connection.execute(sql, params).fetchone()


def test_it_loads_the_territories_before_and_since_the_reorganisation(dataset):
    legacy, districts, communes, new, new_communes = _one(
        dataset,
        """
        SELECT count(*) FILTER (WHERE kind = 'province' AND scheme IN ('legacy', 'legacy+2025')),
               count(*) FILTER (WHERE kind = 'district'),
               count(*) FILTER (WHERE kind = 'commune' AND scheme = 'legacy'),
               count(*) FILTER (WHERE kind = 'province' AND scheme IN ('2025', 'legacy+2025')),
               count(*) FILTER (WHERE kind = 'commune' AND scheme = '2025')
        FROM units_unit
        """,
    )
    assert (legacy, districts, communes, new, new_communes) == (63, 696, 10051, 34, 3321)


def test_it_writes_the_asked_numbers_of_cadres_and_postings(dataset):
    assert _one(dataset, "SELECT count(*) FROM cadres_cadre") == (CADRES,)
    assert _one(dataset, "SELECT count(*) FROM postings_posting") == (POSTINGS,)
    # Every cadre has a name, a birth date, a sex and an ethnicity; postings point at a decision issued first.
    assert _one(
        dataset,
        "SELECT count(*) FROM cadres_cadre WHERE full_name = '' OR sex NOT IN ('male', 'female') OR ethnicity = ''",
    ) == (0,)
    assert _one(
        dataset,
        "SELECT count(*) FROM postings_posting p JOIN postings_decision d ON d.id = p.decision_id "
        "WHERE p.start_date < d.date",
    ) == (0,)


def test_issued_plans_have_their_targets_and_planned_cadres(dataset):
    plans, issued, drafts = _one(
        dataset,
        "SELECT count(*), count(*) FILTER (WHERE status = 'issued' AND issued_at IS NOT NULL), "
        "count(*) FILTER (WHERE status = 'draft') FROM plans_plan",
    )
    assert plans == issued + drafts and issued > 63 and drafts == 34
    assert _one(
        dataset,
        "SELECT count(*) FROM plans_plan p WHERE p.status = 'issued' "
        "AND NOT EXISTS (SELECT 1 FROM plans_plantarget t WHERE t.plan_id = p.id)",
    ) == (0,)


def test_filed_reports_carry_their_frozen_snapshot(dataset):
    rows = dataset.execute(
        "SELECT r.figures, r.fingerprint, v.fingerprint, r.status, v.outcome FROM reports_quarterlyreport r "
        "JOIN reports_quarterlyreportversion v ON v.report_id = r.id AND v.number = r.version "
        "WHERE r.status <> 'draft'"
    ).fetchall()
    assert rows
    for figures, fingerprint, version_fingerprint, status, outcome in rows:
        text = json.dumps(figures, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        assert hashlib.sha256(text.encode()).hexdigest() == fingerprint == version_fingerprint
        assert outcome == ("" if status == "submitted" else status)
    # The trigger that guards filed reports is on again after the load: an accepted report cannot be changed.
    with pytest.raises(psycopg.errors.CheckViolation):
        dataset.execute("UPDATE reports_quarterlyreport SET results = 'x' WHERE status = 'accepted'")
    dataset.rollback()


def test_the_load_is_one_audit_change_set_naming_generator_seed_and_counts(dataset):
    contexts = dataset.execute(
        "SELECT metadata FROM pghistory_context WHERE metadata->>'generator' = 'bench.dataset'"
    ).fetchall()
    assert len(contexts) == 1
    metadata = contexts[0][0]
    assert metadata["seed"] == SEED
    assert metadata["counts"]["postings"] == POSTINGS and metadata["counts"]["cadres"] == CADRES
    assert "hạt giống 11" in metadata["reason"]
    # Events written during the load (reference data, users) point at that one context.
    assert _one(dataset, "SELECT count(DISTINCT pgh_context_id) FROM units_unitevent") == (1,)
    assert _one(dataset, "SELECT count(*) FROM cadres_cadreevent") == (0,)  # bulk rows: the context is their record

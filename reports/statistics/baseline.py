"""The same aggregates as compute(), written as plain SQL GROUP BYs: the yardstick of the speed budget.

Issue 4 asks that the national recompute stays within 1.5x of "the same aggregates as plain SQL GROUP
BY". `plain_sql_seconds(parameters)` runs them (for everything, no unit: the national case) and returns
the time taken; `compare(parameters)` times both. Nothing here is used to produce figures.
"""

from __future__ import annotations

import datetime
import time

from django.db import connection

from cadres.filters import birth_range_for_band

_BASE = """
    FROM postings_posting p
    WHERE p.status IN ('in_force', 'ended') AND p.is_primary
      AND p.start_date >= %(start)s AND p.start_date <= %(end)s
"""


def _queries(start: datetime.date, end: datetime.date, cutoff: datetime.date, as_of: datetime.date) -> list[str]:
    bands = {band: birth_range_for_band(band, cutoff) for band in ("40", "41-50", "51")}
    age = []
    for after, before in bands.values():
        parts = [f"c.date_of_birth >= '{after}'" if after else "", f"c.date_of_birth <= '{before}'" if before else ""]
        age.append(f"COUNT(*) FILTER (WHERE {' AND '.join(p for p in parts if p)})")
    form11 = f"""
        SELECT p.direction, COUNT(*),
               COUNT(*) FILTER (WHERE c.sex = 'female'),
               COUNT(*) FILTER (WHERE c.ethnicity <> 'Kinh' AND c.ethnicity <> ''),
               COUNT(*) FILTER (WHERE c.religion <> ''),
               COUNT(*) FILTER (WHERE p.adds_title),
               {", ".join(age)},
               COUNT(*) FILTER (WHERE c.professional_level = 'trung_cap'),
               COUNT(*) FILTER (WHERE c.professional_level = 'cao_dang'),
               COUNT(*) FILTER (WHERE c.professional_level = 'dai_hoc'),
               COUNT(*) FILTER (WHERE c.professional_level IN ('thac_si', 'tien_si')),
               COUNT(*) FILTER (WHERE c.professional_level = ''),
               COUNT(*) FILTER (WHERE c.political_theory = 'so_cap'),
               COUNT(*) FILTER (WHERE c.political_theory = 'trung_cap'),
               COUNT(*) FILTER (WHERE c.political_theory IN ('cao_cap', 'cu_nhan')),
               COUNT(*) FILTER (WHERE c.political_theory = '')
        {_BASE.replace("FROM postings_posting p", "FROM postings_posting p JOIN cadres_cadre c ON c.id = p.cadre_id")}
          AND p.kind = 'luan_chuyen'
        GROUP BY p.direction
    """
    rotation = f"{_BASE} AND p.kind = 'luan_chuyen'"
    return [
        form11,
        f"SELECT p.kind, COUNT(*) {_BASE} GROUP BY p.kind",
        f"SELECT p.purpose, COUNT(*) {rotation} GROUP BY p.purpose",
        f"SELECT ps.title_id, COUNT(*) {rotation.replace('FROM postings_posting p', 'FROM postings_posting p LEFT JOIN units_position ps ON ps.id = p.dest_position_id')} GROUP BY ps.title_id",  # noqa: E501
        f"SELECT p.origin_unit_id, COUNT(*) {rotation} GROUP BY p.origin_unit_id",
        f"SELECT p.dest_unit_id, COUNT(*) {rotation} GROUP BY p.dest_unit_id",
        """SELECT COUNT(*) FROM postings_posting p JOIN units_unit o ON o.id = p.origin_unit_id
            JOIN units_unit d ON d.id = p.dest_unit_id JOIN units_position dp ON dp.id = p.dest_position_id
            JOIN units_positiontitle t ON t.id = dp.title_id
            WHERE p.status IN ('in_force', 'ended') AND p.is_primary AND p.kind = 'luan_chuyen'
              AND p.start_date >= %(start)s AND p.start_date <= %(end)s
              AND o.kind IN ('board', 'agency', 'mass_organisation') AND d.level = 'commune' AND t.is_key""",
        """SELECT COUNT(*) FILTER (WHERE p.planned_end < %(as_of)s), COUNT(*)
           FROM postings_posting p WHERE p.status IN ('in_force', 'ended') AND p.is_primary
             AND p.kind = 'luan_chuyen' AND p.start_date <= %(as_of)s
             AND (p.actual_end IS NULL OR p.actual_end > %(as_of)s)""",
        f"""SELECT c.professional_level, c.political_theory, COUNT(*) FROM cadres_cadre c
            WHERE c.id IN (SELECT p.cadre_id {rotation}) GROUP BY 1, 2""",
        """SELECT e.year, COUNT(*), COUNT(*) FILTER (WHERE e.level IN ('excellent', 'good'))
           FROM cadres_evaluation e WHERE e.quarter IS NULL
             AND e.year BETWEEN EXTRACT(YEAR FROM %(start)s::date) AND EXTRACT(YEAR FROM %(end)s::date)
           GROUP BY e.year""",
    ]


def plain_sql_seconds(parameters: dict) -> float:
    from reports.statistics.engine import normalise_parameters

    params = normalise_parameters(parameters)
    day = datetime.date.fromisoformat
    values = {"start": day(params["start"]), "end": day(params["end"]), "as_of": day(params["as_of"])}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in _queries(values["start"], values["end"], day(params["cutoff"]), values["as_of"]):
            cursor.execute(sql, values)
            cursor.fetchall()
    return time.perf_counter() - started


def compare(parameters: dict) -> dict:
    """{"compute": seconds, "plain_sql": seconds, "ratio": compute / plain_sql}."""
    from reports.statistics.engine import compute

    started = time.perf_counter()
    compute(parameters)
    engine = time.perf_counter() - started
    plain = plain_sql_seconds(parameters)
    return {"compute": round(engine, 3), "plain_sql": round(plain, 3), "ratio": round(engine / plain, 2)}

"""The global audit log's reads: which events a user may see, one page of them newest first, and what each changed.

pghistory's aggregate `Events` view unions every event table and diffs every event with the one before it
before anything is filtered or paged: 0,5 s with 25,000 events on the bench dataset, and the audit grows
without end (it is never purged). Here each event table gives its newest events (as many as the page needs)
through its time index (`audited`), those are merged newest first, and only the page's own events are
compared with their previous snapshot: two queries whatever the audit's size. The log
is not counted: a total of events tells an officer nothing, and counting a province's events among millions
meant walking them all (250 ms for one table's 4,765).

Access goes through the records' `visible_to` (accounts/scopes.py), as everywhere: an officer whose scope
is one province sees the events of the cadres, postings, decisions, plans, reports and units that are
visible to them, and the events of the shared catalogues (terms, titles, rule sets) that apply to
everyone; users and their scopes only to whoever sees the whole registry. The test is made on the record
as it is now: nothing a user enters is deleted from the UI, so a record's events stay with it.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from dataclasses import dataclass, field
from functools import cached_property

import pghistory.models
from django.apps import apps
from django.db import connection
from django.db.models import BooleanField, CharField, DateTimeField, ExpressionWrapper, F, Model, Q, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.text import capfirst

from accounts.scopes import sees_whole_registry
from rotation_registry.common.history import HIDDEN, LABELS, Change, verbose_field_name
from rotation_registry.common.record_urls import record_url

EVERY_EDITOR = "every editor"  # shared catalogues: the same terms, titles and rules apply to every officer
WHOLE_REGISTRY_ONLY = "whole registry"  # users and their scopes


@dataclass(frozen=True)
class Audited:
    """An audited model, and which of its records' events a user with a partial scope may read: those of the
    records that `scoped_by`'s `visible_to` shows (the record itself when its relations are "id"; else the
    record one of whose `relations` points at one of them), or by rule (EVERY_EDITOR, WHOLE_REGISTRY_ONLY)."""

    label: str  # as pghistory stores it in pgh_obj_model, e.g. "cadres.Cadre"
    scoped_by: str
    relations: tuple[str, ...] = ("id",)
    history_route: str = ""  # the record's own history page, linked from the log

    @cached_property
    def model(self) -> type[Model]:
        return apps.get_model(self.label)

    @cached_property
    def event_model(self) -> type[pghistory.models.Event]:
        return next(
            model
            for model in apps.get_models()
            if issubclass(model, pghistory.models.Event) and getattr(model, "pgh_tracked_model", None) is self.model
        )

    @cached_property
    def event_table(self) -> str:
        """The event table's name, quoted for SQL."""
        return connection.ops.quote_name(self.event_model._meta.db_table)

    @property
    def name(self) -> str:
        return capfirst(self.model._meta.verbose_name)


# The models a board officer looks for first, then the rest. tests/web/test_audit_log.py checks that every
# audited model of the project is here.
AUDITED = [
    Audited("cadres.Cadre", "cadres.Cadre", history_route="cadres:history"),
    Audited("postings.Posting", "postings.Posting", history_route="postings:history"),
    Audited("postings.Decision", "postings.Decision", history_route="postings:decision_history"),
    Audited("postings.PostingOverride", "postings.Posting", ("posting_id",)),
    Audited("cadres.PlanningRecord", "cadres.Cadre", ("cadre_id",)),
    Audited("cadres.Evaluation", "cadres.Cadre", ("cadre_id",)),
    Audited("units.Unit", "units.Unit"),
    Audited("units.UnitLineage", "units.Unit", ("successor_id", "predecessor_id")),
    Audited("units.Position", "units.Unit", ("unit_id",)),
    Audited("plans.Plan", "plans.Plan", history_route="plans:history"),
    Audited("plans.PlanTarget", "plans.Plan", ("plan_id",)),
    Audited("plans.PlanEntry", "plans.Plan", ("plan_id",)),
    Audited("reports.ReportingPeriod", "reports.ReportingPeriod"),
    Audited("reports.QuarterlyReport", "reports.QuarterlyReport"),
    Audited("reports.QuarterlyReportVersion", "reports.QuarterlyReport", ("report_id",)),
    Audited("reports.ReminderSent", "reports.ReportingPeriod", ("period_id",)),
    Audited("units.Term", EVERY_EDITOR),
    Audited("units.PositionTitle", EVERY_EDITOR),
    Audited("postings.RuleSet", EVERY_EDITOR),
    Audited("postings.RuleSetting", EVERY_EDITOR),
    Audited("accounts.User", WHOLE_REGISTRY_ONLY),
    Audited("accounts.ScopeAssignment", WHOLE_REGISTRY_ONLY),
]
BY_LABEL = {audited.label: audited for audited in AUDITED}


@dataclass(frozen=True)
class Criteria:
    """The log's filters, already validated (rotation_registry/audit_views.py)."""

    model: str = ""
    action: str = ""
    username: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    reason: str = ""
    # Only events older than this one in the log's order (time, table, number): the pages after the first.
    before: tuple[datetime.datetime, str, int] | None = None
    # The audit contexts (requests, jobs) that match the person and reason, read first (log_rows), and whether
    # they wrote few events.
    contexts: tuple[str, ...] | None = None
    written_in: tuple[str, ...] | None = None  # the tables where those contexts wrote
    few_events: bool = False


@dataclass
class LogEntry:
    model: str
    model_name: str
    pgh_id: int
    when: datetime.datetime
    action: str  # pghistory's label: insert, update, delete
    object_id: int
    username: str = ""
    reason: str = ""
    changes: list[Change] = field(default_factory=list)
    history_url: str = ""

    @property
    def action_name(self) -> str:
        return LABELS.get(self.action, self.action)


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# Records of which a scope holds at most a few thousand (a province's units, plans and reporting periods).
FEW_PER_SCOPE = {"units.Unit", "plans.Plan", "reports.ReportingPeriod", "reports.QuarterlyReport"}


def _visible_records(user, label: str) -> tuple[str, tuple]:
    """The SQL of the ids of `label`'s records that the user may see (its `visible_to`), compiled once per
    request: several audited models are scoped by the same records (overrides by postings, positions and
    lineage by units, …)."""
    compiled = user.__dict__.setdefault("_audit_visible_sql", {})
    if label not in compiled:
        records = apps.get_model(label).objects.visible_to(user).order_by().values("pk")
        compiled[label] = records.query.sql_with_params()
    return compiled[label]


def _record_visible(audited: Audited, user) -> RawSQL:
    """The event's record is visible to the user, checked event by event as the time index is walked.

    `OFFSET 0` keeps PostgreSQL from turning the check into a join with every visible record (it then
    sorted all the visible events of a province, 39,000 of 1,1 million, to show 25: 1 s); checked row by
    row, the newest page is found after a few hundred events, or a few thousand where the scope's events
    are sparse (a province's among the whole country's units and lineage, written by one reference load).
    """
    records, params = _visible_records(user, audited.scoped_by)
    event_table = audited.event_table
    table = connection.ops.quote_name(audited.model._meta.db_table)
    columns = [f"record.{connection.ops.quote_name(name)}" for name in audited.relations]
    if len(columns) > 1 and audited.scoped_by in FEW_PER_SCOPE:
        # A record visible through either of two columns (a lineage link, through its two units): two lookups
        # an event cost 4 µs, 38 ms for the 9,300 lineage events walked before a province's 25. The few visible
        # ids are hashed once instead (an OR keeps each IN a hashed subplan): 1 µs an event.
        hashed = f"(SELECT visible.id FROM ({records}) AS visible (id) OFFSET 0)"
        pointing = " OR ".join(f"{column} IN {hashed}" for column in columns)
        params = params * len(columns)
        condition = (
            f"EXISTS (SELECT 1 FROM {table} AS record WHERE record.id = {event_table}.pgh_obj_id AND ({pointing})"
            " OFFSET 0)"
        )
    else:
        pointing = " OR ".join(f"visible.id = {column}" for column in columns)
        condition = (
            f"EXISTS (SELECT 1 FROM {table} AS record, ({records}) AS visible (id)"
            f" WHERE record.id = {event_table}.pgh_obj_id AND ({pointing}) OFFSET 0)"
        )
    return RawSQL(condition, params, output_field=BooleanField())


def _older_than(label: str, when: datetime.datetime, model: str, pgh_id: int) -> Q:
    """Events of `label`'s table after (older than) the event (when, model, pgh_id) in the log's order, written
    so that the table's time index serves it."""
    if label < model:
        return Q(pgh_created_at__lte=when)
    if label > model:
        return Q(pgh_created_at__lt=when)
    # Not `created < when OR (created = when AND id < pgh_id)`: an OR is no index range, and PostgreSQL then
    # sorted every matching event (0,45 s on page 100). A range up to `when`, less the same instant's later ids.
    return Q(pgh_created_at__lte=when) & ~Q(pgh_created_at=when, pgh_id__gte=pgh_id)


# A person's or a reason's contexts are read first and handed to every table as a list, up to this many: PostgreSQL
# then knows how few events match and reads them through each table's context index. Given the condition as a
# subquery it guessed 1/300 of the events for any person and walked the time index: 2,4 s for a person with 3
# requests among 1,4 million events. A person with more requests than this has events all along the index.
CONTEXTS_LISTED = 20_000


def _matching_contexts(criteria: Criteria):
    contexts = pghistory.models.Context.objects.order_by()
    if criteria.username:  # by the index of migration accounts/0004
        contexts = contexts.filter(metadata__username=criteria.username)
    if criteria.reason:
        contexts = contexts.filter(metadata__reason__icontains=criteria.reason)
    return contexts


# A person (or reason) with at most this many events: they are all read through the tables' context index and
# sorted, rather than found by walking the time index. Walking found a province's 25 among one officer's
# 4,800 posting events after 271,000 index entries (52 ms); reading the 4,800 and sorting takes a few ms.
# A person with more events has them all along the index, and walking it finds a page soon.
FEW_EVENTS = 20_000


# The contexts given once to the count (as a list to each table, planning it took 25 ms instead of 10).
_LISTED = "WITH listed AS MATERIALIZED (SELECT unnest(%s::uuid[]) AS id)"


def _with_contexts(criteria: Criteria) -> Criteria:
    """The criteria with the matching contexts listed, the tables they wrote in, and whether their events are
    few (two queries: the contexts, then their events counted in each table up to FEW_EVENTS)."""
    if not (criteria.username or criteria.reason):
        return criteria
    found = [str(pk) for pk in _matching_contexts(criteria).values_list("id", flat=True)[: CONTEXTS_LISTED + 1]]
    if len(found) > CONTEXTS_LISTED:
        return criteria
    chosen = _chosen(criteria)
    counted = " UNION ALL ".join(
        f"(SELECT %s, count(*) FROM (SELECT 1 FROM {audited.event_table}"
        f" WHERE pgh_context_id IN (SELECT id FROM listed) LIMIT {FEW_EVENTS + 1}) AS events)"
        for audited in chosen
    )
    with connection.cursor() as cursor:
        cursor.execute(f"{_LISTED} {counted}", [found, *(audited.label for audited in chosen)])
        events = {label: count for label, count in cursor.fetchall() if count}
    # Only the tables where they wrote: a person's page then plans 2 branches, not 22.
    return dataclasses.replace(
        criteria, contexts=tuple(found), written_in=tuple(events), few_events=sum(events.values()) <= FEW_EVENTS
    )


def _chosen(criteria: Criteria) -> list[Audited]:
    if criteria.model:
        return [BY_LABEL[criteria.model]]
    if criteria.written_in is not None:
        return [audited for audited in AUDITED if audited.label in criteria.written_in]
    return AUDITED


def _branch(audited: Audited, user, criteria: Criteria, newest: int | None) -> tuple[str, tuple] | None:
    """One event table's part of the log, as SQL; None when the user may read none of its events."""
    events = audited.event_model.objects.order_by()
    if not sees_whole_registry(user):
        if audited.scoped_by == WHOLE_REGISTRY_ONLY:
            return None
        if audited.scoped_by != EVERY_EDITOR:
            events = events.filter(_record_visible(audited, user))
    if criteria.action:
        events = events.filter(pgh_label=criteria.action)
    # Whole local days, compared on the timestamp itself so that the time index serves the range.
    if criteria.date_from:
        events = events.filter(pgh_created_at__gte=_start_of(criteria.date_from))
    if criteria.date_to and criteria.date_to < datetime.date.max:
        events = events.filter(pgh_created_at__lt=_start_of(criteria.date_to + datetime.timedelta(days=1)))
    if criteria.before:
        events = events.filter(_older_than(audited.label, *criteria.before))
    if criteria.contexts is not None:
        # As a constant list, whose every id PostgreSQL looks up in the column's statistics: it then knows how
        # few events match in each table. (Given once in a CTE, it planned in 10 ms less but guessed, and read
        # whole tables of units and lineage before the person's events: 38 → 84 ms.)
        events = events.filter(
            RawSQL(
                f"{audited.event_table}.pgh_context_id = ANY(%s::uuid[])",
                [list(criteria.contexts)],
                output_field=BooleanField(),
            )
        )
    elif criteria.username or criteria.reason:
        events = events.filter(pgh_context_id__in=_matching_contexts(criteria).values("id"))
    rows = events.annotate(model=Value(audited.label, output_field=CharField())).values_list(
        "model", "pgh_created_at", "pgh_id", "pgh_label", "pgh_obj_id"
    )
    if newest is not None:
        # A few events are sorted; `+ 0 seconds` is the same order, but one no index gives (FEW_EVENTS).
        time = _SAME_TIME if criteria.few_events else F("pgh_created_at")
        rows = rows.order_by(time.desc(), "-pgh_id")[:newest]
    return rows.query.sql_with_params()


_SAME_TIME = ExpressionWrapper(F("pgh_created_at") + Value(datetime.timedelta(0)), output_field=DateTimeField())


# No table to read (a person who wrote nothing; users' events asked for by an officer of one province).
_NOTHING = (
    "SELECT NULL::text AS model, NULL::timestamptz AS pgh_created_at, NULL::bigint AS pgh_id,"
    " NULL::text AS pgh_label, NULL::bigint AS pgh_obj_id WHERE false"
)


def _log_sql(user, criteria: Criteria, *, newest: int | None = None) -> tuple[str, list]:
    """The events the user may read, every table's in one UNION ALL; with `newest`, only each table's newest
    `newest` events, read from its time index (the page is among them, whatever the other tables hold)."""
    branches = (_branch(audited, user, criteria, newest) for audited in _chosen(criteria))
    parts = [branch for branch in branches if branch is not None]
    if not parts:
        return _NOTHING, []
    sql = " UNION ALL ".join(f"({text})" for text, _params in parts)
    return sql, [value for _text, params in parts for value in params]


# Newest first. Events of one transaction share its timestamp (pghistory stamps them with now()): the table
# and the event's number within it decide among them, so every page has a fixed place in the order. PostgreSQL
# would merge the tables' time indexes only when no scope check filters them (otherwise it sorted every
# visible event: 1 s for a province among 1,1 million); reading each table's newest offset + limit events and
# sorting those is as fast either way.
# "C": the tables compared as Python compares them (_older_than).
ORDER = 'ORDER BY pgh_created_at DESC, model COLLATE "C" DESC, pgh_id DESC'


def log_rows(user, criteria: Criteria, *, offset: int, limit: int, after: str = "") -> list[tuple]:
    """(model, when, event id, action, object id) of the events from `offset`, or after the event whose
    `token` is `after` (then the offset is not used), newest first."""
    start = _parse_token(after)
    if start is not None:
        criteria, offset = dataclasses.replace(criteria, before=start), 0
    criteria = _with_contexts(criteria)
    sql, params = _log_sql(user, criteria, newest=offset + limit)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({sql}) AS events {ORDER} LIMIT %s OFFSET %s", [*params, limit, offset])
        return cursor.fetchall()


def token(row: tuple) -> str:
    """Where a page that follows this event starts: its time, table and number."""
    model, when, pgh_id, _action, _object_id = row
    return f"{when.isoformat()}~{model}~{pgh_id}"


def _parse_token(text: str) -> tuple[datetime.datetime, str, int] | None:
    """The event a token names, or None for a token that is not one (a typed or damaged link: read by offset)."""
    try:
        when, model, pgh_id = text.split("~")
        moment = datetime.datetime.fromisoformat(when)
        number = int(pgh_id)
    except ValueError:
        return None
    if model not in BY_LABEL or moment.tzinfo is None:
        return None
    return moment, model, number


def log_entries(rows: list[tuple]) -> list[LogEntry]:
    """The page's events with who, why and what each changed from the previous snapshot: one query."""
    if not rows:
        return []
    ids_by_model: dict[str, list[int]] = {}
    for model, _when, pgh_id, _action, _object_id in rows:
        ids_by_model.setdefault(model, []).append(pgh_id)
    parts, params = [], []
    for model, ids in ids_by_model.items():
        table = BY_LABEL[model].event_table
        parts.append(
            f"(SELECT %s, e.pgh_id, to_jsonb(e), to_jsonb(p), c.metadata FROM {table} e"
            f" LEFT JOIN LATERAL (SELECT * FROM {table} prev WHERE prev.pgh_obj_id = e.pgh_obj_id"
            " AND prev.pgh_id < e.pgh_id ORDER BY prev.pgh_id DESC LIMIT 1) p ON e.pgh_label = 'update'"
            " LEFT JOIN pghistory_context c ON c.id = e.pgh_context_id WHERE e.pgh_id = ANY(%s))"
        )
        params += [model, ids]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        # Django's connection hands json back as text (JSONField decodes its own values).
        details = {
            (model, pgh_id): tuple(json.loads(value) if value else None for value in values)
            for model, pgh_id, *values in cursor
        }
    entries = []
    for model, when, pgh_id, action, object_id in rows:
        data, previous, context = details[(model, pgh_id)]
        context = context or {}
        audited = BY_LABEL[model]
        entries.append(
            LogEntry(
                model=model,
                model_name=audited.name,
                pgh_id=pgh_id,
                when=when,
                action=action,
                object_id=object_id,
                username=context.get("username", ""),
                reason=context.get("reason", ""),
                changes=_changes(audited.model, previous, data) if previous else [],
                history_url=record_url(audited.history_route, object_id) if audited.history_route else "",
            )
        )
    return entries


def _changes(model: type[Model], before: dict, after: dict) -> list[Change]:
    return [
        Change(verbose_field_name(model, name), before.get(name), value)
        for name, value in sorted(after.items())
        if not name.startswith("pgh_") and name not in HIDDEN and before.get(name) != value
    ]

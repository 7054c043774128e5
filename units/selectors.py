"""Reads for units: scoped, dated, and searchable without accents."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext

from accounts.scopes import unit_in, units_under
from rotation_registry.common.formatting import format_date
from rotation_registry.common.vietnamese import search_key
from units.models import Unit, UnitKind, UnitLineage

AUTOCOMPLETE_LIMIT = 15


def unit_search(*, user, text: str, on: datetime.date | None = None) -> QuerySet[Unit]:
    """Units the user may see whose name contains `text` (accents optional), shortest names first."""
    queryset = Unit.objects.visible_to(user).select_related("parent")
    if on is not None:
        queryset = queryset.valid_on(on)
    key = search_key(text)
    if key:
        queryset = queryset.filter(name_key__contains=key)
    return queryset.order_by("level", "sort_key")[:AUTOCOMPLETE_LIMIT]


def unit_label(unit: Unit) -> str:
    """A name with what makes it unique: the parent and, for a former unit, its end date."""
    label = unit.qualified_name()
    if unit.valid_to:
        label += gettext(" — đến %(day)s") % {"day": format_date(unit.valid_to)}
    return label


# --- The tree on a date, and a unit's page ---


@dataclass
class TreeNode:
    unit: Unit
    children: list[TreeNode] = field(default_factory=list)
    became: list[Unit] = field(default_factory=list)
    depth: int = 0

    def walk(self):
        """The node and everything under it, depth first, in the order the page lists them."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            for child in reversed(node.children):
                child.depth = node.depth + 1
                stack.append(child)


def tree_roots_for(user) -> list[Unit]:
    """Where the user's tree starts: the province for province-wide users, else their scope units."""
    from accounts.scopes import scope_paths

    paths = scope_paths(user)
    if paths is None:
        return list(Unit.objects.filter(kind=UnitKind.PROVINCE, parent__isnull=True).order_by("sort_key")[:100])
    return list(Unit.objects.filter(path__in=paths).order_by("path"))


# Only what the tree shows: a province has up to ~2,000 units on a date.
_TREE_FIELDS = ("pk", "parent_id", "name", "valid_to", "path", "sort_key")


def unit_tree(*, user, root: Unit, on: datetime.date) -> TreeNode:
    """The root and everything under it that existed on `on`, with what ended units became.

    Two queries whatever the size: the units (one prefix scan on the materialised path) and the
    lineage of those that have since ended.
    """
    units = list(
        Unit.objects.visible_to(user)
        .filter(path__startswith=root.path)
        .valid_on(on)
        .order_by("sort_key")
        .only(*_TREE_FIELDS)
    )
    nodes = {unit.pk: TreeNode(unit) for unit in units}
    ended = [unit.pk for unit in units if unit.valid_to is not None]
    if ended:
        successors = UnitLineage.objects.filter(predecessor_id__in=ended).select_related("successor")
        for link in successors.only("predecessor_id", "successor__name").order_by("successor__sort_key"):
            nodes[link.predecessor_id].became.append(link.successor)
    top = nodes.get(root.pk) or TreeNode(root)
    for unit in units:
        if unit.pk != root.pk and unit.parent_id in nodes:
            nodes[unit.parent_id].children.append(nodes[unit.pk])
    return top


def unit_get_for_user(*, user, pk: int) -> Unit:
    return get_object_or_404(Unit.objects.visible_to(user).select_related("parent"), pk=pk)


def holders_on(*, user, unit: Unit, on: datetime.date):
    """Who held a post in the unit (or a body under it) on a day."""
    from postings.models import OCCUPYING_STATUSES, Posting

    return (
        Posting.objects.visible_to(user)
        .filter(unit_in("dest_unit", units_under([unit.path]), indexed=True))
        .filter(status__in=OCCUPYING_STATUSES, start_date__lte=on)
        .filter(Q(actual_end__isnull=True) | Q(actual_end__gt=on))
        .select_related("cadre", "dest_unit")
        .order_by("dest_unit__sort_key", "cadre__sort_key")[:200]
    )


def moves_of(*, user, unit: Unit, incoming: bool, limit: int = 50):
    from postings.models import Posting

    side = "dest_unit" if incoming else "origin_unit"
    return (
        Posting.objects.visible_to(user)
        .filter(unit_in(side, units_under([unit.path]), indexed=True))
        .select_related("cadre", "decision")
        .order_by("-start_date", "-id")[:limit]
    )

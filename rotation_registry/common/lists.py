"""What every list page shares: filters that never crash, sorting from a whitelist, cheap pagination."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, F, Func, Model, QuerySet, Window
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rotation_registry.common import keyset
from rotation_registry.common.counting import capped_count
from rotation_registry.common.formatting import format_number
from rotation_registry.common.widgets import AutocompleteWidget

PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PAGE_SIZE = 25
# Counting every row of a large filtered list costs more than the page itself: count up to this.
COUNT_CAP = 10_000
# A page reached by its number alone (a typed or old link) is an OFFSET page, slower the deeper it is:
# past this page, ask the user to filter instead. Pages reached by "next"/"previous" are keyset pages,
# as fast at any depth (common/keyset.py), and have no limit.
MAX_PAGE = 400
# A list of at most this many rows is read by sorting its matches, found through the filters' indexes,
# rather than by walking an index in the list's order until a page of matches turns up: the walk is
# fast when matches are common, but when they are few or bunched (a province's district-to-district
# moves of 2021–2025 all lie before 1/7/2025), it reads through most of the index. Measured on 10^6
# postings: 285 matches, 94 ms walking the date index against 0,9 ms sorting them; 11,034 matches,
# 8,5 ms walking against 28 ms sorting. The count that decides is the one the page shows anyway.
FEW_ROWS = 2_000
INVALID_FILTER_NOTICE = _(
    "Một số điều kiện lọc không hợp lệ nên đã bỏ qua; danh sách hiển thị không lọc theo các điều kiện đó: "
)


@dataclass
class ListPage:
    rows: list
    number: int
    per_page: int
    has_next: bool
    total_text: str
    params: QueryDict
    # Keyset tokens of the last and first rows shown ("" when the ordering has no keyset).
    next_token: str = ""
    previous_token: str = ""
    at_offset_limit: bool = False

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def url_for(self, number: int, **token: str) -> str:
        params = self.params.copy()
        params.pop(keyset.AFTER, None)
        params.pop(keyset.BEFORE, None)
        params["page"] = str(number)
        for name, value in token.items():
            if value:
                params[name] = value
        return f"?{params.urlencode()}"

    @property
    def next_url(self) -> str:
        return self.url_for(self.number + 1, after=self.next_token)

    @property
    def previous_url(self) -> str:
        if self.number - 1 == 1:
            return self.url_for(1)  # the first page needs no key
        return self.url_for(self.number - 1, before=self.previous_token)


def _positive_int(value: str | None, default: int) -> int:
    try:
        number = int(value or default)
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default


def _page_asked(params: QueryDict) -> tuple[int, int]:
    """(rows per page, page number) as the URL asks, or the defaults where it asks for nonsense."""
    per_page = _positive_int(params.get("per_page"), DEFAULT_PAGE_SIZE)
    if per_page not in PAGE_SIZES:
        per_page = DEFAULT_PAGE_SIZE
    return per_page, _positive_int(params.get("page"), 1)


def _total_text(counted: int) -> str:
    if counted > COUNT_CAP:
        return gettext("hơn %(count)s") % {"count": format_number(COUNT_CAP)}
    return format_number(counted)


def paginate_rows(read: Callable[[int, int, str], list], params: QueryDict, token_of: Callable) -> ListPage:
    """A page of a list that is not a queryset, and is not counted: `read(offset, limit, after)` gives its rows
    from an OFFSET, or after the row whose `token_of(row)` is `after` (the "next" links: as fast at any depth).
    A page asked for by number alone is read with OFFSET, up to MAX_PAGE."""
    per_page, number = _page_asked(params)
    after = params.get(keyset.AFTER, "") if number > 1 else ""
    if not after:
        number = min(number, MAX_PAGE)
    rows = read((number - 1) * per_page, per_page + 1, after)
    has_next = len(rows) > per_page and (number < MAX_PAGE or bool(after))
    rows = rows[:per_page]
    return ListPage(
        rows=rows,
        number=number,
        per_page=per_page,
        has_next=has_next,
        total_text="",
        params=params,
        next_token=token_of(rows[-1]) if rows else "",
        at_offset_limit=not after and number >= MAX_PAGE,
    )


def paginate(queryset: QuerySet, params: QueryDict, *, count_with_page: bool = False) -> ListPage:
    """One page of the list plus one row to know whether more follow.

    A page reached by "next" or "previous" continues from the row it came from (keyset, `?after=` /
    `?before=`): as fast on page 500 as on page 1. A page asked for by number alone is read with OFFSET,
    up to MAX_PAGE.

    The total is counted only up to COUNT_CAP ("hơn 10.000" beyond): an exact COUNT(*) over a
    large filtered table would cost more than the page. A list in a plain field order is counted
    before its page is read, because a short list is read another way (FEW_ROWS); a list in any
    other order that fits on its first page is not counted: its rows are the total. `count_with_page`
    (a name search with few matches, found by an expensive scan) counts the matches in the same scan
    that picks the page, instead of scanning twice.
    """
    per_page, number = _page_asked(params)
    keys = keyset.sort_keys(queryset)
    counted = None
    if keys and not count_with_page:  # counted first: how many rows match decides how the page is read
        counted = capped_count(queryset, COUNT_CAP)
    few = count_with_page or (counted is not None and counted <= FEW_ROWS)
    rows, total, has_next, by_offset = None, None, False, False
    if keys and number > 1:
        rows, has_next = _keyset_rows(queryset, keys, params, per_page, few=few)
        if rows == []:
            number = 1  # back at the start, or nothing left after a stale link: show the first page
            rows = None
    if rows is None:
        by_offset = True
        number = min(number, MAX_PAGE)
        offset = (number - 1) * per_page
        if count_with_page and _joins_for_the_page(queryset):
            rows, total = _page_rows_with_total(queryset, offset, per_page + 1)
        else:
            rows = _page_rows(queryset, offset, per_page + 1, few=few)
        has_next = len(rows) > per_page and number < MAX_PAGE
        rows = rows[:per_page]
    if counted is None:
        if number == 1 and not has_next:
            counted = len(rows)  # the whole list is on this page: nothing left to count
        elif total is not None:
            counted = total
        else:
            counted = capped_count(queryset, COUNT_CAP)
    return ListPage(
        rows=rows,
        number=number,
        per_page=per_page,
        has_next=has_next,
        total_text=_total_text(counted),
        params=params,
        next_token=keyset.encode(keys, rows[-1]) if keys and rows else "",
        previous_token=keyset.encode(keys, rows[0]) if keys and rows else "",
        at_offset_limit=by_offset and number >= MAX_PAGE,
    )


def _keyset_rows(queryset: QuerySet, keys, params: QueryDict, per_page: int, *, few: bool) -> tuple[list | None, bool]:
    """(rows, has_next) of the page after `?after=` or before `?before=`; (None, False) without a usable token."""
    backwards = bool(params.get(keyset.BEFORE)) and not params.get(keyset.AFTER)
    token = params.get(keyset.BEFORE if backwards else keyset.AFTER)
    values = keyset.decode(keys, token) if token else None
    sought = keyset.seek(queryset, keys, values, backwards=backwards) if values is not None else None
    if sought is None:
        return None, False
    rows = _page_rows(sought, 0, per_page + 1, few=few)
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        if not more:
            return [], False  # no full page before: the caller shows the first page
        # Walking back: the rows came in reverse order, and the page we came from follows them.
        return rows[::-1], True
    return rows, more


def _page_rows(queryset: QuerySet, offset: int, limit: int, *, few: bool = False) -> list:
    """The rows of one page, in the queryset's order (`few`: a short list, see FEW_ROWS).

    With joined relations (select_related), the page's ids are chosen first, from the filtered table
    alone, and only those rows are joined: otherwise PostgreSQL may join every matching row (19,000
    for one province) to its cadre and decision before sorting and cutting the page, spilling wide
    rows to disk.
    """
    ordered = in_page_order(queryset, few=few)
    if not _joins_for_the_page(queryset):
        return list(ordered[offset : offset + limit])
    return list(_rows_by_id(queryset, ordered.values("pk")[offset : offset + limit]))


def in_page_order(queryset: QuerySet, *, few: bool) -> QuerySet:
    """The list in its order as its pages are read: a short list (`few`) sorted after the filters found it,
    its first sort key wrapped in COALESCE(x, x) so that no index can give the order; else as it is."""
    keys = keyset.sort_keys(queryset) if few else None
    if not keys:
        return queryset
    first, *rest = keys
    leading = Func(F(first.path), F(first.path), function="COALESCE")  # equal to x, but not x's index
    return queryset.order_by(
        leading.desc() if first.descending else leading.asc(),
        *(f"-{key.path}" if key.descending else key.path for key in rest),
    )


def _rows_by_id(queryset: QuerySet, ids) -> QuerySet:
    """The rows with these ids (a list or a subquery), joined and ordered as `queryset`, without its WHERE:
    the ids were chosen by it, and the planner, given the filters again, may run them again over the
    table (a name search's trigram scan, 15 ms, beside the 26 primary-key lookups)."""
    query = queryset.query
    if query.annotations or query.extra or query.distinct:
        return queryset.filter(pk__in=ids)  # the rows' own values depend on the query: keep it whole
    rows = queryset.model._base_manager.filter(pk__in=ids)
    rows.query.select_related = copy.deepcopy(query.select_related)
    rows.query.deferred_loading = copy.deepcopy(query.deferred_loading)
    rows._prefetch_related_lookups = queryset._prefetch_related_lookups
    return rows.order_by(*(query.order_by or queryset.model._meta.ordering))


def _joins_for_the_page(queryset: QuerySet) -> bool:
    query = queryset.query
    return bool(query.select_related) and not (query.distinct or query.combinator or query.values_select)


def _page_rows_with_total(queryset: QuerySet, offset: int, limit: int) -> tuple[list, int | None]:
    """The page's ids and the number of matches from one scan (a window COUNT; every match is read, so the
    list is sorted as a short one), then the page's rows."""
    counted = in_page_order(queryset, few=True).annotate(_matches=Window(Count("pk"))).values_list("pk", "_matches")
    picked = list(counted[offset : offset + limit])
    if not picked:
        return [], None  # past the end: the caller counts
    return list(_rows_by_id(queryset, [pk for pk, _ in picked])), picked[0][1]


def filtered(filterset_class, params: QueryDict, queryset: QuerySet, **kwargs):
    """Apply a FilterSet; invalid parameters are dropped with a notice, never a server error."""
    filterset = filterset_class(params, queryset=queryset, **kwargs)
    if filterset.is_valid():
        _show_chosen_objects(filterset)
        return filterset, filterset.qs, ""
    bad = sorted(filterset.errors)
    cleaned = params.copy()
    for name in bad:
        cleaned.pop(name, None)
    retry = filterset_class(cleaned, queryset=queryset, **kwargs)
    labels = [str(filterset.filters[name].label or name) for name in bad if name in filterset.filters]
    notice = str(INVALID_FILTER_NOTICE) + ", ".join(labels) + "."
    if not retry.is_valid():
        return retry, queryset, notice
    _show_chosen_objects(retry)
    return retry, retry.qs, notice


def _show_chosen_objects(filterset) -> None:
    """Hand each search box the object its filter already read, so its label costs no second query."""
    for name, field in filterset.form.fields.items():
        chosen = filterset.form.cleaned_data.get(name)
        if isinstance(field.widget, AutocompleteWidget) and isinstance(chosen, Model):
            field.widget.chosen = chosen


def sorted_by(
    queryset: QuerySet, params: QueryDict, choices: dict[str, list[str]], default: str
) -> tuple[QuerySet, str]:
    """Order by a whitelisted key (`?sort=name` / `?sort=-name`); anything else means the default."""
    requested = params.get("sort") or default
    key = requested.removeprefix("-")
    if key not in choices:
        requested, key = default, default.removeprefix("-")
    fields = choices[key]
    if requested.startswith("-"):
        fields = [f[1:] if f.startswith("-") else f"-{f}" for f in fields]
    return queryset.order_by(*fields), requested

"""Filters of the posting and decision lists; the same FilterSets serve the pages and their exports."""

from __future__ import annotations

import datetime
import re
from functools import reduce
from operator import or_

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.scopes import unit_in, units_under
from cadres.filters import (
    AGE_BANDS,
    QUALIFICATION_CHOICES,
    QUALIFICATION_GROUPS,
    THEORY_CHOICES,
    THEORY_GROUPS,
    filter_age_band,
    minority_q,
    units_reached,
)
from cadres.models import ManagementCategory, Sex
from postings.directions import Direction
from postings.models import (
    OCCUPYING_STATUSES,
    Decision,
    DecisionStatus,
    Posting,
    PostingKind,
    PostingPurpose,
    PostingStatus,
)
from rotation_registry.common.filters import CatalogueChoiceFilter, SidebarMixin
from rotation_registry.common.vietnamese import search_key
from rotation_registry.common.widgets import AutocompleteWidget
from units.filters import unit_filter
from units.models import Level, PositionTitle, Term, Unit, UnitKind, UnitLineage

# --- Helpers of the statistics drill-downs (reports/statistics counts with the same definitions) ---


def _split_directions(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def directions_validator(value: str) -> None:
    unknown = [part for part in _split_directions(value) if part not in Direction.values]
    if unknown:
        raise ValidationError(_("Không có hướng luân chuyển: %(codes)s."), params={"codes": ", ".join(unknown)})


# Departments, agencies and mass organisations: the "phòng, ban" a cadre is rotated from to a key post.
DEPARTMENT_KINDS = (UnitKind.BOARD, UnitKind.AGENCY, UnitKind.MASS_ORGANISATION)
GROUP_SPEC = re.compile(r"^(\d+):(\d+|_root|_out|_none|_gone):(period|current)$")
ROOT, OUTSIDE, NO_UNIT, GONE = "_root", "_out", "_none", "_gone"


def group_validator(value: str) -> None:
    if not GROUP_SPEC.match(value.strip()):
        raise ValidationError(_("Nhóm đơn vị không hợp lệ (dạng <đơn vị gốc>:<nhóm>:period|current)."))


class UnitGroups:
    """The units of a statistics scope, grouped under the units one level below its root.

    The root is the scope's unit (None: everything, grouped by the top-level units). A group is a
    unit under the root at another level (a district under a province, a commune under a district),
    with everything under it; the root's own-level bodies (Tỉnh ủy, sở, ban…) form the group ROOT.
    "As they were" (period): every such unit, ended or not, is a group. "Today's structure"
    (current): only units still in force are groups, and each also gathers the units it succeeded
    through the lineage (transitively, every predecessor, as a scope does); a unit that split counts
    in each successor, and one with no successor today falls in GONE.
    """

    def __init__(self, root: Unit | None, *, current: bool) -> None:
        self.root, self.current = root, current
        predecessors: dict[int, set[int]] = {}
        if current:
            for before, after in UnitLineage.objects.values_list("predecessor_id", "successor_id"):
                predecessors.setdefault(after, set()).add(before)

        def closure(unit_id: int) -> set[int]:
            found, frontier = {unit_id}, {unit_id}
            while frontier:
                frontier = {p for u in frontier for p in predecessors.get(u, ())} - found
                found |= frontier
            return found

        rows = Unit.objects.order_by().values_list("pk", "path", "level", "name", "parent_id", "valid_to")
        if root is not None:
            root_ids = closure(root.pk)
            prefixes = list(Unit.objects.filter(pk__in=root_ids).values_list("path", flat=True))
            rows = rows.filter(reduce(or_, (Q(path__startswith=p) for p in prefixes)))
        units = list(rows)
        self.labels: dict[str, str] = {}
        owner: dict[int, set[str]] = {}
        for pk, _path, level, name, parent_id, valid_to in units:
            is_candidate = parent_id == root.pk and level != root.level if root else parent_id is None
            if is_candidate and not (current and valid_to is not None):
                self.labels[str(pk)] = name
                for member in closure(pk):
                    owner.setdefault(member, set()).add(str(pk))
        self.of_unit: dict[int, tuple[str, ...]] = {}
        for pk, path, level, _name, _parent_id, _valid_to in units:
            keys: set[str] = set()
            for ancestor in path.strip("/").split("/"):
                keys |= owner.get(int(ancestor), set())
            if not keys:
                keys = {ROOT if root is not None and level == root.level else GONE}
            self.of_unit[pk] = tuple(sorted(keys))
        if root is not None:
            self.labels[ROOT] = f"Cấp {root.get_level_display().lower()} ({root.name})"
        self.labels[GONE] = "Đơn vị không còn, không có đơn vị kế thừa hiện nay"
        self.labels[OUTSIDE] = "Ngoài phạm vi đơn vị"
        self.labels[NO_UNIT] = "Không ghi đơn vị"

    def keys_for(self, unit_id: int | None) -> tuple[str, ...]:
        if unit_id is None:
            return (NO_UNIT,)
        return self.of_unit.get(unit_id, (OUTSIDE,))

    def condition(self, field: str, key: str) -> Q:
        """The postings whose unit `field` (origin_unit, dest_unit) falls in group `key`."""
        if key == NO_UNIT:
            return Q(**{f"{field}__isnull": True})
        if key == OUTSIDE:
            return Q(**{f"{field}__isnull": False}) & ~Q(**{f"{field}__in": sorted(self.of_unit)})
        return Q(**{f"{field}__in": sorted(pk for pk, keys in self.of_unit.items() if key in keys)})


def group_spec(root: Unit | None, key: str, current: bool) -> str:
    return f"{root.pk if root else 0}:{key}:{'current' if current else 'period'}"


def group_condition(field: str, spec: str) -> Q:
    root_id, key, structure = GROUP_SPEC.match(spec.strip()).groups()
    root = None
    if root_id != "0":
        root = Unit.objects.filter(pk=int(root_id)).first()
        if root is None:
            return Q(pk__in=[])
    return UnitGroups(root, current=structure == "current").condition(field, key)


def on_rotation_q(day: datetime.date, ending_within: int | None = None, overdue: bool = False) -> Q:
    """On rotation on `day`: started by then and not ended before it (the end day is the next post's).

    ending_within: and due to end (planned) within that many days from `day`; overdue: and past the
    planned end without having ended.
    """
    condition = Q(start_date__lte=day) & (Q(actual_end__isnull=True) | Q(actual_end__gt=day))
    if ending_within is not None:
        condition &= Q(planned_end__gte=day, planned_end__lte=day + datetime.timedelta(days=int(ending_within)))
    if overdue:
        condition &= Q(planned_end__lt=day)
    return condition


def plan_target_q(target_id: int) -> Q:
    """Postings that carried out a plan's target: linked from the plan's list, in the target's
    direction, to its unit (or under it) and its title, whichever of these the target sets."""
    from plans.models import PlanEntry, PlanTarget

    target = PlanTarget.objects.filter(pk=target_id).select_related("dest_unit").first()
    if target is None:
        return Q(pk__in=[])
    linked = PlanEntry.objects.filter(plan_id=target.plan_id, posting__isnull=False).values("posting_id")
    condition = Q(pk__in=linked)
    if target.direction:
        condition &= Q(direction=target.direction)
    if target.dest_unit_id:
        condition &= Q(dest_unit__in=units_under([target.dest_unit.path]))
    if target.dest_title_id:
        condition &= Q(dest_position__title_id=target.dest_title_id)
    return condition


class PostingFilterSet(SidebarMixin, django_filters.FilterSet):
    sidebar = (
        "q",
        "unit",
        "level",
        "direction",
        "kind",
        "purpose",
        "status",
        "term",
        "start_from",
        "start_to",
        "title",
        "sex",
        "ethnicity",
        "age_band",
        "management_category",
        "plan",
    )
    q = django_filters.CharFilter(method="search", label=_("Họ tên cán bộ (gõ không dấu được)"))
    unit = unit_filter(_("Đơn vị đi hoặc đến (gồm đơn vị trực thuộc)"), "in_unit")
    level = django_filters.ChoiceFilter(choices=Level.choices, field_name="dest_unit__level", label=_("Cấp nơi đến"))
    direction = django_filters.ChoiceFilter(choices=Direction.choices, label=_("Hướng luân chuyển"))
    kind = django_filters.ChoiceFilter(choices=PostingKind.choices, label=_("Hình thức"))
    purpose = django_filters.ChoiceFilter(choices=PostingPurpose.choices, label=_("Mục đích"))
    status = django_filters.ChoiceFilter(choices=PostingStatus.choices, label=_("Trạng thái"))
    term = CatalogueChoiceFilter(queryset=Term.objects.all(), method="in_term", label=_("Nhiệm kỳ, giai đoạn"))
    start_from = django_filters.DateFilter(field_name="start_date", lookup_expr="gte", label=_("Bắt đầu từ ngày"))
    start_to = django_filters.DateFilter(field_name="start_date", lookup_expr="lte", label=_("Bắt đầu đến ngày"))
    title = CatalogueChoiceFilter(
        queryset=PositionTitle.objects.all(), field_name="dest_position__title", label=_("Chức danh nơi đến")
    )
    sex = django_filters.ChoiceFilter(choices=Sex.choices, field_name="cadre__sex", label=_("Giới tính"))
    ethnicity = django_filters.CharFilter(field_name="cadre__ethnicity", lookup_expr="iexact", label=_("Dân tộc"))
    age_band = django_filters.ChoiceFilter(choices=AGE_BANDS, method="by_age_band", label=_("Độ tuổi (khi bắt đầu)"))
    management_category = django_filters.ChoiceFilter(
        choices=ManagementCategory.choices, field_name="cadre__management_category", label=_("Diện quản lý")
    )
    plan = django_filters.NumberFilter(method="in_plan", label=_("Thuộc kế hoạch (mã)"))
    # --- Drill-downs of the statistics (reports/statistics): each figure's exact rows ---
    counted = django_filters.BooleanFilter(
        method="only_counted", label=_("Chỉ lượt được thống kê (đang thực hiện, đã kết thúc; chức vụ chính)")
    )
    unit_lineage = unit_filter(_("Đơn vị đi hoặc đến theo cơ cấu hiện nay (gồm đơn vị tiền thân)"), "in_unit_lineage")
    direction_not = django_filters.CharFilter(
        method="not_in_directions",
        label=_("Trừ các hướng (mã, cách nhau dấu phẩy)"),
        validators=[directions_validator],
    )
    minority = django_filters.BooleanFilter(method="ethnic_minority", label=_("Dân tộc thiểu số"))
    religion = django_filters.BooleanFilter(method="has_religion", label=_("Có tôn giáo"))
    adds_title = django_filters.BooleanFilter(field_name="adds_title", label=_("Tăng thêm chức danh"))
    age_on = django_filters.DateFilter(method="noop", label=_("Tính tuổi vào ngày"))
    qualification = django_filters.ChoiceFilter(
        choices=QUALIFICATION_CHOICES, method="by_qualification", label=_("Trình độ chuyên môn")
    )
    theory = django_filters.ChoiceFilter(choices=THEORY_CHOICES, method="by_theory", label=_("Lý luận chính trị"))
    title_missing = django_filters.BooleanFilter(
        field_name="dest_position", lookup_expr="isnull", label=_("Chưa gắn chức danh nơi đến")
    )
    origin_group = django_filters.CharFilter(
        method="in_origin_group", label=_("Nhóm đơn vị nơi đi (thống kê)"), validators=[group_validator]
    )
    dest_group = django_filters.CharFilter(
        method="in_dest_group", label=_("Nhóm đơn vị nơi đến (thống kê)"), validators=[group_validator]
    )
    on_rotation = django_filters.DateFilter(method="on_rotation_on", label=_("Đang luân chuyển vào ngày"))
    ending_within = django_filters.NumberFilter(
        method="noop", label=_("… và hết hạn trong số ngày tới"), min_value=0, max_value=3650
    )
    overdue = django_filters.BooleanFilter(method="noop", label=_("… và đã quá hạn"))
    plan_target = django_filters.NumberFilter(method="in_plan_target", label=_("Thực hiện chỉ tiêu kế hoạch (mã)"))
    origin_unit = unit_filter(_("Đơn vị nơi đi (gồm đơn vị trực thuộc)"), "in_origin_unit")
    origin_unit_lineage = unit_filter(_("Đơn vị nơi đi theo cơ cấu hiện nay (gồm đơn vị tiền thân)"), "in_origin_unit")
    from_department = django_filters.BooleanFilter(
        method="from_a_department", label=_("Nơi đi là phòng, ban, cơ quan, đoàn thể")
    )
    dest_key_post = django_filters.BooleanFilter(
        field_name="dest_position__title__is_key", label=_("Nơi đến là chức danh chủ chốt")
    )
    origin_head = django_filters.BooleanFilter(
        field_name="origin_position__title__is_head", label=_("Nơi đi là chức danh cấp trưởng")
    )

    class Meta:
        model = Posting
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(cadre__search_key__contains=search_key(value)) if value.strip() else queryset

    def in_unit(self, queryset, name, unit):
        if unit.parent_id is None:
            # A province (or a central body): everything under it is one equality on the root columns, which
            # the planner estimates well enough to read the list in date order (postings/migrations/0011).
            return queryset.filter(Q(origin_root=unit.pk) | Q(dest_root=unit.pk))
        # On the foreign keys, through the units under the chosen one: both sides' indexes answer it.
        units = units_under([unit.path])
        return queryset.filter(unit_in("origin_unit", units, indexed=True) | unit_in("dest_unit", units, indexed=True))

    def in_term(self, queryset, name, term):
        return queryset.filter(start_date__gte=term.start, start_date__lte=term.end)

    def by_age_band(self, queryset, name, value):
        # The age band of a move is the cadre's age when it started; the list filters on today's date
        # for simplicity of the SQL, so "on a date" is the start_to date when given.
        day = self.form.cleaned_data.get("age_on") or self.form.cleaned_data.get("start_to")
        return filter_age_band(queryset, "cadre__", value, day)

    def in_plan(self, queryset, name, value):
        from plans.models import PlanEntry

        return queryset.filter(pk__in=PlanEntry.objects.filter(plan_id=value).values("posting_id"))

    # --- Drill-downs of the statistics ---

    def noop(self, queryset, name, value):
        return queryset  # read by another filter's method

    def only_counted(self, queryset, name, value):
        if value is None:
            return queryset
        counted = Q(status__in=OCCUPYING_STATUSES, is_primary=True)
        return queryset.filter(counted) if value else queryset.exclude(counted)

    def in_unit_lineage(self, queryset, name, unit):
        units = units_reached(unit, lineage=True)
        return queryset.filter(unit_in("origin_unit", units, indexed=True) | unit_in("dest_unit", units, indexed=True))

    def not_in_directions(self, queryset, name, value):
        return queryset.exclude(direction__in=_split_directions(value)) if value.strip() else queryset

    def ethnic_minority(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(minority_q("cadre__")) if value else queryset.exclude(minority_q("cadre__"))

    def has_religion(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(cadre__religion="") if value else queryset.filter(cadre__religion="")

    def by_qualification(self, queryset, name, value):
        return queryset.filter(cadre__professional_level__in=QUALIFICATION_GROUPS[value][1])

    def by_theory(self, queryset, name, value):
        return queryset.filter(cadre__political_theory__in=THEORY_GROUPS[value][1])

    def in_origin_group(self, queryset, name, value):
        return queryset.filter(group_condition("origin_unit", value))

    def in_dest_group(self, queryset, name, value):
        return queryset.filter(group_condition("dest_unit", value))

    def on_rotation_on(self, queryset, name, day):
        data = self.form.cleaned_data
        return queryset.filter(on_rotation_q(day, data.get("ending_within"), bool(data.get("overdue"))))

    def in_plan_target(self, queryset, name, value):
        return queryset.filter(plan_target_q(int(value)))

    def in_origin_unit(self, queryset, name, unit):
        units = units_reached(unit, lineage=name == "origin_unit_lineage")
        return queryset.filter(unit_in("origin_unit", units, indexed=True))

    def from_a_department(self, queryset, name, value):
        if value is None:
            return queryset
        condition = Q(origin_unit__kind__in=DEPARTMENT_KINDS)
        return queryset.filter(condition) if value else queryset.exclude(condition)


class DecisionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Số, ký hiệu hoặc trích yếu"))
    issuing_unit = django_filters.ModelChoiceFilter(
        queryset=Unit.objects.all(),
        widget=AutocompleteWidget("units:autocomplete", Unit),
        label=_("Cơ quan ban hành"),
    )
    status = django_filters.ChoiceFilter(choices=DecisionStatus.choices, label=_("Trạng thái"))
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("Từ ngày"))
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("Đến ngày"))
    term = CatalogueChoiceFilter(
        queryset=Term.objects.filter(kind="congress"), field_name="congress_term", label=_("Nhiệm kỳ")
    )

    class Meta:
        model = Decision
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(symbol__icontains=value) | Q(summary__icontains=value)) if value else queryset

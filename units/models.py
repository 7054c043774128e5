"""The organisation the registry describes: effective-dated units, their lineage, and terms."""

from __future__ import annotations

import datetime

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _

from rotation_registry.common.audit import audited
from rotation_registry.common.vietnamese import normalize_text, search_key, word_sort_key

# The day the district level ended (Nghị quyết 202/2025/QH15 and the 2025 local-government law).
REORGANISATION_DATE = datetime.date(2025, 7, 1)


class DateRange(Func):
    """PostgreSQL daterange(lower, upper, bounds); a NULL bound is open (infinite)."""

    function = "daterange"
    output_field = DateRangeField()


def validity_range(lower: str, upper: str) -> DateRange:
    # Both ends are inclusive days: a unit valid_to 30/6/2025 and its successor valid_from 1/7/2025 touch.
    return DateRange(lower, upper, models.Value("[]"))


class Level(models.TextChoices):
    CENTRAL = "central", _("Trung ương")
    PROVINCE = "province", _("Tỉnh")
    DISTRICT = "district", _("Huyện")
    COMMUNE = "commune", _("Xã")


class UnitKind(models.TextChoices):
    # Territories (from the reference data package).
    PROVINCE = "province", _("Tỉnh, thành phố trực thuộc Trung ương")
    DISTRICT = "district", _("Huyện, quận, thị xã, thành phố thuộc tỉnh")
    COMMUNE = "commune", _("Xã, phường, thị trấn, đặc khu")
    # Bodies of the political system, placed under a territory or another body.
    CENTRAL_BODY = "central_body", _("Cơ quan Trung ương")
    PARTY_COMMITTEE = "party_committee", _("Cấp ủy Đảng")
    PEOPLES_COMMITTEE = "peoples_committee", _("Ủy ban nhân dân")
    PEOPLES_COUNCIL = "peoples_council", _("Hội đồng nhân dân")
    BOARD = "board", _("Ban, phòng, sở, ngành")
    AGENCY = "agency", _("Cơ quan, đơn vị")
    MASS_ORGANISATION = "mass_organisation", _("Mặt trận, đoàn thể")


TERRITORY_KINDS = {UnitKind.PROVINCE, UnitKind.DISTRICT, UnitKind.COMMUNE}
TERRITORY_LEVEL = {
    UnitKind.PROVINCE: Level.PROVINCE,
    UnitKind.DISTRICT: Level.DISTRICT,
    UnitKind.COMMUNE: Level.COMMUNE,
}
# The bodies that lead a territory: a scope given on them reaches the whole territory.
LEADING_KINDS = {UnitKind.PARTY_COMMITTEE, UnitKind.PEOPLES_COMMITTEE, UnitKind.PEOPLES_COUNCIL}


class UnitQuerySet(models.QuerySet):
    def valid_on(self, day: datetime.date) -> UnitQuerySet:
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )

    def under(self, unit: Unit) -> UnitQuerySet:
        """The unit and everything below it (through the materialised path)."""
        return self.filter(path__startswith=unit.path)

    def visible_to(self, user) -> UnitQuerySet:
        from accounts.scopes import scope_filter

        return self.filter(scope_filter(user, "path"))


@audited()
class Unit(models.Model):
    """A body or territory of the political system, valid for a date range.

    A rename, merger or split ends a unit and starts another; UnitLineage links them, so
    nothing that pointed at the old unit is rewritten.
    """

    kind = models.CharField(_("loại đơn vị"), max_length=24, choices=UnitKind.choices)
    level = models.CharField(_("cấp"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    name = models.CharField(_("tên"), max_length=255)
    short_name = models.CharField(_("tên ngắn"), max_length=120, blank=True)
    abbreviation = models.CharField(
        _("ký hiệu trên văn bản"), max_length=20, blank=True, help_text=_("Ví dụ: TU, HU, ĐU, BTCTU")
    )
    official_code = models.CharField(_("mã hành chính"), max_length=10, blank=True)
    scheme = models.CharField(
        _("bộ mã"), max_length=12, blank=True, help_text=_("legacy: trước 1/7/2025; 2025: từ 1/7/2025")
    )
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    # Materialised path "/<id>/<id>/" so "everything under a unit" is one indexed prefix match.
    path = models.CharField(max_length=255, editable=False, db_collation="C", db_index=True)
    name_key = models.CharField(max_length=255, editable=False, db_index=True)
    sort_key = models.CharField(max_length=400, editable=False, db_collation="C")

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        ordering = ["sort_key"]
        indexes = [
            models.Index(fields=["official_code", "scheme"]),
            GinIndex(fields=["name_key"], opclasses=["gin_trgm_ops"], name="unit_name_key_trgm"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_from__lte=F("valid_to")),
                name="unit_valid_dates_in_order",
                violation_error_message=_("Ngày hết hiệu lực của đơn vị phải sau ngày bắt đầu hiệu lực."),
            ),
            # The same unit (same parent, kind and name) never exists twice at the same time.
            # Units with an official code are told apart by the code instead: the national data has
            # two communes named "Xã Đông Khê" under one city, and pairs such as Sa Pa / Sa Pả.
            ExclusionConstraint(
                name="unit_no_overlapping_self",
                expressions=[
                    ("parent", RangeOperators.EQUAL),
                    ("kind", RangeOperators.EQUAL),
                    ("name_key", RangeOperators.EQUAL),
                    (validity_range("valid_from", "valid_to"), RangeOperators.OVERLAPS),
                ],
                condition=Q(official_code=""),
                violation_error_message=(
                    _("Đơn vị cùng tên, cùng loại, cùng cấp trên đã có hiệu lực trong khoảng thời gian này.")
                ),
            ),
            # An official code names one unit at a time (codes were reused, but never concurrently).
            ExclusionConstraint(
                name="unit_code_not_reused_concurrently",
                expressions=[
                    ("kind", RangeOperators.EQUAL),
                    ("official_code", RangeOperators.EQUAL),
                    (validity_range("valid_from", "valid_to"), RangeOperators.OVERLAPS),
                ],
                condition=~Q(official_code=""),
                violation_error_message=_("Mã hành chính này đang được đơn vị khác dùng trong cùng thời gian."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name = normalize_text(self.name)
        self.short_name = normalize_text(self.short_name)
        self.name_key = search_key(self.name)
        self.sort_key = word_sort_key(self.name)
        # A territory's level follows its kind; a body's level is its parent's (design §3).
        if self.kind in TERRITORY_LEVEL:
            self.level = TERRITORY_LEVEL[self.kind]
        elif self.parent_id and not self.level:
            self.level = self.parent.level
        super().save(*args, **kwargs)
        expected = f"{self.parent.path if self.parent_id else '/'}{self.pk}/"
        if self.path != expected:
            self.path = expected
            super().save(update_fields=["path"])

    @property
    def is_territory(self) -> bool:
        return self.kind in TERRITORY_KINDS

    def is_valid_on(self, day: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    def qualified_name(self) -> str:
        """The name with its parent, since names repeat (four units are called Chi Lăng in Lạng Sơn)."""
        return f"{self.name} ({self.parent.name})" if self.parent_id else self.name


class LineageEvent(models.TextChoices):
    MERGE = "merge", _("Hợp nhất, sáp nhập")
    SPLIT = "split", _("Chia tách")
    RENAME = "rename", _("Đổi tên")
    UPGRADE = "upgrade", _("Nâng cấp, chuyển loại")
    CONTINUATION = "continuation", _("Tiếp nối")


@audited()
class UnitLineage(models.Model):
    """predecessor -> successor: how a unit that ended lives on (merged, split, renamed)."""

    predecessor = models.ForeignKey(
        Unit, verbose_name=_("đơn vị cũ"), on_delete=models.PROTECT, related_name="successor_links"
    )
    successor = models.ForeignKey(
        Unit, verbose_name=_("đơn vị mới"), on_delete=models.PROTECT, related_name="predecessor_links"
    )
    event = models.CharField(_("sự kiện"), max_length=16, choices=LineageEvent.choices)
    date = models.DateField(_("ngày hiệu lực"))
    legal_basis = models.CharField(_("căn cứ pháp lý"), max_length=255, blank=True)
    is_default = models.BooleanField(
        _("nơi kế thừa chính"), default=True, help_text=_("Khi đơn vị cũ chia về nhiều nơi, nơi nhận phần chính.")
    )

    class Meta:
        verbose_name = _("kế thừa đơn vị")
        verbose_name_plural = _("kế thừa đơn vị")
        ordering = ["date", "predecessor_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor"],
                name="lineage_unique_pair",
                violation_error_message=_("Quan hệ kế thừa này đã có."),
            ),
            models.CheckConstraint(
                condition=~Q(predecessor=F("successor")),
                name="lineage_not_self",
                violation_error_message=_("Một đơn vị không thể kế thừa chính nó."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.get_event_display()})"


class TermKind(models.TextChoices):
    CONGRESS = "congress", _("Nhiệm kỳ đại hội")
    PLAN = "plan", _("Giai đoạn kế hoạch")


@audited()
class Term(models.Model):
    """A named date range used as a statistics dimension (nhiệm kỳ, giai đoạn)."""

    kind = models.CharField(_("loại"), max_length=12, choices=TermKind.choices)
    name = models.CharField(_("tên"), max_length=40)
    start = models.DateField(_("từ ngày"))
    end = models.DateField(_("đến ngày"))

    class Meta:
        verbose_name = _("nhiệm kỳ, giai đoạn")
        verbose_name_plural = _("nhiệm kỳ, giai đoạn")
        ordering = ["kind", "start"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "name"],
                name="term_unique_name",
                violation_error_message=_("Tên nhiệm kỳ/giai đoạn đã có."),
            ),
            models.CheckConstraint(
                condition=Q(start__lt=F("end")),
                name="term_dates_in_order",
                violation_error_message=_("Ngày bắt đầu phải trước ngày kết thúc."),
            ),
            # Congress terms follow one another: a date belongs to exactly one.
            ExclusionConstraint(
                name="congress_terms_do_not_overlap",
                expressions=[(validity_range("start", "end"), RangeOperators.OVERLAPS)],
                condition=Q(kind="congress"),
                violation_error_message=_("Các nhiệm kỳ đại hội không được chồng lấn nhau."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"

    @classmethod
    def congress_term_on(cls, day: datetime.date) -> Term | None:
        return cls.objects.filter(kind=TermKind.CONGRESS, start__lte=day, end__gte=day).first()


# --- Position titles and positions ---


@audited()
class PositionTitle(models.Model):
    """A title (chức danh) such as Bí thư or Trưởng phòng, with the flags the rules need."""

    name = models.CharField(_("tên chức danh"), max_length=120, unique=True)
    is_key = models.BooleanField(_("chức danh chủ chốt"), default=False)
    is_head = models.BooleanField(_("cấp trưởng"), default=False)
    # Higher is more senior within one level; the level of the unit adds to it (see rank_at).
    rank = models.PositiveSmallIntegerField(_("thứ bậc"), default=0)
    # Titles whose holder must not be a local person (QĐ 65 Điều 4.2, Chỉ thị 45).
    requires_non_local = models.BooleanField(_("bố trí không là người địa phương"), default=False)
    name_key = models.CharField(max_length=120, editable=False, db_index=True)

    class Meta:
        verbose_name = _("chức danh")
        verbose_name_plural = _("chức danh")
        ordering = ["-rank", "name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name = normalize_text(self.name)
        self.name_key = search_key(self.name)
        super().save(*args, **kwargs)


LEVEL_WEIGHT = {Level.CENTRAL: 400, Level.PROVINCE: 300, Level.DISTRICT: 200, Level.COMMUNE: 100}


def rank_at(title: PositionTitle, unit: Unit) -> int:
    """Seniority of a title held at a unit: the unit's level first, then the title's rank."""
    return LEVEL_WEIGHT.get(unit.level, 0) + title.rank


@audited()
class Position(models.Model):
    """A title at a unit, with an optional number of seats (quota)."""

    title = models.ForeignKey(PositionTitle, verbose_name=_("chức danh"), on_delete=models.PROTECT)
    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="positions")
    quota = models.PositiveSmallIntegerField(_("số lượng theo quy định"), null=True, blank=True)

    class Meta:
        verbose_name = _("vị trí")
        verbose_name_plural = _("vị trí")
        constraints = [
            models.UniqueConstraint(
                fields=["title", "unit"],
                name="position_unique_title_unit",
                violation_error_message=_("Đơn vị này đã có vị trí với chức danh này."),
            ),
            models.CheckConstraint(
                condition=Q(quota__isnull=True) | Q(quota__gte=1),
                name="position_quota_positive",
                violation_error_message=_("Số lượng theo quy định phải từ 1 trở lên."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title.name} {self.unit.name}"

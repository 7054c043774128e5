"""Factories for test data. Complex state is built through the real services where they exist."""

from __future__ import annotations

import datetime

import factory

from accounts.models import Role, ScopeAssignment, User
from cadres.models import Cadre, Sex
from postings.models import Decision
from units.models import Position, PositionTitle, Term, TermKind, Unit, UnitKind


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    kind = UnitKind.COMMUNE
    name = factory.Sequence(lambda n: f"Xã Thử Nghiệm {n}")


class TermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Term
        django_get_or_create = ("kind", "name")

    kind = TermKind.CONGRESS
    name = "2015–2020"
    start = datetime.date(2015, 10, 1)
    end = datetime.date(2020, 9, 30)


class PositionTitleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PositionTitle
        django_get_or_create = ("name",)

    name = "Bí thư"
    is_key = True
    is_head = True
    rank = 90


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position

    title = factory.SubFactory(PositionTitleFactory)
    unit = factory.SubFactory(UnitFactory)


class CadreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cadre

    full_name = factory.Sequence(lambda n: f"Nguyễn Văn Thử {n}")
    date_of_birth = datetime.date(1980, 5, 17)
    sex = Sex.MALE
    ethnicity = "Tày"


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Decision

    symbol = factory.Sequence(lambda n: f"{n + 10}-QĐ/TU")
    date = datetime.date(2018, 3, 1)
    issuing_unit = factory.SubFactory(UnitFactory, kind=UnitKind.PARTY_COMMITTEE, name="Tỉnh ủy Thử")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.BOARD_STAFF
    password = factory.PostGenerationMethodCall("set_password", "rotation-demo")

    @factory.post_generation
    def scope(self, create, unit, **kwargs):
        if create and unit is not None:
            ScopeAssignment.objects.create(user=self, unit=unit)
        if create:
            self.save()

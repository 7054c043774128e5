"""The rules data must always obey are enforced by PostgreSQL itself: each direct insert is refused."""

from __future__ import annotations

import datetime
import unicodedata

import pytest
from django.db import IntegrityError, transaction
from django.db.utils import InternalError

from cadres.models import Cadre, Evaluation, EvaluationLevel
from postings.models import Decision, Posting, PostingStatus
from tests.factories import CadreFactory, DecisionFactory, TermFactory, UnitFactory
from units.models import LineageEvent, Term, TermKind, UnitKind, UnitLineage

D = datetime.date


def refused(callable_, *args, **kwargs) -> str:
    """Run a write that must fail; return the database's message."""
    with pytest.raises((IntegrityError, InternalError)) as caught, transaction.atomic():
        callable_(*args, **kwargs)
    return str(caught.value)


@pytest.fixture
def terms(db):
    TermFactory(name="2015–2020", start=D(2015, 10, 1), end=D(2020, 9, 30))
    TermFactory(name="2020–2025", start=D(2020, 10, 1), end=D(2025, 9, 30))


@pytest.fixture
def decision(world, terms):
    return DecisionFactory(symbol="125-QĐ/TU", date=D(2017, 8, 1), issuing_unit=world.provincial_committee)


def make_posting(world, decision, cadre, **fields):
    values = dict(
        cadre=cadre,
        decision=decision,
        origin_unit=world.district_a_department,
        dest_unit=world.commune_a1_committee,
        origin_unit_name="Phòng Nội vụ huyện An",
        origin_title_name="Trưởng phòng",
        dest_unit_name="Đảng ủy xã An Một",
        dest_title_name="Bí thư Đảng ủy xã",
        start_date=D(2017, 9, 1),
        planned_end=D(2020, 9, 1),
        direction="huyen_xa",
    )
    values.update(fields)
    return Posting.objects.create(**values)


# --- Units ---


def test_a_unit_cannot_overlap_itself_in_time(world):
    assert "unit_no_overlapping_self" in refused(
        UnitFactory, kind=UnitKind.COMMUNE, name="Xã An Một", parent=world.district_a, valid_from=D(2020, 1, 1)
    )


def test_a_unit_may_reappear_after_it_ended(world):
    UnitFactory(kind=UnitKind.COMMUNE, name="Xã An Một", parent=world.district_a, valid_from=D(2025, 7, 1))


def test_an_official_code_names_one_unit_at_a_time(world):
    UnitFactory(
        kind=UnitKind.COMMUNE, name="Xã Cũ", parent=world.district_a, official_code="6040", valid_to=D(2025, 6, 30)
    )
    # Reused after the reorganisation: allowed.
    UnitFactory(
        kind=UnitKind.COMMUNE, name="Xã Mới", parent=world.province, official_code="6040", valid_from=D(2025, 7, 1)
    )
    assert "unit_code_not_reused_concurrently" in refused(
        UnitFactory,
        kind=UnitKind.COMMUNE,
        name="Xã Khác",
        parent=world.province,
        official_code="6040",
        valid_from=D(2026, 1, 1),
    )


def test_unit_validity_must_be_in_order(world):
    assert "unit_valid_dates_in_order" in refused(
        UnitFactory, name="Xã Ngược", parent=world.province, valid_from=D(2020, 1, 1), valid_to=D(2019, 1, 1)
    )


def test_a_unit_cannot_succeed_itself(world):
    assert "lineage_not_self" in refused(
        UnitLineage.objects.create,
        predecessor=world.commune_b1,
        successor=world.commune_b1,
        event=LineageEvent.RENAME,
        date=D(2025, 7, 1),
    )


def test_congress_terms_cannot_overlap(terms):
    assert "congress_terms_do_not_overlap" in refused(
        Term.objects.create, kind=TermKind.CONGRESS, name="chồng lấn", start=D(2019, 1, 1), end=D(2021, 1, 1)
    )


# --- Document numbers ---


@pytest.mark.parametrize("symbol", ["125/QĐ-TU", "5-QĐ/TU", "125-XX/TU", "125-QĐ/tu", "QĐ/TU"])
def test_a_document_number_in_the_wrong_form_is_refused(world, terms, symbol):
    assert "symbol_format" in refused(
        DecisionFactory, symbol=symbol, date=D(2017, 8, 1), issuing_unit=world.provincial_committee
    )


def test_a_document_number_is_unique_per_issuer_type_and_term(decision, world):
    assert "number_unique_per_term" in refused(
        DecisionFactory, symbol="125-QĐ/TU", date=D(2018, 1, 5), issuing_unit=world.provincial_committee
    )
    # The same number by another issuer, of another type, or in the next term is another document.
    DecisionFactory(symbol="125-QĐ/HU", date=D(2018, 1, 5), issuing_unit=world.district_a_committee)
    # Every Huyện ủy signs "/HU": another district committee numbers its own documents.
    DecisionFactory(symbol="125-QĐ/HU", date=D(2018, 1, 5), issuing_unit=world.commune_a1_committee)
    DecisionFactory(symbol="125-KH/TU", date=D(2018, 1, 5), issuing_unit=world.provincial_committee)
    DecisionFactory(symbol="125-QĐ/TU", date=D(2021, 1, 5), issuing_unit=world.provincial_committee)
    assert Decision.objects.filter(number=125).count() == 5


# --- Postings ---


def test_a_posting_cannot_start_before_its_decision(world, decision):
    message = refused(make_posting, world, decision, CadreFactory(), start_date=D(2017, 7, 1))
    assert "không được trước ngày ký quyết định" in message


def test_planned_end_must_follow_start(world, decision):
    assert "posting_planned_end_after_start" in refused(
        make_posting, world, decision, CadreFactory(), planned_end=D(2017, 9, 1)
    )


def test_actual_end_cannot_precede_start(world, decision):
    assert "posting_actual_end_not_before_start" in refused(
        make_posting, world, decision, CadreFactory(), actual_end=D(2017, 8, 31), status=PostingStatus.ENDED
    )


def test_an_ended_posting_has_an_end_date(world, decision):
    assert "posting_ended_has_end_date" in refused(
        make_posting, world, decision, CadreFactory(), status=PostingStatus.ENDED
    )


def test_a_cancelled_posting_needs_a_reason(world, decision):
    assert "posting_cancel_has_reason" in refused(
        make_posting, world, decision, CadreFactory(), status=PostingStatus.CANCELLED
    )


def test_two_primary_postings_cannot_overlap(world, decision):
    cadre = CadreFactory()
    make_posting(world, decision, cadre)
    assert "posting_one_primary_at_a_time" in refused(
        make_posting, world, decision, cadre, start_date=D(2018, 1, 1), dest_unit=world.commune_b1
    )


def test_concurrent_posts_cancelled_ones_and_consecutive_ones_do_not_overlap(world, decision):
    cadre = CadreFactory()
    first = make_posting(world, decision, cadre)
    make_posting(world, decision, cadre, start_date=D(2018, 6, 1), is_primary=False)  # kiêm nhiệm
    make_posting(
        world,
        decision,
        cadre,
        start_date=D(2018, 6, 1),
        status=PostingStatus.CANCELLED,
        cancel_reason="Quyết định bị thu hồi",
    )
    Posting.objects.filter(pk=first.pk).update(actual_end=D(2019, 1, 1), status=PostingStatus.ENDED)
    make_posting(world, decision, cadre, start_date=D(2019, 1, 1), planned_end=D(2022, 1, 1))
    assert cadre.postings.count() == 4


# --- Cadres and evaluations ---


def test_names_are_stored_in_nfc_with_an_accent_free_key(db):
    decomposed = unicodedata.normalize("NFD", "Đặng Thị Thuỷ")
    cadre = CadreFactory(full_name=decomposed)
    cadre.refresh_from_db()
    assert cadre.full_name == unicodedata.normalize("NFC", "Đặng Thị Thuỷ")
    assert cadre.search_key == "dang thi thuy"
    assert Cadre.objects.search("Thủy").get() == cadre  # Thuỷ and Thủy match
    assert Cadre.objects.search("dang thi thuy").get() == cadre


def test_names_sort_the_vietnamese_way_by_given_name_first(db):
    for name in ["Nguyễn Văn Đạt", "Trần Thị An", "Lê Văn Dũng", "Phạm Thị Ăn", "Hoàng Văn Ơn", "Vũ Thị Ôn"]:
        CadreFactory(full_name=name)
    assert list(Cadre.objects.values_list("full_name", flat=True)) == [
        "Trần Thị An",
        "Phạm Thị Ăn",
        "Lê Văn Dũng",
        "Nguyễn Văn Đạt",
        "Vũ Thị Ôn",
        "Hoàng Văn Ơn",
    ]


def test_a_personal_identifier_is_unique(db):
    CadreFactory(personal_id="LS-0001")
    assert "cadre_personal_id_unique" in refused(CadreFactory, personal_id="LS-0001")


def test_quarterly_ratings_exist_only_from_2026_and_once_per_period(db):
    cadre = CadreFactory()
    assert "evaluation_quarter_valid" in refused(
        Evaluation.objects.create, cadre=cadre, year=2024, quarter=2, level=EvaluationLevel.GOOD
    )
    Evaluation.objects.create(cadre=cadre, year=2024, level=EvaluationLevel.GOOD)
    assert "evaluation_once_per_period" in refused(
        Evaluation.objects.create, cadre=cadre, year=2024, level=EvaluationLevel.EXCELLENT
    )
    Evaluation.objects.create(cadre=cadre, year=2026, quarter=1, level=EvaluationLevel.GOOD)


def test_a_decision_cannot_be_redated_after_its_postings_start(world, decision):
    make_posting(world, decision, CadreFactory())
    message = refused(Decision.objects.filter(pk=decision.pk).update, date=D(2017, 10, 1))
    assert "không được sau ngày bắt đầu" in message
    Decision.objects.filter(pk=decision.pk).update(date=D(2017, 8, 15))  # still before the start: fine


def test_names_as_written_are_stored_in_nfc(world, decision):
    posting = make_posting(
        world, decision, CadreFactory(), dest_unit_name=unicodedata.normalize("NFD", "Đảng ủy xã Tú Đoạn")
    )
    posting.refresh_from_db()
    assert posting.dest_unit_name == unicodedata.normalize("NFC", "Đảng ủy xã Tú Đoạn")

import datetime

from postings.models import Decision
from tests.factories import DecisionFactory, TermFactory


def test_a_decision_number_is_parsed_by_the_database(world):
    TermFactory()
    decision = DecisionFactory(
        symbol="Số 125-QĐ/TU", date=datetime.date(2017, 8, 23), issuing_unit=world.provincial_committee
    )
    decision = Decision.objects.get(pk=decision.pk)
    assert (decision.symbol, decision.number, decision.doc_type, decision.issuer_code) == ("125-QĐ/TU", 125, "QĐ", "TU")
    assert decision.congress_term.name == "2015–2020"

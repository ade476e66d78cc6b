import pytest

from syncsvc.engine.numbering import DocNumberTooLong, doc_number, ids_memo
from syncsvc.engine.plan import plan_order
from syncsvc.engine.settings import EngineSettings

from .builders import bundle, state


def test_doc_number_is_the_order_id_by_default_even_when_the_invoice_id_differs():
    assert doc_number(1234, 1236, EngineSettings()) == "1234"


def test_setting_switches_doc_number_to_the_invoice_id():
    assert doc_number(1234, 1236, EngineSettings(doc_number_source="invoice_id")) == "1236"


def test_prefix_goes_before_the_number():
    assert doc_number(1234, 1236, EngineSettings(doc_number_prefix="IS-")) == "IS-1234"


def test_doc_number_longer_than_21_characters_is_an_error_naming_it():
    with pytest.raises(DocNumberTooLong, match="22 characters"):
        doc_number(1234567890123, 1, EngineSettings(doc_number_prefix="INFUSION-"))


def test_planned_document_carries_number_and_both_ids_in_the_memo():
    plan = plan_order(bundle(), state(), EngineSettings(doc_number_prefix="IS-"))
    assert plan.document.doc_number == "IS-1234"
    assert ids_memo(1234, 1236) == "Infusionsoft order 1234 / invoice 1236"
    assert plan.document.memo.startswith("Infusionsoft order 1234 / invoice 1236")


def test_too_long_doc_number_holds_the_order():
    settings = EngineSettings(doc_number_prefix="ABCDEFGHIJKLMNOPQR")  # 18 + 4 digits = 22
    plan = plan_order(bundle(), state(), settings)
    assert [type(a).__name__ for a in plan.actions] == ["Hold"]
    assert "21" in plan.actions[0].reason and plan.waiting

"""check-rest's comparison: what differs between orders read through XML-RPC and REST v2."""

from dataclasses import replace

from syncsvc.engine.settings import EngineSettings
from syncsvc.sync.api_check import compare_orders

from tests.unit.engine.builders import bundle, invoice, payment

SETTINGS = EngineSettings()


def test_the_same_order_through_both_apis_has_no_difference():
    same = bundle()
    comparison = compare_orders([1234], {1234: same}, {1234: same}, SETTINGS)
    assert comparison.differences == 0 and not comparison.invoice_ids_differ
    assert "the same through both APIs" in comparison.lines[0]


def test_a_renamed_reference_is_one_difference_naming_both():
    renamed = bundle(payments=(payment(1, "100.00", ref_num="ch_123"),))
    comparison = compare_orders([1234], {1234: bundle()}, {1234: renamed}, SETTINGS)
    assert comparison.differences == 1 and not comparison.invoice_ids_differ
    assert any("TXN-AAA" in line and "ch_123" in line for line in comparison.lines)


def test_another_invoice_id_through_rest_is_flagged_as_a_reason_not_to_move():
    other_invoice = bundle(invoice=replace(invoice(), id=99))
    comparison = compare_orders([1234], {1234: bundle()}, {1234: other_invoice}, SETTINGS)
    assert comparison.invoice_ids_differ and comparison.differences >= 1


def test_an_order_found_through_one_api_only_is_a_difference():
    comparison = compare_orders([1234, 7], {1234: bundle()}, {}, SETTINGS)
    assert comparison.differences == 1
    assert "order 7: not found through either API" in comparison.lines

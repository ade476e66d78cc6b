"""Keap may give a deleted order's id to a new order: the plan never writes the new one over the
document posted for the old one (issue 10)."""

from syncsvc.engine.plan import PostedDocument, plan_order
from syncsvc.engine.settings import EngineSettings

from .builders import bundle, invoice, state


def test_a_new_invoice_under_a_posted_order_id_is_held_naming_the_old_document():
    posted = state(document=PostedDocument("900", "Invoice", "hash", invoice_id=555, doc_number="1234"))
    plan = plan_order(bundle(invoice=invoice(invoice_id=1236)), posted, EngineSettings())
    [hold] = plan.holds
    assert plan.writes == ()
    assert "invoice 1236" in hold.reason and "Invoice 1234 (Id 900) for invoice 555" in hold.reason
    assert [w.payment_id for w in plan.waiting] == [1]


def test_the_same_invoice_updates_as_before():
    posted = state(document=PostedDocument("900", "Invoice", "old", invoice_id=1236, doc_number="1234"))
    plan = plan_order(bundle(), posted, EngineSettings())
    assert not plan.holds and plan.writes

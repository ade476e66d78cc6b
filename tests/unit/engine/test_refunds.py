"""engine/refunds.py through plan_order: what a refund becomes, its number, and when it waits."""

from dataclasses import replace
from decimal import Decimal

from syncsvc.engine.actions import CreateItem, CreatePayment, CreateRefund, Hold, Skip
from syncsvc.engine.plan import PostedDocument, plan_order
from syncsvc.engine.settings import EngineSettings

from .builders import after, bundle, payment, state

DEFAULTS = EngineSettings()
POSTED = PostedDocument("900", "invoice", "hash", 1236, "1234")


def refund(payment_id: int, amount: str, of: int | None = 1, ref_num: str | None = None):
    return replace(payment(payment_id, amount, ref_num=ref_num, pay_type="Refund"), refund_id=of)


def refunds(plan):
    return [a.refund for a in plan.actions if isinstance(a, CreateRefund)]


def test_refunds_are_numbered_by_refund_payment_id_whatever_order_keap_lists_them_in():
    rows = (refund(9, "-20.00"), payment(1, "100.00", ref_num="TXN-1"), refund(5, "-30.00", ref_num="RF-5"))
    posted = state(document=POSTED, posted_payment_refs={1: "TXN-1"})
    planned = refunds(plan_order(bundle(payments=rows), posted, DEFAULTS))
    assert [(r.refund_payment_id, r.doc_number, r.amount) for r in planned] == [
        (5, "1234-R1", Decimal("30.00")), (9, "1234-R2", Decimal("20.00"))]
    assert [r.ref for r in planned] == ["RF-5", "IS-PAY-9"]
    assert all(r.kind == "RefundReceipt" and r.refunded_payment_id == 1 for r in planned)
    assert "Infusionsoft refund 5 " in planned[0].memo and "payment 1" in planned[0].memo
    # the first one booked, the second keeps its number
    again = plan_order(bundle(payments=rows), replace(posted, posted_refunds=frozenset({5})), DEFAULTS)
    assert [r.doc_number for r in refunds(again)] == ["1234-R2"]


def test_a_partial_refund_posts_on_the_refunds_item_created_if_missing():
    rows = (payment(1, "100.00", ref_num="TXN-1"), refund(2, "-25.00"))
    plan = plan_order(bundle(payments=rows), state(document=POSTED, posted_payment_refs={1: "TXN-1"}), DEFAULTS)
    assert [a.draft.name for a in plan.actions if isinstance(a, CreateItem)] == ["Refunds"]
    [planned] = refunds(plan)
    [line] = planned.lines
    assert (line.item.name, line.amount) == ("Refunds", Decimal("25.00"))


def test_a_refund_waits_for_its_payment_and_for_the_invoice():
    rows = (payment(1, "100.00", ref_num="TXN-1"), refund(2, "-100.00"))
    held_payment = state(document=POSTED, payment_refs=frozenset({"TXN-1"}))  # in QBO, not recorded as ours
    plan = plan_order(bundle(payments=rows), held_payment, DEFAULTS)
    assert refunds(plan) == [] and [w.payment_id for w in plan.waiting] == [2]
    assert "waits for payment 1" in plan.waiting[0].reason


def test_a_refund_posts_in_the_plan_of_its_payment_after_it():
    rows = (payment(1, "100.00", ref_num="TXN-1"), refund(2, "-100.00"))
    plan = plan_order(bundle(payments=rows), state(), DEFAULTS)
    kinds = [type(a) for a in plan.actions]
    assert kinds.index(CreateRefund) > kinds.index(CreatePayment)
    [planned] = refunds(plan)
    assert [line.item.name for line in planned.lines] == ["WID-1"]  # the whole order: its own lines
    assert plan_order(bundle(payments=rows), after(plan, state()), DEFAULTS).actions == ()


def test_invoice_only_posting_books_a_credit_memo_applied_to_the_invoice_without_waiting():
    rows = (payment(1, "100.00", ref_num="TXN-1"), refund(2, "-40.00"))
    plan = plan_order(bundle(payments=rows), state(document=POSTED), EngineSettings(posting_mode="invoice"))
    [planned] = refunds(plan)
    assert (planned.kind, planned.apply_to_invoice, planned.amount) == ("CreditMemo", True, Decimal("40.00"))


def test_credit_memo_mode_books_credit_left_unapplied_where_payments_are_posted():
    rows = (payment(1, "100.00", ref_num="TXN-1"), refund(2, "-40.00"))
    posted = state(document=POSTED, posted_payment_refs={1: "TXN-1"})
    [planned] = refunds(plan_order(bundle(payments=rows), posted, EngineSettings(refunds="credit_memo")))
    assert (planned.kind, planned.apply_to_invoice) == ("CreditMemo", False)


def test_report_mode_skips_refunds_as_before():
    rows = (payment(1, "100.00", ref_num="TXN-1"), refund(2, "-40.00"))
    plan = plan_order(bundle(payments=rows), state(document=POSTED, posted_payment_refs={1: "TXN-1"}),
                      EngineSettings(refunds="report"))
    assert refunds(plan) == [] and [a.payment_id for a in plan.actions if isinstance(a, Skip)] == [2]


def test_a_refund_number_over_21_characters_holds_the_order():
    rows = (payment(1, "100.00", ref_num="TXN-1"), refund(2, "-40.00"))
    long_prefix = EngineSettings(doc_number_prefix="KEAP-ORDER-1")
    posted = state(document=replace(POSTED, doc_number="KEAP-ORDER-1123456789"), posted_payment_refs={1: "TXN-1"})
    plan = plan_order(bundle(payments=rows), posted, long_prefix)
    assert refunds(plan) == [] and any("21" in a.reason for a in plan.actions if isinstance(a, Hold))


def test_the_refunds_setting_is_validated():
    import pytest

    from syncsvc.errors import ConfigError
    with pytest.raises(ConfigError, match="refunds"):
        EngineSettings(refunds="void").validate()
    assert EngineSettings().refunds == "refund_receipt"

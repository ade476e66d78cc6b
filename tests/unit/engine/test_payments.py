from datetime import date
from decimal import Decimal

from syncsvc.engine.actions import CreateInvoice, CreatePayment, CreateRefund, Skip
from syncsvc.engine.payments import REF_MAX, short_reference
from syncsvc.engine.plan import plan_order
from syncsvc.engine.settings import EngineSettings

from .builders import after, bundle, invoice, payment, state

DEFAULTS = EngineSettings()


def posted_payments(plan):
    return [a.payment for a in plan.actions if isinstance(a, CreatePayment)]


def test_two_payments_on_one_invoice_both_post_with_their_own_references():
    split = bundle(payments=(payment(1, "25.00", ref_num="TXN-1"), payment(2, "75.00", ref_num="TXN-2")))
    plan = plan_order(split, state(), DEFAULTS)
    assert isinstance(plan.actions[0], CreateInvoice)
    assert [(p.ref, p.amount) for p in posted_payments(plan)] == [("TXN-1", Decimal("25.00")), ("TXN-2", Decimal("75.00"))]
    assert all(a.invoice_qbo_id is None for a in plan.actions if isinstance(a, CreatePayment))


def test_manual_payment_gets_a_stable_reference_from_its_id():
    manual = bundle(payments=(payment(314, "100.00", pay_type="Check"),))
    [planned] = posted_payments(plan_order(manual, state(), DEFAULTS))
    assert planned.ref == "IS-PAY-314" and planned.method == "Check"
    assert planned.pay_date == date(2024, 3, 1)


def test_a_reference_already_posted_is_never_posted_again():
    plan = plan_order(bundle(), state(payment_refs=frozenset({"TXN-AAA"})), DEFAULTS)
    assert posted_payments(plan) == []


def test_long_merchant_reference_is_shortened_deterministically_and_kept_whole_in_the_memo():
    long_ref = "MERCHANT-TXN-0123456789ABCD"  # 27 characters
    other = "MERCHANT-TXN-0123456789ABCE"
    assert len(long_ref) == 27
    short = short_reference(long_ref)
    assert len(short) <= REF_MAX and short == short_reference(long_ref)
    assert short != short_reference(other)  # same head, different reference
    [planned] = posted_payments(plan_order(bundle(payments=(payment(1, "100.00", ref_num=long_ref),)), state(), DEFAULTS))
    assert planned.ref == short and long_ref in planned.memo


def test_short_references_are_left_alone():
    assert short_reference("A" * 21) == "A" * 21


def test_a_refund_is_booked_once_as_a_refund_receipt_after_its_payment_never_as_a_payment():
    rows = (payment(1, "100.00", ref_num="TXN-1"), payment(2, "-100.00", ref_num="TXN-R", pay_type="Refund"))
    plan = plan_order(bundle(payments=rows), state(), DEFAULTS)
    assert [p.payment_id for p in posted_payments(plan)] == [1]
    [refund] = [a.refund for a in plan.actions if isinstance(a, CreateRefund)]
    assert (refund.kind, refund.refund_payment_id, refund.amount, refund.ref) == (
        "RefundReceipt", 2, Decimal("100.00"), "TXN-R")
    assert plan.actions.index(next(a for a in plan.actions if isinstance(a, CreateRefund))) > plan.actions.index(
        next(a for a in plan.actions if isinstance(a, CreatePayment)))
    assert not [a for a in plan.actions if isinstance(a, Skip)]
    assert plan_order(bundle(payments=rows), after(plan, state()), DEFAULTS).actions == ()


def test_refunds_report_skips_a_refund_with_its_reason_and_reports_it_once():
    rows = (payment(1, "100.00", ref_num="TXN-1"), payment(2, "-100.00", ref_num="TXN-R", pay_type="Refund"))
    report = EngineSettings(refunds="report")
    plan = plan_order(bundle(payments=rows), state(), report)
    assert [p.payment_id for p in posted_payments(plan)] == [1]
    assert not [a for a in plan.actions if isinstance(a, CreateRefund)]
    [skip] = [a for a in plan.actions if isinstance(a, Skip)]
    assert skip.payment_id == 2 and "refund" in skip.reason
    assert plan_order(bundle(payments=rows), after(plan, state()), report).actions == ()


def test_pay_types_map_to_quickbooks_payment_methods():
    rows = (payment(1, "50.00", ref_num="T1", pay_type="PayPal"), payment(2, "30.00", pay_type="Money Order"),
            payment(3, "20.00", pay_type="Barter"))
    plan = plan_order(bundle(payments=rows), state(), DEFAULTS)
    assert [p.method for p in posted_payments(plan)] == ["PayPal", "Money Order", ""]
    assert any("'Barter'" in w for w in plan.warnings)
    with_default = plan_order(bundle(payments=rows), state(), EngineSettings(default_payment_method="Other"))
    assert posted_payments(with_default)[2].method == "Other"


def test_payment_arriving_days_after_its_invoice_is_applied_to_the_posted_invoice():
    unpaid = bundle(invoice=invoice(paid="0.00"), payments=())
    first = plan_order(unpaid, state(), DEFAULTS)
    posted = after(first, state(), qbo_id="900")
    later = bundle(invoice=invoice(paid="0.00"), payments=(payment(5, "100.00", ref_num="LATE", pay_date="2024-03-04 00:00"),))
    plan = plan_order(later, posted, DEFAULTS)
    [action] = plan.actions
    assert isinstance(action, CreatePayment) and action.invoice_qbo_id == "900" and action.payment.ref == "LATE"

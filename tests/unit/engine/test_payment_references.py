"""Every payment posts under a reference of its own, and never over the invoice's open balance."""

from decimal import Decimal

from syncsvc.engine.actions import CreatePayment, Skip
from syncsvc.engine.payments import REF_MAX, distinct_reference, exceeds_open_balance, plan_payment
from syncsvc.engine.plan import PostedDocument, plan_order
from syncsvc.engine.settings import EngineSettings

from .builders import bundle, invoice, payment, state

DEFAULTS = EngineSettings()
POSTED_INVOICE = PostedDocument("900", "Invoice", "hash")


def posted_payments(plan):
    return [(a.payment.payment_id, a.payment.ref) for a in plan.actions if isinstance(a, CreatePayment)]


def test_two_unposted_payments_sharing_a_reference_both_post_the_second_under_its_own():
    shared = bundle(payments=(payment(11, "25.00", ref_num="TXN-1"), payment(12, "75.00", ref_num="TXN-1")))
    plan = plan_order(shared, state(), DEFAULTS)
    assert posted_payments(plan) == [(11, "TXN-1"), (12, "TXN-1-P12")]
    assert not [a for a in plan.actions if isinstance(a, Skip)]


def test_a_payment_sharing_the_reference_of_one_already_posted_on_the_invoice_posts():
    posted = state(document=POSTED_INVOICE, payment_refs=frozenset({"TXN-1"}), posted_payment_refs={11: "TXN-1"})
    later = bundle(payments=(payment(11, "25.00", ref_num="TXN-1"), payment(12, "75.00", ref_num="TXN-1")))
    plan = plan_order(later, posted, DEFAULTS)
    assert posted_payments(plan) == [(12, "TXN-1-P12")] and not plan.warnings


def test_a_reference_posted_for_another_orders_payment_gives_ours_its_own():
    # posted_state lists other payments recorded under a reference ours would take.
    posted = state(payment_refs=frozenset({"TXN-1"}), posted_payment_refs={4711: "TXN-1"})
    plan = plan_order(bundle(payments=(payment(12, "100.00", ref_num="TXN-1"),)), posted, DEFAULTS)
    assert posted_payments(plan) == [(12, "TXN-1-P12")]


def test_a_payment_posted_under_its_own_reference_is_never_posted_again_nor_warned_about():
    posted = state(document=POSTED_INVOICE, payment_refs=frozenset({"TXN-1", "TXN-1-P12"}),
                   posted_payment_refs={11: "TXN-1", 12: "TXN-1-P12"})
    both = bundle(payments=(payment(11, "25.00", ref_num="TXN-1"), payment(12, "75.00", ref_num="TXN-1")))
    plan = plan_order(both, posted, DEFAULTS)
    assert posted_payments(plan) == [] and plan.warnings == ()


def test_a_distinct_reference_fits_qbo_keeps_the_reference_head_and_names_the_keap_payment():
    long_ref = "MERCHANT-TXN-0123456789ABCD"
    assert distinct_reference("8921731533", 1234) == "8921731533-P1234"
    for ref_num, payment_id in (("8921731533", 1), (long_ref, 9876543210), ("X" * 21, 123456)):
        made = distinct_reference(ref_num, payment_id)
        assert len(made) <= REF_MAX and made.endswith(f"-P{payment_id}")
        assert made == distinct_reference(ref_num, payment_id)
    planned = plan_payment(payment(12, "75.00", ref_num=long_ref), 1234, DEFAULTS)
    assert planned.alt_ref == distinct_reference(long_ref, 12) and long_ref in planned.memo


def test_a_manual_payment_under_a_distinct_reference_keeps_its_whole_reference_in_the_memo():
    posted = state(payment_refs=frozenset({"IS-PAY-12"}), posted_payment_refs={99: "IS-PAY-12"})
    [action] = [a for a in plan_order(bundle(payments=(payment(12, "100.00", pay_type="Check"),)), posted,
                                      DEFAULTS).actions if isinstance(a, CreatePayment)]
    assert action.payment.ref == "IS-PAY-12-P12" and "reference IS-PAY-12" in action.payment.memo


def test_a_payment_over_the_open_balance_is_refused_with_the_amounts_and_the_fix():
    planned = plan_payment(payment(12, "60.00"), 1234, DEFAULTS)
    reason = exceeds_open_balance(planned, Decimal("100.00"), Decimal("60.00"), "1234", 1234)
    assert reason is not None
    for words in ("payment 12", "60.00", "40.00", "100.00", "invoice 1234", "Keap", "sync --orders 1234"):
        assert words in reason
    assert exceeds_open_balance(planned, Decimal("100.00"), Decimal("40.00"), "1234", 1234) is None


def test_a_split_payment_on_an_invoice_still_fits():
    two = bundle(invoice=invoice(total="100.00"),
                 payments=(payment(1, "40.00", ref_num="A"), payment(2, "60.00", ref_num="B")))
    assert posted_payments(plan_order(two, state(), DEFAULTS)) == [(1, "A"), (2, "B")]

from dataclasses import replace
from datetime import date
from decimal import Decimal

from syncsvc.engine.actions import (
    CreateCustomer, CreateInvoice, CreateItem, CreatePayment, CreateRefund, CreateSalesReceipt, Hold, Skip, UpdateInvoice,
)
from syncsvc.engine.customers import Ambiguous, CustomerCandidates, QboCustomer, resolve_customer
from syncsvc.engine.plan import plan_order
from syncsvc.engine.settings import EngineSettings
from syncsvc.infusionsoft.records import ItemType

from .builders import after, bundle, contact, invoice, line, pay_plan, payment, product, state

DEFAULTS = EngineSettings()


def kinds(plan):
    return [type(action).__name__ for action in plan.actions]


def declined():
    """A declined card charge: Infusionsoft keeps the invoice, with no payment."""
    return bundle(invoice=invoice(paid="0.00"), payments=())


def test_declined_charge_books_an_open_invoice_when_paid_only_is_off():
    assert kinds(plan_order(declined(), state(), DEFAULTS)) == ["CreateInvoice"]


def test_declined_charge_books_nothing_when_paid_only_is_on():
    plan = plan_order(declined(), state(), EngineSettings(paid_only=True))
    [skip] = plan.actions
    assert isinstance(skip, Skip) and "not paid in full (100.00 due)" in skip.reason and "paid_only" in skip.reason


def test_paid_only_posts_the_order_once_it_is_paid_in_full():
    assert kinds(plan_order(bundle(), state(), EngineSettings(paid_only=True))) == ["CreateInvoice", "CreatePayment"]


def test_invoice_mode_posts_no_payments():
    assert kinds(plan_order(bundle(), state(), EngineSettings(posting_mode="invoice"))) == ["CreateInvoice"]


def test_sales_receipt_mode_posts_a_paid_order_as_one_receipt_carrying_the_reference():
    plan = plan_order(bundle(), state(), EngineSettings(posting_mode="sales_receipt"))
    [receipt] = plan.actions
    assert isinstance(receipt, CreateSalesReceipt)
    assert receipt.document.receipt_payment.ref == "TXN-AAA" and receipt.payment_refs == ("TXN-AAA",)
    assert receipt.document.total == Decimal("100.00")


def test_sales_receipt_mode_waits_for_payment_in_full():
    partly = bundle(invoice=invoice(paid="25.00"), payments=(payment(1, "25.00", ref_num="T1"),))
    plan = plan_order(partly, state(), EngineSettings(posting_mode="sales_receipt"))
    assert kinds(plan) == ["Skip"] and "75.00 due" in plan.actions[0].reason
    assert plan.waiting == ()  # a receipt never takes separate payments


def test_ambiguous_customer_holds_the_order_and_its_payments_wait():
    twins = (QboCustomer("Q1", "Jane Smith", email="jane@example.com"), QboCustomer("Q2", "Jane", email="jane@example.com"))
    resolution = resolve_customer(contact(), CustomerCandidates(by_email=twins))
    assert isinstance(resolution, Ambiguous)
    plan = plan_order(bundle(), state(customer=resolution), DEFAULTS)
    [hold] = plan.actions
    assert isinstance(hold, Hold) and "Q1" in hold.reason and "Q2" in hold.reason
    assert [w.payment_id for w in plan.waiting] == [1] and "invoice 1236" in plan.waiting[0].reason


def test_new_customer_and_item_are_created_before_the_documents_that_use_them():
    resolution = resolve_customer(contact(email="new@example.com"), CustomerCandidates())
    plan = plan_order(bundle(products=(product(sku="NEW-1"),)), state(customer=resolution), DEFAULTS)
    assert kinds(plan) == ["CreateItem", "CreateCustomer", "CreateInvoice", "CreatePayment"]
    assert plan.document.customer.qbo_id is None and plan.document.customer.display_name == "Jane Smith"


def test_replanning_after_everything_posted_yields_no_actions():
    resolution = resolve_customer(contact(email="new@example.com"), CustomerCandidates())
    order_book = bundle(
        products=(product(sku="NEW-1"),),
        order_items=(line(11, "90.00"), line(12, "10.00", item_type=ItemType.SHIPPING, product_id=None)),
        payments=(payment(1, "40.00", ref_num="T1"), payment(2, "60.00"), payment(3, "-5.00", pay_type="Refund")),
    )
    first = plan_order(order_book, state(customer=resolution, items=()), DEFAULTS)
    assert {CreateCustomer, CreateItem, CreateInvoice, CreatePayment, CreateRefund} == {type(a) for a in first.actions}
    again = plan_order(order_book, after(first, state(customer=resolution, items=())), DEFAULTS)
    assert again.actions == () and again.waiting == ()


def test_an_edited_order_updates_the_posted_invoice():
    posted = after(plan_order(bundle(), state(), DEFAULTS), state(), qbo_id="900")
    edited = bundle(order_items=(line(11, "120.00"),), invoice=invoice(total="120.00", paid="100.00"))
    plan = plan_order(edited, posted, DEFAULTS)
    [update] = plan.actions
    assert isinstance(update, UpdateInvoice) and update.qbo_id == "900"
    assert update.document.total == Decimal("120.00") and update.content_hash != posted.document.content_hash
    assert plan_order(edited, after(plan, posted), DEFAULTS).actions == ()


def test_an_edit_that_breaks_the_total_is_held_but_payments_still_apply_to_the_posted_invoice():
    posted = after(plan_order(bundle(payments=()), state(), DEFAULTS), state(), qbo_id="900")
    broken = bundle(order_items=(line(11, "90.00"),), payments=(payment(7, "100.00", ref_num="T7"),))
    plan = plan_order(broken, posted, DEFAULTS)
    assert kinds(plan) == ["Hold", "CreatePayment"]
    assert plan.actions[1].invoice_qbo_id == "900"


def test_mode_change_never_reposts_an_order_as_another_document_kind():
    posted = after(plan_order(bundle(payments=()), state(), DEFAULTS), state(), qbo_id="900")
    plan = plan_order(bundle(), posted, EngineSettings(posting_mode="sales_receipt"))
    assert kinds(plan) == ["CreatePayment"]


def test_payment_plan_sets_the_due_date_to_the_first_open_installment_and_lists_the_schedule():
    plan_rows = pay_plan(("2024-03-01", "40.00", "40.00"), ("2024-04-01", "30.00", "0"), ("2024-05-01", "30.00", "0"))
    plan = plan_order(bundle(invoice=invoice(paid="40.00"), pay_plan=plan_rows), state(), DEFAULTS)
    assert plan.document.due_date == date(2024, 4, 1)
    assert "Payment plan, 3 installments: 2024-03-01 40.00, 2024-04-01 30.00, 2024-05-01 30.00" in plan.document.memo


def test_order_without_invoice_or_without_lines_is_skipped():
    assert kinds(plan_order(replace(bundle(), invoice=None), state(), DEFAULTS)) == ["Skip"]
    empty = bundle(order_items=(line(11, "0.00"),), invoice=invoice(total="0.00"), payments=())
    plan = plan_order(empty, state(), DEFAULTS)
    assert kinds(plan) == ["Skip"] and "no line with an amount" in plan.actions[0].reason

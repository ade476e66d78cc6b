"""Refunds booked in QuickBooks (issue 11): a RefundReceipt for money returned on a paid order, a
CreditMemo applied to the invoice for a reduction of what is owed; never twice; a refund of a payment
not posted yet waits for it. Through both Keap APIs (REST v2 refund payments, XML-RPC "Refund" rows)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from syncsvc.quickbooks.client import open_company
from syncsvc.sandbox.infusionsoft import billing

from .books import order_issues
from .shop import Shop
from .test_payments_never_wrong import _hand_entered_payment


def keap_cash_by_day(world) -> dict:
    totals = defaultdict(Decimal)
    for row in world.keap.store.rows("Payment"):
        totals[row["PayDate"].date()] += Decimal(row["PayAmt"])
    return {day: value for day, value in totals.items() if value}


def qbo_cash_by_day(world) -> dict:
    """Money in and out as QuickBooks books it: payments and sales receipts in, refund receipts out."""
    totals = defaultdict(Decimal)
    for entity, sign in (("Payment", 1), ("SalesReceipt", 1), ("RefundReceipt", -1)):
        for day, value in world.qbo.totals_by_day(world.realm, entity).items():
            totals[day] += sign * value
    return {day: value for day, value in totals.items() if value}


def refund_receipts(world, order_id: int) -> list[dict]:
    return sorted((r for r in world.entities("RefundReceipt") if r["DocNumber"].startswith(f"{order_id}-R")),
                  key=lambda r: r["DocNumber"])


def _account_name(world, account_id: str) -> str:
    return world.qbo.get(world.realm, "Account", account_id)["Name"]


def test_a_full_refund_of_a_card_paid_order_is_a_refund_receipt_of_its_lines(world):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="60.00"), "60.00", 1))
    charge = shop.charge(invoice_id, jane)
    assert world.cycle().ok
    refund_id = billing.refund_payment(world.keap.store, charge.payment_id)

    summary = world.cycle()

    assert summary.ok and summary.counts["refund_receipts"] == 1 and summary.counts["payments"] == 0
    assert "refunds booked: 1 refund receipts, 0 credit memos" in summary.line()
    [receipt] = refund_receipts(world, order_id)
    invoice = world.invoice(str(order_id))
    assert receipt["DocNumber"] == f"{order_id}-R1" and receipt["TotalAmt"] == Decimal("60.00")
    assert receipt["CustomerRef"]["value"] == invoice["CustomerRef"]["value"]
    assert _account_name(world, receipt["DepositToAccountRef"]["value"]) == "Undeposited Funds"
    assert receipt["PaymentRefNum"]  # the refund's reference
    assert [line["SalesItemLineDetail"]["ItemRef"]["name"] for line in receipt["Line"]
            if line["DetailType"] == "SalesItemLineDetail"] == ["WID-1"]  # the refunded lines
    memo = receipt["PrivateNote"]
    assert f"refund {refund_id}" in memo and f"payment {charge.payment_id}" in memo
    assert f"invoice {invoice_id}" in memo and f"QuickBooks invoice {order_id}" in memo
    assert invoice["Balance"] == Decimal("0")  # as Keap: the invoice stays paid, the money went back
    assert world.keap.store.get("Invoice", invoice_id)["TotalDue"] == invoice["Balance"]
    assert qbo_cash_by_day(world) == keap_cash_by_day(world) == {}
    assert order_issues(world) == {}

    again = world.cycle()
    assert again.ok and again.counts["refund_receipts"] == 0 and len(world.entities("RefundReceipt")) == 1


def test_a_partial_refund_before_the_first_sync_posts_with_its_order_on_the_refunds_item(world):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="60.00"), "60.00", 1))
    charge = shop.charge(invoice_id, jane)
    billing.refund_payment(world.keap.store, charge.payment_id, "20.00")

    summary = world.cycle()

    assert summary.ok and summary.counts["payments"] == 1 and summary.counts["refund_receipts"] == 1
    [receipt] = refund_receipts(world, order_id)
    assert receipt["TotalAmt"] == Decimal("20.00")
    [line] = [line for line in receipt["Line"] if line["DetailType"] == "SalesItemLineDetail"]
    assert line["SalesItemLineDetail"]["ItemRef"]["name"] == "Refunds" and line["Amount"] == Decimal("20.00")
    assert world.invoice(str(order_id))["Balance"] == Decimal("0")
    assert qbo_cash_by_day(world) == keap_cash_by_day(world)
    assert sum(keap_cash_by_day(world).values()) == Decimal("40.00")
    assert world.cycle().counts["refund_receipts"] == 0


def test_two_refunds_on_one_order_are_numbered_in_refund_order(any_db_world):
    world = any_db_world
    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="100.00"), "100.00", 1))
    charge = shop.charge(invoice_id, jane)
    first = billing.refund_payment(world.keap.store, charge.payment_id, "30.00")
    assert world.cycle().ok
    second = billing.refund_payment(world.keap.store, charge.payment_id, "20.00")
    assert world.cycle().counts["refund_receipts"] == 1

    r1, r2 = refund_receipts(world, order_id)
    assert (r1["DocNumber"], r1["TotalAmt"]) == (f"{order_id}-R1", Decimal("30.00"))
    assert (r2["DocNumber"], r2["TotalAmt"]) == (f"{order_id}-R2", Decimal("20.00"))
    assert f"refund {first}" in r1["PrivateNote"] and f"refund {second}" in r2["PrivateNote"]
    assert qbo_cash_by_day(world) == keap_cash_by_day(world)
    assert world.invoice(str(order_id))["Balance"] == Decimal("0")
    with world.state().unit() as uow:
        assert uow.posted_refunds(order_id) == {first, second}
    assert world.cycle().counts["refund_receipts"] == 0 and len(world.entities("RefundReceipt")) == 2


def test_a_refund_on_an_order_posted_as_an_invoice_only_is_a_credit_memo_applied_to_it(world):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="100.00"), "100.00", 1))
    charge = shop.charge(invoice_id, jane)
    assert world.cycle(posting_mode="invoice").ok
    refund_id = billing.refund_payment(world.keap.store, charge.payment_id, "40.00")

    summary = world.cycle(posting_mode="invoice")

    assert summary.ok and summary.counts["credit_memos"] == 1
    [memo] = world.entities("CreditMemo")
    assert memo["DocNumber"] == f"{order_id}-R1" and memo["TotalAmt"] == Decimal("40.00")
    assert memo["RemainingCredit"] == Decimal("0")  # all of it applied to the invoice
    invoice = world.invoice(str(order_id))
    assert invoice["Balance"] == Decimal("60.00")
    [applied] = world.payments_for(invoice)
    assert applied["TotalAmt"] == Decimal("0") and {t["TxnType"] for line in applied["Line"]
                                                    for t in line["LinkedTxn"]} == {"Invoice", "CreditMemo"}
    assert world.entities("RefundReceipt") == []
    with world.state().unit() as uow:
        [row] = uow.refunds(order_id)
    assert (row.refund_payment_id, row.qbo_type, row.applied_qbo_id) == (refund_id, "CreditMemo", applied["Id"])
    assert world.cycle(posting_mode="invoice").counts["credit_memos"] == 0


def test_credit_memo_mode_books_the_customers_credit_and_leaves_the_invoice_as_keap_has_it(world):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="100.00"), "100.00", 1))
    charge = shop.charge(invoice_id, jane, "60.00")
    billing.refund_payment(world.keap.store, charge.payment_id, "25.00")

    summary = world.cycle(refunds="credit_memo")

    assert summary.ok and summary.counts["payments"] == 1 and summary.counts["credit_memos"] == 1
    [memo] = world.entities("CreditMemo")
    assert memo["DocNumber"] == f"{order_id}-R1"
    assert memo["TotalAmt"] == Decimal("25.00") and memo["RemainingCredit"] == Decimal("25.00")
    assert world.invoice(str(order_id))["Balance"] == Decimal("40.00")
    assert world.keap.store.get("Invoice", invoice_id)["TotalDue"] == Decimal("40.00")
    assert world.entities("RefundReceipt") == []
    shop.charge(invoice_id, jane)  # the rest is paid: it still fits the invoice
    paid = world.cycle(refunds="credit_memo")
    assert paid.ok and paid.counts["payments"] == 1 and paid.counts["credit_memos"] == 0
    assert world.invoice(str(order_id))["Balance"] == Decimal("0")


def test_a_refund_of_a_payment_not_posted_yet_waits_then_posts(world):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="100.00"), "100.00", 1))
    assert world.cycle().ok
    qb = open_company(world.settings()).client()
    typed = _hand_entered_payment(qb, "CHK-77", world.invoice(str(order_id)), "30.00")
    charge = shop.charge(invoice_id, jane)  # held: QuickBooks has only 70.00 open
    refund_id = billing.refund_payment(world.keap.store, charge.payment_id, "10.00")

    held = world.cycle()

    assert held.ok and held.counts["payments"] == 0 and held.counts["refund_receipts"] == 0
    assert order_id in held.held and f"refund {refund_id} waits for payment {charge.payment_id}" in held.held[order_id]
    assert world.entities("RefundReceipt") == []

    typed.delete(qb=qb)
    fixed = world.cycle()

    assert fixed.ok and fixed.counts["payments"] == 1 and fixed.counts["refund_receipts"] == 1 and fixed.held == {}
    [receipt] = refund_receipts(world, order_id)
    assert receipt["TotalAmt"] == Decimal("10.00")
    assert qbo_cash_by_day(world) == keap_cash_by_day(world)
    assert order_issues(world) == {}



def test_a_refund_whose_answer_is_lost_or_whose_record_is_lost_is_booked_once(any_db_world):
    world = any_db_world
    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="80.00"), "80.00", 1))
    charge = shop.charge(invoice_id, jane)
    assert world.cycle().ok
    first = billing.refund_payment(world.keap.store, charge.payment_id, "30.00")
    world.qbo.configure(world.realm, requestid_replay=False)  # QBO does not always honour requestids
    world.qbo.inject(world.realm, "http500_after_commit", entity="RefundReceipt", writes_only=True)

    lost_answer = world.cycle()

    assert lost_answer.ok, lost_answer.failed
    assert len(refund_receipts(world, order_id)) == 1
    # the state database loses the record (restored from an old backup): QuickBooks is asked by DocNumber
    from sqlalchemy import delete

    from syncsvc.store.sync_models import SyncedRefund
    with world.state().unit() as uow:
        uow.session.execute(delete(SyncedRefund).where(SyncedRefund.refund_payment_id == first))
    second = billing.refund_payment(world.keap.store, charge.payment_id, "10.00")

    adopted = world.cycle()

    assert adopted.ok and adopted.counts["duplicates_avoided"] == 1 and adopted.counts["refund_receipts"] == 1
    r1, r2 = refund_receipts(world, order_id)
    assert (r1["TotalAmt"], r2["TotalAmt"]) == (Decimal("30.00"), Decimal("10.00"))
    with world.state().unit() as uow:
        assert uow.posted_refunds(order_id) == {first, second}
    assert qbo_cash_by_day(world) == keap_cash_by_day(world)


def test_a_refund_receipt_number_someone_else_holds_holds_the_order(world):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="80.00"), "80.00", 1))
    charge = shop.charge(invoice_id, jane)
    assert world.cycle().ok
    from quickbooks.objects.refundreceipt import RefundReceipt

    from syncsvc.sync.qbo_mapping import ref
    from tests.integration.sandbox_quickbooks.test_entities import sales_line
    qb = open_company(world.settings()).client()
    invoice = world.invoice(str(order_id))
    typed = RefundReceipt()
    typed.DocNumber, typed.CustomerRef = f"{order_id}-R1", ref(invoice["CustomerRef"]["value"])
    undeposited = next(a["Id"] for a in world.entities("Account") if a["Name"] == "Undeposited Funds")
    typed.DepositToAccountRef = ref(undeposited)
    item = next(i for i in world.entities("Item") if i["Name"] == "WID-1")

    class _Item:
        Name = "WID-1"

        def to_ref(self):
            return ref(item["Id"], "WID-1")
    typed.Line = [sales_line(_Item(), "5.00")]
    typed.save(qb=qb)
    billing.refund_payment(world.keap.store, charge.payment_id, "30.00")

    held = world.cycle()

    assert held.ok and order_id in held.held and f"{order_id}-R1" in held.held[order_id]
    assert len(world.entities("RefundReceipt")) == 1


def test_a_refund_of_an_order_posted_as_a_sales_receipt_is_a_refund_receipt(world):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="45.00"), "45.00", 1))
    charge = shop.charge(invoice_id, jane)
    billing.refund_payment(world.keap.store, charge.payment_id, "15.00")

    summary = world.cycle(posting_mode="sales_receipt")

    assert summary.ok and summary.counts["sales_receipts"] == 1 and summary.counts["refund_receipts"] == 1
    [receipt] = refund_receipts(world, order_id)
    assert receipt["TotalAmt"] == Decimal("15.00")
    assert qbo_cash_by_day(world) == keap_cash_by_day(world)
    assert world.cycle(posting_mode="sales_receipt").counts["refund_receipts"] == 0


def test_a_refunded_order_deleted_in_keap_names_its_refund_receipts_for_voiding(world):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="50.00"), "50.00", 1))
    charge = shop.charge(invoice_id, jane)
    billing.refund_payment(world.keap.store, charge.payment_id, "50.00")
    assert world.cycle().counts["refund_receipts"] == 1
    [receipt] = refund_receipts(world, order_id)
    billing.delete_invoice(world.keap.store, invoice_id)

    summary = world.resync([order_id])

    reason = summary.failed[order_id]
    assert "deleted in Keap" in reason and f"RefundReceipt {order_id}-R1 (Id {receipt['Id']}, 50.00)" in reason
    assert len(world.entities("RefundReceipt")) == 1  # never voided by syncsvc

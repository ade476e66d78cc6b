"""One generated account read through XML-RPC DataService and through REST v2 tells the same story."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from syncsvc.sandbox.infusionsoft.generator import generate_account

from .conftest import dataservice_rows, proxy
from .rest_support import sdk


def cents(value: float) -> int:
    """An XML-RPC double of money as whole cents."""
    return int((Decimal(repr(value)) * 100).to_integral_value())


def rest_pages(call, collection: str) -> list:
    found, token = [], None
    while True:
        answer = call(page_size=1000, page_token=token)
        found += getattr(answer, collection)
        token = answer.next_page_token
        if not token:
            return found


@pytest.fixture
def both_faces(sandbox):
    summary = generate_account(sandbox.store, orders=300, seed=20241120, mix="stress")
    api = proxy(sandbox.xmlrpc_url, [("X-Keap-API-Key", sandbox.SERVICE_KEY)])
    xmlrpc = {
        "jobs": dataservice_rows(api, "Job", ["Id", "ContactId", "DateCreated", "JobTitle"]),
        "invoices": dataservice_rows(api, "Invoice", ["Id", "JobId", "InvoiceTotal", "TotalPaid", "TotalDue"]),
        "items": dataservice_rows(api, "OrderItem", ["Id", "OrderId"]),
        "payments": dataservice_rows(api, "Payment", ["Id", "PayAmt", "InvoiceId", "ChargeId", "ContactId"]),
        "charges": dataservice_rows(api, "CCharge", ["Id", "PaymentId", "RefNum", "ApprCode"]),
    }
    with sdk(sandbox) as connected:
        rest = {
            "orders": rest_pages(connected.orders.list_orders, "orders"),
            "payments": rest_pages(connected.sales.list_payments, "payments"),
            "transactions": rest_pages(connected.sales.list_transactions, "transactions"),
        }
    return summary, xmlrpc, rest


def test_orders_agree(both_faces, sandbox):
    _, xmlrpc, rest = both_faces
    orders = {order.id: order for order in rest["orders"]}
    assert sorted(orders, key=int) == [str(job["Id"]) for job in xmlrpc["jobs"]]
    zone = ZoneInfo(sandbox.store.timezone_name)
    for job in xmlrpc["jobs"]:
        order = orders[str(job["Id"])]
        created = datetime.strptime(job["DateCreated"].value, "%Y%m%dT%H:%M:%S").replace(tzinfo=zone)
        assert order.creation_time == created.astimezone(timezone.utc)
        assert (order.title, order.contact.id) == (job["JobTitle"], str(job["ContactId"]))
    for invoice in xmlrpc["invoices"]:
        order = orders[str(invoice["JobId"])]
        assert order.invoice_id == str(invoice["Id"])
        assert (order.total.amount, order.total_paid.amount, order.total_due.amount) == (
            cents(invoice["InvoiceTotal"]), cents(invoice["TotalPaid"]), cents(invoice["TotalDue"]))
    items_per_order = Counter(str(item["OrderId"]) for item in xmlrpc["items"])
    assert {order_id: len(order.order_items) for order_id, order in orders.items()} == {
        order_id: items_per_order.get(order_id, 0) for order_id in orders}
    # the generated invoices' ids drift from their orders' ids after deletions
    assert any(order.id != order.invoice_id for order in orders.values())


def test_payments_agree(both_faces):
    _, xmlrpc, rest = both_faces
    job_of_invoice = {invoice["Id"]: invoice["JobId"] for invoice in xmlrpc["invoices"]}
    expected = {
        str(p["Id"]): (cents(p["PayAmt"]), [str(job_of_invoice[p["InvoiceId"]])], str(p["ContactId"]))
        for p in xmlrpc["payments"]
    }
    assert {p.id: (cents(p.amount), p.order_ids, p.contact_id) for p in rest["payments"]} == expected


def test_every_card_payment_has_its_refnum_on_the_payment_or_its_transaction(both_faces):
    summary, xmlrpc, rest = both_faces
    payments = {p.id: p for p in rest["payments"]}
    captures = {t.payment_id: t for t in rest["transactions"] if t.transaction_method == "CAPTURE" and t.payment_id}
    on_payment = 0
    for charge in xmlrpc["charges"]:
        payment_id = str(charge["PaymentId"])
        payment, capture = payments[payment_id], captures[payment_id]
        assert capture.external_reference_id == charge["RefNum"]
        assert capture.external_response_code == charge["ApprCode"]
        assert payment.external_transaction_id in (charge["RefNum"], None)
        on_payment += payment.external_transaction_id == charge["RefNum"]
    assert 0 < on_payment < len(xmlrpc["charges"])  # the fallback is needed for some, not all
    assert len(captures) == len(xmlrpc["charges"]) == summary.card_payments
    failed = [t for t in rest["transactions"] if t.status == "FAILED"]
    assert len(failed) == summary.declined_charges > 0
    assert all(not t.is_successful and t.payment_id is None for t in failed)
    refunds = [t for t in rest["transactions"] if t.transaction_method == "REFUND"]
    assert len(refunds) == summary.refunds and all(t.amount > 0 for t in refunds)

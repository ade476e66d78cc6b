"""Property: for random order books, after a sync QuickBooks holds Infusionsoft's totals per day
to the cent, every DocNumber and PaymentRefNum once, and a second sync creates nothing."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncsvc.sandbox.infusionsoft import billing

from .conftest import make_world
from .shop import Shop

EASTERN = ZoneInfo("America/New_York")
FIRST_DAY = datetime(2026, 10, 26, 9, 30, tzinfo=EASTERN)  # spans the Nov 1 DST change
CENT = Decimal("0.01")

# (item type, price in cents, quantity); products first so discounts never exceed them
product_line = st.tuples(st.sampled_from([4, 4, 3, 5, 8, 9]), st.integers(100, 40000), st.integers(1, 4))
extra_line = st.tuples(st.sampled_from([1, 2, 6, 7, 12]), st.integers(1, 2500), st.just(1))
order_strategy = st.fixed_dictionaries({
    "day": st.integers(0, 9),
    "hour": st.integers(0, 23),
    "contact": st.integers(0, 2),
    "products": st.lists(product_line, min_size=1, max_size=3),
    "extras": st.lists(extra_line, max_size=3),
    "payment": st.sampled_from(["none", "card", "declined", "split", "manual_partial", "refunded"]),
})
books = st.lists(order_strategy, min_size=1, max_size=7)


SPECIALS = (7, 12)
ACCOUNT_OF_TYPE = {1: "Shipping Income", 2: "Sales Tax Payable", 7: "Discounts given", 12: "Discounts given"}


def build(store, book) -> None:
    shop = Shop(store)
    contacts = [shop.contact("Ana", "Núñez", "ana@example.com"),
                shop.contact("Sean", "O'Brien", "sean@example.com"),
                shop.contact("Mia", "Park", "mia@example.com", company="Park & Co", city="Austin")]
    product = shop.product("Widget", "WID-1", "10.00")
    for n, spec in enumerate(book):
        when = FIRST_DAY + timedelta(days=spec["day"], hours=spec["hour"] - 9)
        contact = contacts[spec["contact"]]
        with store.frozen_at(when):
            invoice = billing.create_order(store, contact, f"Order {n}")
            product_cents = 0
            for item_type, cents, qty in spec["products"]:
                billing.add_item(store, invoice, product, item_type, Decimal(cents) * CENT, qty, "Widget")
                product_cents += cents * qty
            discount_budget = product_cents - 1  # specials are discounts that never exceed the products
            for item_type, cents, qty in spec["extras"]:
                if item_type in SPECIALS:
                    cents = min(cents, discount_budget)
                    discount_budget -= cents
                    if not cents:
                        continue
                price = Decimal(-cents if item_type in SPECIALS else cents) * CENT
                billing.add_item(store, invoice, 0, item_type, price, qty, f"type {item_type}")
            due = store.get("Invoice", invoice)["TotalDue"]
            kind = spec["payment"]
            if kind in ("card", "refunded"):
                result = shop.charge(invoice, contact)
                if kind == "refunded":
                    billing.refund_payment(store, result.payment_id, due / 2)
            elif kind == "declined":
                shop.charge(invoice, contact, declined=True)
            elif kind == "split":
                first = (due / 4).quantize(CENT)
                shop.pay_manually(invoice, first, when, "Check")
                shop.charge(invoice, contact, amount=str(due - first))
            elif kind == "manual_partial" and due > CENT:
                shop.pay_manually(invoice, (due / 3).quantize(CENT), when, "Cash")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(book=books)
def test_random_books_sync_exactly_once_and_to_the_cent(keap, qbo, tmp_path, monkeypatch, book):
    keap.reset()
    world = make_world(keap, qbo, f"sqlite:///{tmp_path / f'{uuid.uuid4().hex}.sqlite3'}", monkeypatch)
    qbo.configure(world.realm, requests_per_minute=100000)
    world.quickbooks_section["requests_per_minute"] = 100000
    store = keap.store
    build(store, book)

    first = world.cycle()
    assert first.ok and not first.held, (first.failed, first.held)
    second = world.cycle()
    assert second.counts["invoices"] + second.counts["payments"] + second.counts["updated"] == 0
    assert second.counts["refund_receipts"] + second.counts["credit_memos"] == 0

    invoices, payments = world.entities("Invoice"), world.entities("Payment")
    assert max(Counter(i["DocNumber"] for i in invoices).values()) == 1
    assert not payments or max(Counter(p["PaymentRefNum"] for p in payments).values()) == 1
    # every order is an invoice numbered by its order id, to the cent, on its own day
    invoice_days: dict = defaultdict(Decimal)
    for row in store.rows("Invoice"):
        invoice_days[row["DateCreated"].date()] += row["InvoiceTotal"]
    assert sorted(int(i["DocNumber"]) for i in invoices) == sorted(r["JobId"] for r in store.rows("Invoice"))
    assert world.qbo.totals_by_day(world.realm, "Invoice") == dict(invoice_days)
    # every payment on its own day, to the cent (refunds are not payments: they are refund receipts)
    payment_days: dict = defaultdict(Decimal)
    for row in store.rows("Payment"):
        if row["PayType"] != "Refund":
            payment_days[row["PayDate"].date()] += row["PayAmt"]
    assert world.qbo.totals_by_day(world.realm, "Payment") == dict(payment_days)
    # every refund is a refund receipt on its own day, returning what Keap returned, to the cent
    refund_days: dict = defaultdict(Decimal)
    for row in store.rows("Payment"):
        if row["PayType"] == "Refund":
            refund_days[row["PayDate"].date()] -= row["PayAmt"]
    assert world.qbo.totals_by_day(world.realm, "RefundReceipt") == dict(refund_days)
    # balances left open in QuickBooks are what Infusionsoft says is still due
    due = {str(r["JobId"]): r["InvoiceTotal"] - sum(
        p["PayAmt"] for p in store.rows("Payment", InvoiceId=r["Id"]) if p["PayType"] != "Refund")
        for r in store.rows("Invoice")}
    assert {i["DocNumber"]: Decimal(str(i["Balance"])) for i in invoices} == due
    # each line on its account (issue 11): products and finance charges are sales, shipping has its own
    # income account, discounts go to Discounts given, and tax to the Sales Tax Payable liability
    by_account: dict = defaultdict(Decimal)
    for row in store.rows("OrderItem"):
        by_account[ACCOUNT_OF_TYPE.get(row["ItemType"], "Sales of Product Income")] += (
            Decimal(row["Qty"]) * row["PPU"]).quantize(CENT)
    assert world.qbo.totals_by_account(world.realm, ("Invoice",)) == {k: v for k, v in by_account.items() if v}

"""Paging across 2,500 rows and the OrderSource's bulk reads, counted on the wire."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from syncsvc.infusionsoft.records import Contact, Payment

NY = ZoneInfo("America/New_York")


def seed_paid_invoices(store, n: int, card_every: int = 2):
    """n invoices of one order item each, paid by card (with a CCharge) or manually, straight into the store."""
    contact = store.add_contact(FirstName="Bulk")
    now = store.now()
    invoices = []
    for i in range(n):
        job = store.insert("Job", {"ContactId": contact, "JobTitle": f"Order {i}", "DateCreated": now})
        invoice = store.insert("Invoice", {"JobId": job, "ContactId": contact, "DateCreated": now,
                                           "InvoiceTotal": Decimal("10.00"), "TotalPaid": Decimal("10.00"),
                                           "TotalDue": Decimal("0"), "PayStatus": 1})
        store.insert("OrderItem", {"OrderId": job, "ItemName": "Thing", "Qty": 1, "PPU": Decimal("10.00"),
                                   "CPU": Decimal("0"), "ItemType": 4})
        charge_id = 0
        if i % card_every == 0:
            charge_id = store.insert("CCharge", {"RefNum": f"REF{i:05d}", "ApprCode": "OK", "Amt": Decimal("10.00")})
        payment = store.insert("Payment", {"InvoiceId": invoice, "ContactId": contact, "PayDate": now,
                                           "PayAmt": Decimal("10.00"), "ChargeId": charge_id, "UserId": 1,
                                           "PayType": "Credit Card" if charge_id else "Check"})
        if charge_id:
            store.update("CCharge", charge_id, PaymentId=payment)
        invoices.append((job, invoice, payment, charge_id))
    return invoices


def test_iter_query_pages_2500_rows_in_three_calls(make_client, sandbox, calls):
    for i in range(2500):
        sandbox.store.add_contact(FirstName=f"C{i}", LastName="Bulk")
    client = make_client()
    rows = client.data.iter_query("Contact", {"LastName": "Bulk"}, Contact.FIELDS)
    first = next(rows)
    assert calls == ["DataService.query"]  # streamed: one page fetched so far
    ids = [first["Id"], *(row["Id"] for row in rows)]
    assert len(ids) == 2500 and ids == sorted(ids) and len(set(ids)) == 2500
    assert calls == ["DataService.query"] * 3  # 1000 + 1000 + 500 (short page ends it)
    assert client.data.count("Contact", {"LastName": "Bulk"}) == 2500


def test_exact_multiple_of_page_size_needs_one_empty_page(make_client, sandbox, calls):
    for i in range(20):
        sandbox.store.add_contact(FirstName=f"C{i}")
    client = make_client(page_size=10)
    assert len(list(client.data.iter_query("Contact", {}, ["Id"]))) == 20
    assert calls == ["DataService.query"] * 3


def test_payments_after_id_resolve_ref_nums_in_bulk(make_client, sandbox, calls):
    seeded = seed_paid_invoices(sandbox.store, 2500)
    client = make_client()
    payments = list(client.source.payments_after_id(0))
    assert len(payments) == 2500
    by_id = {p.id: p for p in payments}
    for i, (_, invoice, payment_id, charge_id) in enumerate(seeded):
        payment = by_id[payment_id]
        assert payment.invoice_id == invoice
        assert payment.ref_num == (f"REF{i:05d}" if charge_id else None)
    # 3 pages of payments, one CCharge IN read per page: never a call per payment
    assert calls.count("DataService.query") == 6
    later = list(client.source.payments_after_id(seeded[2399][2]))
    assert [p.id for p in later] == [s[2] for s in seeded[2400:]]


def test_children_by_parent_ids_read_in_ranges(make_client, sandbox, calls):
    """IN works only on Id, so OrderItem.OrderId & co. are read as ranges or one scan, never per parent."""
    seeded = seed_paid_invoices(sandbox.store, 1200, card_every=3)
    client = make_client(page_size=100)
    # three tight clusters: one bounded range read each (plus the count that chose ranges over a scan)
    wanted = [s[0] for s in seeded[0:5] + seeded[600:605] + seeded[1195:1200]]
    items = client.source.order_items_for_orders(wanted)
    assert sorted(i.order_id for i in items) == sorted(wanted)
    assert calls == ["DataService.count"] + ["DataService.query"] * 3

    calls.clear()
    invoice_ids = [s[1] for s in seeded[::40]]  # ids 40 apart: one cluster, one range of 12 pages
    payments = client.source.payments_for_invoices(invoice_ids)
    assert sorted(p.invoice_id for p in payments) == sorted(invoice_ids)
    assert all(isinstance(p, Payment) for p in payments)
    assert [p.ref_num for p in sorted(payments, key=lambda p: p.id)][:2] == ["REF00000", None]
    assert calls == ["DataService.query"] * 12 + ["DataService.query"]  # + one CCharge IN read

    calls.clear()
    spread = [s[1] for s in seeded[::300]]  # four far-apart ids: one 2-page scan beats four ranges
    payments = make_client().source.payments_for_invoices(spread)
    assert sorted(p.invoice_id for p in payments) == sorted(spread)
    assert calls == ["DataService.count"] + ["DataService.query"] * 2 + ["DataService.query"]

    invoices = client.source.invoices_for_orders([s[0] for s in seeded[:5]])
    assert sorted(i.order_id for i in invoices) == [s[0] for s in seeded[:5]]
    assert client.source.invoice_items_for_invoices([seeded[0][1]]) == []  # seeded without InvoiceItems
    assert client.source.order_items_for_orders([]) == []


def test_changed_since_uses_last_updated_in_account_time(make_client, sandbox):
    store = sandbox.store
    contact = store.add_contact(FirstName="Time")
    base = datetime(2026, 11, 1, 4, 30, tzinfo=timezone.utc)  # 00:30 EDT
    # real half hours: 00:30 01:00 01:30 EDT, then 01:00 01:30 EST (the repeated hour), 02:00 EST
    stamps = [(base + timedelta(minutes=30 * i)).astimezone(NY) for i in range(6)]
    jobs = []
    for moment in stamps:
        with store.frozen_at(moment):
            job = store.insert("Job", {"ContactId": contact, "JobTitle": "t", "DateCreated": store.now()})
            store.insert("Invoice", {"JobId": job, "ContactId": contact, "DateCreated": store.now()})
            jobs.append(job)
    client = make_client()
    since = stamps[2]  # 01:30 EDT; the job at 01:00 EST is later but its wall clock reads earlier
    assert stamps[3].strftime("%H:%M") == "01:00" and stamps[3].astimezone(timezone.utc) > since.astimezone(timezone.utc)
    orders = list(client.source.orders_changed_since(since))
    assert {o.id for o in orders} >= set(jobs[2:])
    assert all(o.last_updated.tzinfo is not None for o in orders)
    invoices = list(client.source.invoices_changed_since(datetime(2030, 1, 1, tzinfo=NY)))
    assert invoices == []


def test_contacts_products_and_payments_by_pay_date(make_client, sandbox):
    store = sandbox.store
    contacts = [store.add_contact(FirstName=f"P{i}") for i in range(3)]
    products = [store.add_product(ProductName=f"Prod {i}", Sku=f"S{i}", ProductPrice="1.50") for i in range(2)]
    seed_paid_invoices(store, 3)
    client = make_client()
    assert [c.first_name for c in client.source.contacts_by_ids(contacts)] == ["P0", "P1", "P2"]
    assert [p.sku for p in client.source.products_by_ids(products)] == ["S0", "S1"]
    assert client.source.products_by_ids([]) == []
    recent = list(client.source.payments_since(datetime.now(NY) - timedelta(days=2)))
    assert len(recent) == 3 and recent[0].ref_num == "REF00000"

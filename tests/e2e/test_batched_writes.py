"""Creates and updates go out in QuickBooks batch requests (issue 13), and each item's fault lands on its
own order exactly as a single write's would: a 6140 DocNumber clash holds its order, a 6000 overpayment
holds its payment with the amounts, a 2500 bad reference is its order's error; the rest of the batch posts."""

from __future__ import annotations

import threading
from collections import Counter
from decimal import Decimal
from urllib.parse import unquote, urlparse

from quickbooks.objects.base import LinkedTxn
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.payment import Payment, PaymentLine

from syncsvc.quickbooks import writers
from syncsvc.quickbooks.client import open_company
from syncsvc.sync.cycle import run_cycle
from syncsvc.sync.qbo_mapping import ref
from syncsvc.sync.wiring import open_parts

from .shop import Shop


def _paid_orders(shop: Shop, product: int, price: str, count: int, family: str) -> list[tuple[int, int]]:
    """`count` orders of one `product` each, by as many new contacts (family name `family`), each paid by
    card; their (order id, contact id)."""
    orders = []
    for n in range(count):
        contact = shop.contact(f"Buyer{n}", family, f"{family.lower()}{n}@example.com")
        order_id, invoice_id = shop.order(contact, (product, price, 1))
        shop.charge(invoice_id, contact)
        orders.append((order_id, contact))
    return orders


def _thirty_orders(world):
    shop = Shop(world.keap.store)
    widget = shop.product(price="40.00")
    warm_up = shop.contact("Warm", "Up", "warm@example.com")
    shop.order(warm_up, (widget, "40.00", 1))
    assert world.cycle().ok  # the item exists in QuickBooks now: the 30 orders below create no item
    return _paid_orders(shop, widget, "40.00", 30, "Batch")


def _bookkeepers_invoice(qb, doc_number: str, customer_id: str, item_id: str) -> None:
    from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail

    invoice = Invoice()
    invoice.DocNumber, invoice.CustomerRef = doc_number, ref(customer_id)
    line = SalesItemLine()
    line.Amount = Decimal("5.00")
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = ref(item_id)
    invoice.Line = [line]
    writers.create(qb, invoice)


def _bookkeepers_payment(qb, invoice: dict) -> None:
    typed = Payment()
    typed.PaymentRefNum, typed.CustomerRef = "CHK-1", ref(invoice["CustomerRef"]["value"])
    typed.TotalAmt = Decimal(invoice["TotalAmt"])
    line = PaymentLine()
    line.Amount = Decimal(invoice["TotalAmt"])
    linked = LinkedTxn()
    linked.TxnId, linked.TxnType = invoice["Id"], "Invoice"
    line.LinkedTxn = [linked]
    typed.Line = [line]
    writers.create(qb, typed)


def _cycle_watching(world, on_response):
    """One cycle whose QuickBooks answers also go to `on_response`; the summary, and the company's
    traffic before and after."""
    settings = world.settings()
    before = world.qbo.traffic(world.realm)
    with open_parts(settings, upgrade_schema=False) as parts:
        parts.qb.session.hooks["response"].append(on_response)
        summary = run_cycle(parts.source, parts.qb, parts.state, settings.sync)
    return summary, before, world.qbo.traffic(world.realm)


def _cycle_counting_writes(world) -> tuple[object, Counter]:
    """One cycle; its summary, and the write requests it sent by kind ("batch", "invoice", "payment",
    "customer", "item": the last four sent one by one)."""
    sent = Counter()

    def count(response, *args, **kwargs):
        kind = urlparse(response.request.url).path.rsplit("/", 1)[-1]
        if response.request.method == "POST" and kind in ("item", "customer", "invoice", "payment", "batch"):
            sent[kind] += 1

    summary, _, _ = _cycle_watching(world, count)
    return summary, sent


def test_faults_inside_one_batch_land_on_their_own_orders_and_the_other_27_post(world):
    orders = _thirty_orders(world)
    (bad_ref, bad_contact), (clash, _), (overpaid, _) = orders[0], orders[1], orders[2]
    with world.state().unit() as uow:  # a link to a customer that is not in QuickBooks: 2500 on its invoice
        uow.link_customer(bad_contact, "999999", "manual")
    bookkeeper = open_company(world.settings()).client()
    item_id = world.entities("Item")[0]["Id"]
    customer_id = world.entities("Customer")[0]["Id"]
    done = set()

    def bookkeeper_meanwhile(response, *args, **kwargs):
        """Between the sync's bulk reads and its batches, a bookkeeper types in QuickBooks."""
        path = urlparse(response.request.url).path
        if path.endswith("/query") and "clash" not in done:
            done.add("clash")  # after the first bulk read: an invoice numbered like the clash order
            _bookkeepers_invoice(bookkeeper, str(clash), customer_id, item_id)
        if path.endswith("/batch") and "paid" not in done:
            mine = [i for i in world.entities("Invoice") if i.get("DocNumber") == str(overpaid)]
            if mine:  # our invoice is in: the bookkeeper records a cheque for all of it
                done.add("paid")
                _bookkeepers_payment(bookkeeper, mine[0])

    summary, before, after = _cycle_watching(world, bookkeeper_meanwhile)

    assert done == {"clash", "paid"}
    assert set(summary.failed) == {bad_ref}
    assert "Invalid Reference" in summary.failed[bad_ref] or "2500" in summary.failed[bad_ref]
    assert set(summary.held) == {clash, overpaid}
    assert f"DocNumber {str(clash)!r} is already used" in summary.held[clash]
    assert "more than the 0.00 open on QuickBooks invoice" in summary.held[overpaid]
    posted = {int(i["DocNumber"]) for i in world.entities("Invoice") if i.get("PrivateNote")}
    others = {order_id for order_id, _ in orders[3:]}
    assert others <= posted and len(others) == 27
    for order_id in others:
        [payment] = world.payments_for(world.invoice(str(order_id)))
        assert Decimal(payment["TotalAmt"]) == Decimal("40.00")
    assert summary.counts["invoices"] == 28 and summary.counts["payments"] == 27
    # 30 customers, 29 invoices and 28 payments in a handful of batch requests, not 87 requests
    batches = after["batches"] - before["batches"]
    assert 3 <= batches <= 6
    assert after["throttled"] == before["throttled"]


def test_how_customers_were_matched_is_counted_as_when_orders_post_one_by_one(world):
    from .test_customers_and_cli import _qbo_customer

    qb = open_company(world.settings()).client()
    _qbo_customer(qb, "J. Known (books)", email="known@example.com")
    shop = Shop(world.keap.store)
    widget = shop.product(price="5.00")
    new, known = shop.contact("Nora", "New", "nora@example.com"), shop.contact("Kim", "Known", "known@example.com")
    for contact in (new, new, new, known, known):
        shop.order(contact, (widget, "5.00", 1))

    summary = world.cycle()

    assert summary.ok and summary.counts["invoices"] == 5 and summary.counts["customers_created"] == 1
    matched = {k: v for k, v in summary.counts.items() if k.startswith("customers_by_") and v}
    assert matched == {"customers_by_created": 1, "customers_by_linked": 3, "customers_by_email": 1}


def test_writes_go_in_full_batches_and_none_one_by_one_beside_them(world):
    # Batch requests are what a backfill runs out of (40 a minute) and requests per document are metered:
    # a write beside a batch costs a whole request, one in the next batch a thirtieth of one.
    shop = Shop(world.keap.store)
    widget = shop.product(price="40.00")
    jane = shop.contact("Jane", "Batch", "jane@example.com")
    shop.order(jane, (widget, "40.00", 1))
    assert world.cycle().ok  # customer and item exist: each order below is an invoice, then a payment
    orders = []
    for _ in range(60):
        order_id, invoice_id = shop.order(jane, (widget, "40.00", 1))
        shop.charge(invoice_id, jane)
        orders.append(order_id)
    before = world.qbo.traffic(world.realm)
    summary, sent = _cycle_counting_writes(world)
    after = world.qbo.traffic(world.realm)

    assert summary.ok and summary.counts["invoices"] == 60 and summary.counts["payments"] == 60, summary.failed
    assert sent["invoice"] + sent["payment"] == 0  # nothing one by one
    assert sent["batch"] == 4  # 120 writes: four full batches
    assert after["throttled"] == before["throttled"]
    for order_id in orders:
        [payment] = world.payments_for(world.invoice(str(order_id)))
        assert Decimal(payment["TotalAmt"]) == Decimal("40.00")


def test_contacts_a_new_customer_would_match_wait_for_it_instead_of_creating_their_own(world):
    shop = Shop(world.keap.store)
    widget = shop.product(price="5.00")
    shop.order(shop.contact("Warm", "Up", "warm@example.com"), (widget, "5.00", 1))
    assert world.cycle().ok  # the item exists: the orders below are planned side by side
    contacts = [shop.contact("Ann", "Lee", "ann@example.com"), shop.contact("Annie", "Lee-Wong", "ann@example.com"),
                shop.contact("Wei", "Fernandez", "wei1@example.com"), shop.contact("Wei", "Fernandez", ""),
                shop.contact("", "", "", company="Acme", city="Boston"),
                shop.contact("", "", "", company="Acme", city="Boston")]
    orders = [shop.order(contact, (widget, "5.00", 1))[0] for contact in contacts]
    later = shop.order(shop.contact("A.", "Lee", "ann@example.com"), (widget, "5.00", 1))[0]

    summary = world.cycle()

    # As one by one: the second of each pair matches the first's new customer (by email, by name, by
    # company and city); nobody is left matching two customers the sync created.
    assert summary.ok and summary.counts["held"] == 0 and summary.counts["invoices"] == len(orders) + 1
    assert summary.counts["customers_created"] == 3
    customer = {o: world.invoice(str(o))["CustomerRef"]["value"] for o in orders + [later]}
    assert customer[orders[0]] == customer[orders[1]] == customer[later]
    assert customer[orders[2]] == customer[orders[3]] and customer[orders[4]] == customer[orders[5]]


def test_orders_wait_for_a_new_item_only_until_it_exists(world):
    # The first order to sell a product creates its item; the others wait for that write, not for the
    # whole of that order (its customer, invoice and payment): then all go in full batches together.
    shop = Shop(world.keap.store)
    widget = shop.product(name="Brand-new widget", sku="NEW-1", price="40.00")
    _paid_orders(shop, widget, "40.00", 30, "Fresh")
    summary, sent = _cycle_counting_writes(world)

    assert summary.ok and summary.counts["invoices"] == 30 and summary.counts["payments"] == 30, summary.failed
    assert summary.counts["items_created"] == 1 and summary.counts["customers_created"] == 30
    # The item alone (the others wait for it), then 30 customers, 30 invoices and 30 payments in three
    # full batches. Before, the others waited for the first order's customer, invoice and payment too,
    # each sent alone.
    assert sent == {"item": 1, "batch": 3}


def test_new_items_are_created_side_by_side_not_in_the_order_of_the_orders_that_need_them(world):
    # Which order creates an item does not change the books (the others find it), so an order waiting
    # for item A does not make a later order that needs only item B wait too.
    shop = Shop(world.keap.store)
    gadget_a = shop.product(name="Gadget A", sku="GA-1", price="10.00")
    gadget_b = shop.product(name="Gadget B", sku="GB-1", price="20.00")
    for n in range(30):
        contact = shop.contact(f"Buyer{n}", "Twice", f"twice{n}@example.com")
        lines = [(gadget_a, "10.00", 1)] if n == 0 else [(gadget_a, "10.00", 1), (gadget_b, "20.00", 1)] \
            if n < 15 else [(gadget_b, "20.00", 1)]
        _, invoice_id = shop.order(contact, *lines)
        shop.charge(invoice_id, contact)
    summary, sent = _cycle_counting_writes(world)

    assert summary.ok and summary.counts["invoices"] == 30 and summary.counts["items_created"] == 2, summary.failed
    assert sent == {"batch": 4}  # the two items together, then 30 customers, invoices and payments


def test_the_next_read_batch_is_read_from_keap_while_this_ones_writes_go_out(world):
    # A pause between read batches delays every batch request after it (each waits for the one 39
    # before it to be a minute old), so the next batch's Keap reads are not left for the pause.
    shop = Shop(world.keap.store)
    _paid_orders(shop, shop.product(price="10.00"), "10.00", 30, "Ahead")
    settings = world.settings(batch_size=10)  # three read batches
    world.qbo.configure(world.realm, latency=0.2)  # each round's answer takes long enough to read meanwhile
    keap_calls_at_writes = []

    def note(response, *args, **kwargs):
        if urlparse(response.request.url).path.endswith("/batch"):
            keap_calls_at_writes.append(world.keap.rest_calls + world.keap.calls)

    with open_parts(settings, upgrade_schema=False) as parts:
        parts.qb.session.hooks["response"].append(note)
        summary = run_cycle(parts.source, parts.qb, parts.state, settings.sync)

    assert summary.ok and summary.counts["invoices"] == 30 and summary.counts["payments"] == 30, summary.failed
    # Keap's calls as each batch was answered: read one batch at a time, the count moves once per read
    # batch (three values); read ahead, the next batch is read by the first answer of this one's
    # writes, and the third while the second's go out (two).
    assert len(set(keap_calls_at_writes)) == 2, keap_calls_at_writes


def _cycle_holding_the_first_write(world, settings, next_batch_first_order: int):
    """One cycle whose first write's answer is held (up to 10 s) until the DocNumbers of the read batch
    starting with `next_batch_first_order` have been looked up (the last of a read batch's bulk reads),
    so the first read batch creates nothing before then; the summary, and whether they were looked up by
    then."""
    next_batch_read = threading.Event()
    waited = []

    def note(response, *args, **kwargs):
        request = response.request
        body = request.body.decode() if isinstance(request.body, bytes) else request.body or ""
        text = unquote(request.url) + " " + body
        if "/query" in request.url and "DocNumber IN" in text and f"'{next_batch_first_order}'" in text:
            next_batch_read.set()
        elif request.method == "POST" and "/query" not in request.url and not waited:
            waited.append(next_batch_read.wait(10))

    with open_parts(settings, upgrade_schema=False) as parts:
        parts.qb.session.hooks["response"].append(note)
        summary = run_cycle(parts.source, parts.qb, parts.state, settings.sync)
    assert next_batch_read.is_set()  # looked up at some point
    return summary, waited == [True]


def test_the_next_read_batchs_quickbooks_reads_go_out_while_this_ones_writes_do(world):
    # The bulk reads of a read batch (customers, items, payments and documents already in QuickBooks) take
    # a few rounds of answers; left for the pause between read batches, they delay every batch request
    # after it, as a Keap read would.
    shop = Shop(world.keap.store)
    order_ids = [order_id for order_id, _ in _paid_orders(shop, shop.product(price="10.00"), "10.00", 20, "Early")]

    summary, read_during_first_write = _cycle_holding_the_first_write(
        world, world.settings(batch_size=10), sorted(order_ids)[10])  # two read batches

    assert summary.ok and summary.counts["invoices"] == 20 and summary.counts["payments"] == 20, summary.failed
    assert read_during_first_write


def test_a_read_batch_read_ahead_finds_the_customers_the_batch_before_it_created(world):
    # Its reads went out before the first batch's customers existed; what that batch created meanwhile is
    # added to them, so its contacts match those customers, and its new customers avoid their names, as
    # they would read at their turn.
    shop = Shop(world.keap.store)
    widget = shop.product(price="10.00")
    first = [shop.order(shop.contact(first, last, email), (widget, "10.00", 1))[0] for first, last, email in (
        ("Ann", "Lee", "ann@example.com"), ("Bob", "Ray", "bob@example.com"), ("Pat", "Kim", "pat@example.com"),
        ("Filler1", "First", "f1@example.com"), ("Filler2", "First", "f2@example.com"))]
    # The next read batch: another Keap contact with Ann's email, one with Bob's name and no email, and
    # another Pat Kim (another email: another person).
    other_pat = shop.contact("Pat", "Kim", "pat.kim@example.com")
    second = [shop.order(contact, (widget, "10.00", 1))[0] for contact in (
        shop.contact("Annie", "Lee", "ann@example.com"), shop.contact("Bob", "Ray", ""), other_pat,
        shop.contact("Filler3", "Second", "s3@example.com"), shop.contact("Filler4", "Second", "s4@example.com"))]
    assert max(first) < min(second)

    summary, read_during_first_write = _cycle_holding_the_first_write(world, world.settings(batch_size=5),
                                                                      min(second))

    assert read_during_first_write  # the second batch's reads were made before the first's customers existed
    assert summary.ok and summary.counts["invoices"] == 10, summary.failed
    names = sorted(c["DisplayName"] for c in world.qbo.entities(world.realm, "Customer") if "Filler" not in
                   c["DisplayName"])
    assert names == ["Ann Lee", "Bob Ray", "Pat Kim", f"Pat Kim ({other_pat})"]
    assert summary.counts["customers_by_email"] == 1 and summary.counts["customers_by_name"] == 1

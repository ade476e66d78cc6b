"""A generated account of 150 orders: QuickBooks holds what Infusionsoft holds, to the cent, once."""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal

from syncsvc.sandbox.infusionsoft.generator import generate_account


def test_150_orders_sync_with_per_day_totals_equal_to_the_cent_and_nothing_twice(world):
    store = world.keap.store
    # Limits are covered elsewhere; here the 500-a-minute window would only make the test wait.
    world.qbo.configure(world.realm, requests_per_minute=100000)
    world.quickbooks_section["requests_per_minute"] = 100000
    generate_account(store, orders=150, seed=3)

    first = world.cycle(doc_number_prefix="IS-")
    second = world.cycle(doc_number_prefix="IS-")

    assert second.counts["invoices"] + second.counts["payments"] + second.counts["updated"] == 0
    invoices = world.entities("Invoice")
    doc_numbers = Counter(i["DocNumber"] for i in invoices)
    refs = Counter(p["PaymentRefNum"] for p in world.entities("Payment"))
    assert max(doc_numbers.values()) == 1 and max(refs.values()) == 1

    posted = {int(i["DocNumber"][3:]) for i in invoices}
    not_posted = set(first.failed) | set(first.held)
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for row in store.rows("Invoice"):
        if row["JobId"] in posted:
            expected[row["DateCreated"].date().isoformat()] += row["InvoiceTotal"]
    assert {d.isoformat(): t for d, t in world.qbo.totals_by_day(world.realm, "Invoice").items()} == dict(expected)
    every_order = {row["JobId"] for row in store.rows("Invoice")}
    assert posted | not_posted | _skipped(world) == every_order
    assert len(posted) >= 0.9 * len(every_order)


def _skipped(world) -> set[int]:
    with world.state().unit() as uow:
        return {i.subject_id for i in uow.open_issues() if i.subject == "order" and i.kind == "skipped"}


def test_a_1000_order_backfill_reads_keap_in_at_most_two_calls_per_hundred_orders(world):
    # Keap allows 1,500 calls a day on some plans: a shop's history must not spend it.
    world.qbo.configure(world.realm, requests_per_minute=100000)
    world.quickbooks_section["requests_per_minute"] = 100000
    generate_account(world.keap.store, orders=1000, seed=5)
    before = world.keap.rest_calls + world.keap.calls

    summary = world.cycle()

    calls = world.keap.rest_calls + world.keap.calls - before
    assert summary.counts["invoices"] >= 900
    assert calls <= 20, f"{calls} Keap calls for 1,000 orders"

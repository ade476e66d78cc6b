"""A stop request ends the cycle after the order in hand: what was posted stays recorded, the
watermarks stay put, and the next cycle posts the rest exactly once."""

from __future__ import annotations

from sqlalchemy import select

from syncsvc.engine import cursors
from syncsvc.store.sync_models import SyncedDocument
from syncsvc.sync.cycle import run_cycle
from syncsvc.sync.wiring import open_parts
from tests.e2e.shop import Shop

from .conftest import runs


def test_a_stopped_cycle_leaves_the_rest_for_the_next_one(world):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    widget = shop.product(price="10.00")
    for _ in range(5):
        _, invoice_id = shop.order(jane, (widget, "10.00", 1))
        shop.charge(invoice_id, jane)

    def stop_after_a_while() -> bool:
        # Asked before the read batch, then before each order (one write per request) or each round of
        # writes (batch requests): either way the stop comes with part of the orders done.
        return len(world.entities("Invoice")) > 0

    settings = world.settings()
    with open_parts(settings, upgrade_schema=False) as parts:
        stopped = run_cycle(parts.source, parts.qb, parts.state, settings.sync, should_stop=stop_after_a_while)
    posted, paid = len(world.entities("Invoice")), len(world.entities("Payment"))
    assert stopped.stopped and 0 < posted and paid < 5
    assert (stopped.counts["invoices"], stopped.counts["payments"]) == (posted, paid)  # what it did, said
    assert runs(world)[-1].status == "stopped"
    with world.state().unit() as uow:
        assert uow.watermark(cursors.ORDERS_THROUGH) is None
        assert len(uow.session.scalars(select(SyncedDocument)).all()) == posted  # what was posted is recorded

    rest = world.cycle()
    assert not rest.stopped and rest.counts["duplicates_avoided"] == 0
    assert (rest.counts["invoices"], rest.counts["payments"]) == (5 - posted, 5 - paid)
    assert len(world.entities("Invoice")) == 5 and len(world.entities("Payment")) == 5

"""A stop request ends the cycle after the order in hand: what was posted stays recorded, the
watermarks stay put, and the next cycle posts the rest exactly once."""

from __future__ import annotations

from syncsvc.engine import cursors
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
    asked = []

    def stop_after_two() -> bool:
        asked.append(1)
        return len(asked) > 3  # once before the batch, then before each order: stop before the third

    settings = world.settings()
    with open_parts(settings, upgrade_schema=False) as parts:
        stopped = run_cycle(parts.source, parts.qb, parts.state, settings.sync, should_stop=stop_after_two)
    assert stopped.stopped and stopped.counts["invoices"] == 2 and len(world.entities("Invoice")) == 2
    assert runs(world)[-1].status == "stopped"
    with world.state().unit() as uow:
        assert uow.watermark(cursors.ORDERS_THROUGH) is None

    rest = world.cycle()
    assert not rest.stopped and rest.counts["invoices"] == 3
    assert len(world.entities("Invoice")) == 5 and len(world.entities("Payment")) == 5

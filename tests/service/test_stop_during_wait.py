"""SIGTERM while QuickBooks throttles: the daemon does not sit out the 60 s throttle wait (Docker kills
after 10 s, mid-order). The wait ends at once, the run is recorded as stopped, the order in hand is not
recorded as failed, the watermarks stay put, and the process exits 0 within seconds."""

from __future__ import annotations

import time

from syncsvc.engine import cursors
from tests.e2e.shop import Shop

from .conftest import runs, write_config


def test_sigterm_during_a_quickbooks_throttle_wait_stops_the_daemon_within_seconds(world, daemons, tmp_path):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    widget = shop.product(sku="WID-1", price="40.00")
    _, invoice_id = shop.order(jane, (widget, "40.00", 1))
    shop.charge(invoice_id, jane)
    # Every invoice write answers 429 without Retry-After: the client waits throttle_wait_seconds (60 s).
    world.qbo.inject(world.realm, "throttle_json", count=1000, entity="Invoice", writes_only=True)
    config = write_config(world, tmp_path / "syncsvc.toml", interval_seconds=300.0,
                          quickbooks={"throttle_wait_seconds": 60.0})

    daemon = daemons(config, "run")
    daemon.wait_for_log("; retrying", timeout=20)  # the first 429: the client is in its 60 s wait now
    time.sleep(0.3)
    started = time.monotonic()
    assert daemon.terminate(timeout=10) == 0, daemon.log()
    assert time.monotonic() - started < 5, daemon.log()

    assert world.entities("Invoice") == []
    [run] = runs(world)
    assert run.status == "stopped", (run.status, run.message)
    with world.state().unit() as uow:
        assert [i for i in uow.open_issues() if i.subject == "order"] == []  # not recorded as failed
        assert uow.watermark(cursors.ORDERS_THROUGH) is None
    assert "Traceback" not in daemon.log()

"""`syncsvc run` as a real process: cycles on its interval, picks up new payments, stops cleanly on
SIGTERM, and a second daemon on the same connection never syncs alongside the first."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx

from syncsvc.engine import cursors
from tests.e2e.shop import Shop

from .conftest import free_port, runs, wait_until, write_config


def _metric(text: str, name: str) -> float:
    [value] = [line.rsplit(" ", 1)[1] for line in text.splitlines() if line.split(" ", 1)[0] == name]
    return float(value)


def test_the_daemon_syncs_every_interval_stops_on_sigterm_and_a_second_one_waits(world, daemons, tmp_path):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    widget = shop.product(sku="WID-1", price="40.00")
    paid_order, paid_invoice = shop.order(jane, (widget, "40.00", 1))
    shop.charge(paid_invoice, jane)
    open_order, open_invoice = shop.order(jane, (widget, "40.00", 2))
    shop.charge(open_invoice, jane, amount="30.00")
    port = free_port()
    config = write_config(world, tmp_path / "syncsvc.toml", health_port=port)

    first = daemons(config, "run")
    wait_until(lambda: len([r for r in runs(world) if r.status == "ok"]) >= 2, 20, "two finished cycles")
    invoice = world.invoice(str(open_order))
    assert [p["TotalAmt"] for p in world.payments_for(invoice)] == [Decimal("30.00")]
    assert len(world.entities("Invoice")) == 2

    shop.pay_manually(open_invoice, "50.00", datetime.now(ZoneInfo("America/New_York")))
    wait_until(lambda: len(world.payments_for(invoice)) == 2, 10, "the new payment in QuickBooks")
    assert sorted(p["TotalAmt"] for p in world.payments_for(invoice)) == [Decimal("30.00"), Decimal("50.00")]
    assert world.qbo.get(world.realm, "Invoice", invoice["Id"])["Balance"] == Decimal("0")

    # The health listener tells what the daemon did; the counters match what QuickBooks holds.
    base = f"http://127.0.0.1:{port}"
    health = httpx.get(f"{base}/healthz", timeout=5)
    assert health.status_code == 200 and health.json()["status"] == "ok" and health.json()["last_success"]
    metrics = httpx.get(f"{base}/metrics", timeout=5).text
    assert "# TYPE syncsvc_orders_posted_total counter" in metrics
    assert _metric(metrics, "syncsvc_orders_posted_total") == len(world.entities("Invoice")) == 2
    assert _metric(metrics, "syncsvc_payments_posted_total") == len(world.entities("Payment")) == 3
    assert _metric(metrics, 'syncsvc_api_calls_total{api="infusionsoft"}') > 0
    assert _metric(metrics, 'syncsvc_api_calls_total{api="quickbooks"}') > 0

    # A second daemon on the same connection and database waits while the first holds the lock.
    second = daemons(write_config(world, tmp_path / "second.toml"), "run")
    second.wait_for_log("is being synced by")
    assert second.proc.poll() is None
    with_both = len(runs(world))

    assert first.terminate() == 0
    assert "SIGTERM received" in first.log() and "Traceback" not in first.log()
    # ... and takes over once the first has stopped.
    wait_until(lambda: any(r.status == "ok" and r.id > with_both for r in runs(world)), 15,
               "a cycle by the second daemon")
    assert second.terminate() == 0

    all_runs = runs(world)
    assert all(r.finished_at is not None for r in all_runs), [(r.id, r.status) for r in all_runs]
    for earlier, later in zip(all_runs, all_runs[1:]):
        assert earlier.finished_at <= later.started_at, f"runs {earlier.id} and {later.id} overlap"
    # State intact: nothing posted twice, watermarks recorded.
    assert len(world.entities("Invoice")) == 2 and len(world.entities("Payment")) == 3
    with world.state().unit() as uow:
        assert uow.document(paid_order) is not None and uow.document(open_order) is not None
        assert uow.watermark(cursors.ORDERS_THROUGH) is not None


def test_no_wait_exits_with_a_message_while_another_daemon_holds_the_connection(world, daemons, tmp_path):
    config = write_config(world, tmp_path / "syncsvc.toml", interval_seconds=30.0)
    first = daemons(config, "run")
    first.wait_for_log("holding the lock")
    second = daemons(config, "run", "--no-wait")
    assert second.proc.wait(15) == 1
    assert "is being synced by" in second.log() and "not starting a second daemon" in second.log()
    assert first.terminate() == 0

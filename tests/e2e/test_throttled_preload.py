"""QuickBooks answering 429 to a batch's bulk reads (the preload queries before its orders) no longer
aborts the whole cycle without a summary (issue 10): the run waits and goes on; what it could not do
is recorded and retried, and the watermarks stay where they were."""

from __future__ import annotations

from .shop import Shop


def _orders(world, n=3):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    widget = shop.product()
    ids = []
    for _ in range(n):
        order_id, invoice_id = shop.order(jane, (widget, "40.00", 1))
        shop.charge(invoice_id, jane)
        ids.append(order_id)
    return ids


def _watermarks(world):
    from syncsvc.sync.cycle import read_watermarks

    return read_watermarks(world.state())


def test_six_429s_in_a_row_on_a_preload_query_wait_and_go_on(world):
    orders = _orders(world)
    world.qbo.inject(world.realm, "throttle_json", count=6, entity="Item")  # every attempt of the first read

    summary = world.cycle()
    assert summary.ok and summary.counts["errors"] == 0
    assert summary.counts["invoices"] == len(orders) and summary.counts["payments"] == len(orders)
    assert sorted(int(i["DocNumber"]) for i in world.entities("Invoice")) == orders
    assert summary.watermarks and _watermarks(world)
    [run] = world.state().last_runs(1)
    assert run.status == "ok" and run.message == summary.line()


def test_a_batch_quickbooks_keeps_refusing_is_recorded_and_retried_and_the_watermarks_stay(world):
    orders = _orders(world)
    world.qbo.inject(world.realm, "throttle_json", count=12, entity="Item")  # the read, and again after the wait

    summary = world.cycle()  # returns: the run is recorded with its summary
    assert set(summary.failed) == set(orders) and summary.counts["errors"] == len(orders)
    assert all("QuickBooks" in reason and "429" in reason and "\n" not in reason for reason in summary.failed.values())
    assert summary.watermarks == {} and _watermarks(world) == {}  # not moved past what was not done
    [run] = world.state().last_runs(1)
    assert run.status == "failed" and run.message == summary.line()
    with world.state().unit() as uow:
        assert {i.subject_id for i in uow.open_issues() if i.kind == "error"} == set(orders)
    assert world.entities("Invoice") == []

    again = world.cycle()
    assert again.ok and again.counts["invoices"] == len(orders) and again.counts["payments"] == len(orders)
    assert _watermarks(world)
    with world.state().unit() as uow:
        assert uow.open_issues() == []


def test_a_bulk_read_quickbooks_rejects_outright_leaves_each_order_to_ask_for_itself(world, monkeypatch):
    from syncsvc.quickbooks.errors import ValidationFault
    from syncsvc.sync.resolve import QboDirectory

    orders = _orders(world, 2)
    real = QboDirectory.load_items
    calls = []

    def rejected_once(self, names, skus=()):
        calls.append(1)
        if len(calls) == 1:
            raise ValidationFault(4000, "Error parsing query", "QueryParserError")
        return real(self, names, skus)

    monkeypatch.setattr(QboDirectory, "load_items", rejected_once)
    summary = world.cycle()
    assert summary.ok and summary.counts["invoices"] == len(orders) and summary.watermarks


def test_a_stop_during_the_wait_after_refused_bulk_reads_ends_the_run_as_stopped(world):
    import threading
    import time

    from syncsvc.sync.cycle import run_cycle
    from syncsvc.sync.wiring import open_parts

    orders = _orders(world)
    world.qbo.inject(world.realm, "throttle_json", count=6, entity="Item")
    world.quickbooks_section["throttle_wait_seconds"] = 60.0  # the wait after the refused reads
    settings = world.settings()
    stop = threading.Event()
    threading.Timer(1.0, stop.set).start()

    started = time.monotonic()
    with open_parts(settings, upgrade_schema=False) as parts:
        summary = run_cycle(parts.source, parts.qb, parts.state, settings.sync, should_stop=stop.is_set)
    assert time.monotonic() - started < 20  # not the 60 s wait
    assert summary.stopped and not summary.failed and summary.watermarks == {} and _watermarks(world) == {}
    [run] = world.state().last_runs(1)
    assert run.status == "stopped"
    assert world.entities("Invoice") == []

    world.quickbooks_section["throttle_wait_seconds"] = 0.05  # the 429s left over need not cost a minute each
    assert world.cycle().counts["invoices"] == len(orders)  # the next run takes the orders again

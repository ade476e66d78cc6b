"""No write transaction is held across a QuickBooks call (issue 12): while the sync waits on QuickBooks,
another connection (the lease keeper renewing the lease, `syncsvc link`, a queued re-sync) can write to
the state database at once. What is decided and what QuickBooks answered are recorded in short
transactions."""

from __future__ import annotations

import sqlite3
import threading
import time

from .shop import Shop


def _orders(world, n):
    shop = Shop(world.keap.store)
    ids = []
    for _ in range(n):
        contact = shop.contact()  # a new customer per order: customer, invoice and payment writes
        order_id, invoice_id = shop.order(contact, (shop.product(), "25.00", 2))
        shop.charge(invoice_id, contact)
        ids.append(order_id)
    return ids


class _WriterProbe(threading.Thread):
    """Takes SQLite's write lock over and over from its own connection, waiting at most `patience` s."""

    def __init__(self, path: str, patience: float) -> None:
        super().__init__(daemon=True)
        self.path, self.patience = path, patience
        self.tries, self.refused = 0, 0
        self.done = threading.Event()

    def run(self) -> None:
        conn = sqlite3.connect(self.path, timeout=self.patience, isolation_level=None)
        try:
            while not self.done.is_set():
                self.tries += 1
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    conn.execute("ROLLBACK")
                except sqlite3.OperationalError:  # database is locked: a writer held it longer than patience
                    self.refused += 1
                time.sleep(0.02)
        finally:
            conn.close()


def test_another_writer_is_never_kept_waiting_while_quickbooks_answers_slowly(world):
    orders = _orders(world, 4)
    world.qbo.configure(world.realm, latency=0.3)  # every QuickBooks answer takes 300 ms
    probe = _WriterProbe(world.database_url.removeprefix("sqlite:///"), patience=0.15)
    probe.start()
    try:
        summary = world.cycle()
    finally:
        probe.done.set()
        probe.join()
    assert summary.ok and summary.counts["invoices"] == len(orders) and summary.counts["payments"] == len(orders)
    assert probe.tries > 20
    assert probe.refused == 0, f"{probe.refused} of {probe.tries} writes waited over 150 ms for the sync's lock"

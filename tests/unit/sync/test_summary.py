"""The one-line run summary the CLI prints."""

from __future__ import annotations

from syncsvc.sync.processing import SyncSummary


def test_line_names_counts_rules_and_failed_orders():
    summary = SyncSummary()
    summary.counts.update(orders=3, invoices=2, payments=1, errors=1, customers_by_email=2)
    summary.failed[1002] = "boom"
    line = summary.line()
    assert "3 orders: 2 invoices" in line and "1 payments" in line and "1 errors" in line
    assert "customers matched: email 2" in line and line.endswith("failed: 1002")
    assert not summary.ok
    assert summary.as_dict()["counts"]["sales_receipts"] == 0

"""The one-line run summary the CLI prints."""

from __future__ import annotations

from syncsvc.sync.processing import SyncSummary


def test_line_names_counts_rules_and_failed_orders():
    summary = SyncSummary()
    summary.counts.update(orders=3, invoices=2, payments=1, errors=1, customers_by_email=2)
    summary.failed[1002] = "boom"
    line = summary.line()
    assert "3 orders: 2 invoices" in line and "1 payments" in line and "1 errors" in line
    assert "customers matched: email 2" in line and line.endswith("; 1 order failed: 1002 (boom)")
    assert not summary.ok
    assert summary.as_dict()["counts"]["sales_receipts"] == 0


def test_failures_name_the_first_orders_with_their_reasons_on_one_line():
    summary = SyncSummary()
    summary.failed.update({1004: "d", 1001: "QuickBooksError: refused\n  the account is inactive", 1003: "x" * 400,
                           1002: ""})
    text = summary.failures()
    assert text.startswith("4 orders failed: 1001 (QuickBooksError: refused the account is inactive), 1002 (")
    assert "1003 (" + "x" * 150 in text and "x" * 200 not in text and text.endswith("...) and 1 more")
    assert "\n" not in text and "1004" not in text


def test_a_run_stopped_by_an_exception_records_its_line_and_the_orders_failed_before():
    import pytest

    from syncsvc.sync.processing import run_record

    class Runs:
        def start_run(self):
            return 7

        def finish_run(self, run_id, status, counts, message=""):
            self.finished = (run_id, status, message)

    runs, summary = Runs(), SyncSummary()

    def work():
        summary.failed[1001] = "boom"
        raise ConnectionError("Keap did not answer\n after 5 tries")

    with pytest.raises(ConnectionError):
        run_record(runs, summary, work)
    assert runs.finished == (7, "failed", "ConnectionError: Keap did not answer after 5 tries; 1 order failed: 1001 (boom)")

    with pytest.raises(KeyboardInterrupt):
        run_record(runs, SyncSummary(), lambda: (_ for _ in ()).throw(KeyboardInterrupt()))
    assert runs.finished == (7, "failed", "KeyboardInterrupt")

"""`syncsvc status` as a bookkeeper reads it (issue 12): why a run failed, issues grouped by the fix,
payments named by order and QuickBooks document, words instead of internal keys, times with their zone,
what closes each issue, and which database it read, never creating one."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from syncsvc.cli import main
from syncsvc.store.db import make_engine, upgrade
from syncsvc.store.sync_models import SyncedDocument, SyncedPayment, SyncedRefund, SyncIssue, Watermark
from syncsvc.store.state import StateStore
from syncsvc.sync.processing import SyncSummary, run_record

NOW = datetime(2026, 11, 30, 3, 12, tzinfo=timezone.utc)
UNKNOWN = "order {o}: lines posted on item 'Unknown item'; fix in Infusionsoft: "


class Books:
    """A state database filled by hand, and the config file that points `syncsvc status` at it."""

    def __init__(self, database_url: str, folder: Path) -> None:
        upgrade(database_url)
        self.url = database_url
        self.engine = make_engine(database_url)
        self.state = StateStore(self.engine, "default")
        self.config = folder / "syncsvc.toml"
        self.config.write_text(f'[state]\ndatabase_url = "{database_url}"\n')

    def issue(self, subject: str, subject_id: int, kind: str, reason: str, attempts: int = 1) -> None:
        with Session(self.engine) as session, session.begin():
            session.add(SyncIssue(connection="default", subject=subject, subject_id=subject_id, kind=kind,
                                  reason=reason, attempts=attempts, first_seen=NOW, last_seen=NOW))

    def document(self, order_id: int, doc_number: str, qbo_type: str = "Invoice", qbo_id: str = "57") -> None:
        with Session(self.engine) as session, session.begin():
            session.add(SyncedDocument(connection="default", order_id=order_id, invoice_id=order_id + 2,
                                       qbo_type=qbo_type, qbo_id=qbo_id, doc_number=doc_number,
                                       total=Decimal("40.00"), content_hash="a" * 64, synced_at=NOW))

    def payment(self, payment_id: int, order_id: int, qbo_id: str = "90") -> None:
        with Session(self.engine) as session, session.begin():
            session.add(SyncedPayment(connection="default", payment_id=payment_id, order_id=order_id,
                                      invoice_id=order_id + 2, ref_num=f"R{payment_id}", qbo_ref=f"R{payment_id}",
                                      qbo_id=qbo_id, amount=Decimal("40.00"), synced_at=NOW))

    def refund(self, refund_id: int, order_id: int, doc_number: str) -> None:
        with Session(self.engine) as session, session.begin():
            session.add(SyncedRefund(connection="default", refund_payment_id=refund_id, refunded_payment_id=None,
                                     order_id=order_id, invoice_id=order_id + 2, qbo_type="RefundReceipt",
                                     qbo_id="77", doc_number=doc_number, applied_qbo_id=None,
                                     amount=Decimal("5.00"), synced_at=NOW))

    def watermark(self, name: str, value: str) -> None:
        with Session(self.engine) as session, session.begin():
            session.add(Watermark(connection="default", name=name, value=value, updated_at=NOW))

    def status(self, capsys, *args: str) -> str:
        assert main(["-c", str(self.config), "status", *args]) == 0
        return capsys.readouterr().out

    def close(self) -> None:
        self.engine.dispose()


@pytest.fixture
def books(database_url, tmp_path):
    made = Books(database_url, tmp_path)
    yield made
    made.close()


@pytest.fixture
def sqlite_books(tmp_path):
    made = Books(f"sqlite:///{tmp_path / 'state.sqlite3'}", tmp_path)
    yield made
    made.close()


def _section(out: str, heading: str) -> str:
    """The lines of `out` from the one starting with `heading` to the next unindented one."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    end = next((i for i in range(start + 1, len(lines)) if lines[i] and not lines[i].startswith(" ")), len(lines))
    return "\n".join(lines[start:end])


# -- failed runs say why ----------------------------------------------------------------------


def test_a_run_whose_orders_failed_says_which_and_why(books, capsys):
    summary = SyncSummary()

    def work():
        summary.counts.update(orders=5, invoices=2, errors=3)
        summary.failed.update({
            1001: "QuickBooksError: QuickBooks refused the invoice: Business Validation Error: the account is inactive",
            1002: "RuntimeError: the plan posts to a customer that was not created",
            1003: "order 1003 was not found in Infusionsoft (order ids are the invoice numbers)",
            1004: "TimeoutError: QuickBooks did not answer in 30 s",
        })

    run_record(books.state, summary, work)
    out = books.status(capsys)
    runs = _section(out, "Last runs")
    assert "nothing to do" not in runs
    assert "failed: 4 orders failed: 1001 (QuickBooksError: QuickBooks refused the invoice" in runs
    assert "1002 (RuntimeError: the plan posts to a customer that was not created)" in runs
    assert "and 1 more" in runs  # the first few, not all
    assert "5 orders looked at" in runs and "2 invoices created" in runs

    [run] = json.loads(books.status(capsys, "--json"))["runs"]
    assert run["status"] == "failed" and "; 4 orders failed: 1001 (QuickBooksError" in run["message"]


def test_a_run_stopped_by_an_exception_shows_the_exception_line(books, capsys):
    summary = SyncSummary()

    def work():
        raise ConnectionError("Keap did not answer\n  after 5 tries")

    with pytest.raises(ConnectionError):
        run_record(books.state, summary, work)
    runs = _section(books.status(capsys), "Last runs")
    assert "failed: ConnectionError: Keap did not answer after 5 tries" in runs
    assert "nothing to do" not in runs


def test_a_run_that_never_finished_is_not_shown_as_ok_or_failed(books, capsys):
    books.state.start_run()
    runs = _section(books.status(capsys), "Last runs")
    assert "did not finish" in runs or "running" in runs


# -- issues grouped by the fix ------------------------------------------------------------------


def test_issues_are_grouped_by_the_fix_with_a_short_list_of_orders(books, capsys):
    orders = list(range(1001, 1026))
    for n, order_id in enumerate(orders):
        reason = UNKNOWN.format(o=order_id) + f"order item {500 + n} 'Oil Filter': product 4 'Oil Filter' has no SKU"
        if order_id == 1003:
            reason += "; order item 900 'Labor (1 hr)' has no product"
        books.issue("order", order_id, "warning", reason)
    out = books.status(capsys)
    issues = _section(out, "Open issues")
    [oil] = [line for line in issues.splitlines() if "product 4 'Oil Filter' has no SKU" in line]
    assert "25 orders" in oil and "1001, 1002, 1003" in oil and "and 20 more" in oil and "1025" not in oil
    [labor] = [line for line in issues.splitlines() if "'Labor (1 hr)'" in line]
    assert "1 order" in labor and "1003" in labor and "has no product" in labor
    assert "order item 5" not in issues  # the order-specific part is not the fix
    assert "Open issues: 25" in out

    report = json.loads(books.status(capsys, "--json"))
    assert len(report["open_issues"]) == 25  # unchanged: one per issue
    [group] = [g for g in report["issue_groups"] if "Oil Filter" in g["problem"]]
    assert group["ids"] == orders and group["kind"] == "warning" and group["subject"] == "order"


def test_the_same_hold_on_several_orders_is_one_group_and_different_holds_stay_apart(books, capsys):
    for order_id in (2001, 2002, 2003):
        books.issue("order", order_id, "held", f"order {order_id}: Keap states its amounts in EUR, but the "
                    f"QuickBooks books are kept in USD ([sync].currency); post it by hand or correct the order in Keap")
    books.issue("order", 2004, "held", "order 2004: contact 77 was not found in Infusionsoft")
    books.issue("order", 2005, "held", "order 2005: contact 78 was not found in Infusionsoft")
    issues = _section(books.status(capsys), "Open issues")
    [eur] = [line for line in issues.splitlines() if "in EUR" in line]
    assert "3 orders" in eur and "2001, 2002, 2003" in eur
    assert sum("contact 77" in line for line in issues.splitlines()) == 1
    assert sum("contact 78" in line for line in issues.splitlines()) == 1


# -- payments and refunds name their order and QuickBooks document --------------------------------


def test_payment_and_refund_issues_name_the_order_and_the_quickbooks_document(books, capsys):
    books.document(1001, "1001", qbo_id="57")
    over = ("payment 555 of 50.00 is more than the 10.00 left open on QuickBooks invoice 1001 (total 40.00, "
            "30.00 already paid): QuickBooks would refuse it. Correct the payment or the order total in Keap "
            "(or refund the excess); it posts on the next cycle once it fits (`syncsvc sync --orders 1001` now)")
    books.issue("payment", 555, "held", over)
    books.issue("order", 1001, "held", f"order 1001: {over}")
    books.document(1002, "1002", qbo_type="SalesReceipt", qbo_id="58")
    books.payment(556, 1002, qbo_id="91")
    books.issue("payment", 556, "warning", "payment 556 is in QuickBooks with reference 'A'; Keap now gives 'B': "
                "kept as posted, not posted again")
    books.issue("payment", 557, "waiting", "refund 557 waits for payment 556 to be in QuickBooks")
    books.issue("order", 1003, "held", "order 1003: refund 558 waits for invoice 1005 to be in QuickBooks")
    books.issue("payment", 558, "waiting", "refund 558 waits for invoice 1005 to be in QuickBooks")

    issues = _section(books.status(capsys), "Open issues")
    assert "1 payment: 555 (order 1001, QuickBooks Invoice 1001)" in issues  # held over the balance
    assert "1 payment: 556 (order 1002, QuickBooks Sales Receipt 1002)" in issues  # posted
    assert "1 payment: 557 (order 1002, QuickBooks Sales Receipt 1002)" in issues  # waits for 556
    assert "1 payment: 558 (order 1003, not in QuickBooks yet)" in issues  # its order is held
    assert "1 order (1001)" not in issues and "1 order (1003)" not in issues  # their holds: the payments' lines
    assert issues.count("left open on QuickBooks invoice 1001") == 1

    report = json.loads(books.status(capsys, "--json"))
    by_id = {(i["subject"], i["id"]): i for i in report["open_issues"]}
    assert by_id[("payment", 555)]["order_id"] == 1001 and by_id[("payment", 555)]["document"] == "Invoice 1001"
    assert by_id[("payment", 558)]["order_id"] == 1003 and by_id[("payment", 558)]["document"] is None


# -- words, not keys ----------------------------------------------------------------------------


def test_every_count_shown_has_a_label_in_words(books, capsys):
    summary = SyncSummary()

    def work():
        summary.counts.update(orders=9, invoices=4, sales_receipts=1, updated=2, payments=5, duplicates_avoided=1,
                              customers_created=1, items_created=2, unknown_items=3, held=1, skipped=1, errors=0,
                              payments_skipped=1, refund_receipts=1, credit_memos=1, deleted_in_keap=1,
                              customers_by_linked=3, customers_by_email=1, customers_by_name=1,
                              customers_by_company_city=1, customers_by_created=1,
                              customers_by_created_other_email=1)

    run_record(books.state, summary, work)
    runs = _section(books.status(capsys), "Last runs")
    assert "customers matched by earlier link" in runs and "3 customers matched by earlier link" in runs
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", runs), runs  # no internal key left
    report = json.loads(books.status(capsys, "--json"))
    assert report["runs"][0]["counts"]["customers_by_linked"] == 3  # the keys stay in --json
    labels = report["count_labels"]
    assert all(key in labels and "_" not in labels[key] for key in report["runs"][0]["counts"])
    from syncsvc.reporting.words import count_label
    from syncsvc.sync.processing import COUNT_KEYS

    assert all("_" not in count_label(key) and count_label(key) != key for key in COUNT_KEYS)


def test_watermarks_read_in_words_and_times_carry_their_zone(books, capsys):
    books.watermark("orders_updated_through", "2026-11-29T17:33:43-05:00")
    books.watermark("payments_max_id", "328")
    run_record(books.state, SyncSummary(), lambda: None)
    books.state.queue_resync([1001], requested_by="sync@host:1")
    books.issue("order", 1001, "error", "RuntimeError: boom")
    out = books.status(capsys)
    assert "orders_updated_through" not in out and "payments_max_id" not in out
    assert "2026-11-29 22:33:43 UTC" in out  # the watermark, in UTC like every other time
    runs = _section(out, "Last runs")
    assert re.search(r"#1 \d{4}-\d\d-\d\d \d\d:\d\d UTC", runs), runs
    assert re.search(r"order 1001 \(asked \d{4}-\d\d-\d\d \d\d:\d\d UTC", out), out

    report = json.loads(books.status(capsys, "--json"))
    iso = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$")
    [run] = report["runs"]
    assert iso.match(run["started_at"]) and iso.match(run["finished_at"])
    assert iso.match(report["queued_resyncs"][0]["requested_at"])
    assert iso.match(report["open_issues"][0]["last_seen"]) and iso.match(report["open_issues"][0]["first_seen"])


# -- what each kind means and what closes it ------------------------------------------------------


def test_a_warning_says_the_order_posted(books, capsys):
    books.issue("order", 1001, "warning", UNKNOWN.format(o=1001) + "order item 5 'Misc.' has no product")
    issues = _section(books.status(capsys), "Open issues")
    assert "posted" in issues.lower() and "warning" in issues.lower()
    assert "closes when" in issues.lower()


@pytest.mark.parametrize("subject, kind, reason, closes", [
    ("order", "deleted", "order 1001 (Keap invoice 1003) was deleted in Keap after it was posted: QuickBooks "
     "Invoice 1001 (Id 57), 40.00, still books it; void it in QuickBooks if the sale did not happen (syncsvc "
     "never voids or deletes there)", "void"),
    ("payment", "deleted", "payment 9 of order 1001, deleted in Keap: QuickBooks Payment 90 (PaymentRefNum R9, "
     "40.00) is still applied to Invoice 1001 (Id 57); void it in QuickBooks if the money was not received", "void"),
    ("order", "skipped", "order 1001 was created by Keap's own QuickBooks integration (source QUICKBOOKS): it came "
     "from QuickBooks and is never posted back", "nothing"),
    ("payment", "skipped", "payment 9 has amount 0.00", "does not close"),
    ("payment", "held", "payment 9: QuickBooks payment(s) 12 already carry the reference it would post under "
     "('R9') but are not this payment (another customer, invoice or amount); change their reference in "
     "QuickBooks, or give the payment its own reference in Keap", "closes"),
])
def test_every_kind_says_what_closes_it(books, capsys, subject, kind, reason, closes):
    books.issue(subject, 9 if subject == "payment" else 1001, kind, reason)
    issues = _section(books.status(capsys), "Open issues").lower()
    [closes_line] = [line for line in issues.splitlines() if "closes when" in line or "does not close" in line]
    assert closes in closes_line
    report = json.loads(books.status(capsys, "--json"))
    assert report["open_issues"][0]["closes_when"] and report["issue_groups"][0]["closes_when"]


# -- which database, and never a new one ------------------------------------------------------------


def test_status_names_the_database_it_read_with_the_password_hidden(books, capsys):
    out = books.status(capsys)
    from syncsvc.store.db import redacted

    assert redacted(books.url) in out.splitlines()[0] + out.splitlines()[1]
    assert json.loads(books.status(capsys, "--json"))["database"] == redacted(books.url)


def test_status_with_a_password_in_the_url_never_prints_it(tmp_path, capsys):
    import os

    base = os.environ.get("SYNCSVC_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("SYNCSVC_TEST_POSTGRES_URL not set")
    from sqlalchemy.engine import make_url

    url = make_url(base).set(password="s3cret-pw").render_as_string(hide_password=False)
    config = tmp_path / "syncsvc.toml"
    config.write_text(f'[state]\ndatabase_url = "{url}"\n')
    main(["-c", str(config), "status"])
    captured = capsys.readouterr()
    assert "s3cret-pw" not in captured.out + captured.err


def test_status_on_a_missing_sqlite_file_says_so_and_creates_nothing(tmp_path, capsys):
    target = tmp_path / "state" / "syncsvc.sqlite3"
    config = tmp_path / "syncsvc.toml"
    config.write_text(f'[state]\ndatabase_url = "sqlite:///{target}"\n')
    before = {p for p in tmp_path.rglob("*")}
    for args in (["status"], ["status", "--json"]):
        assert main(["-c", str(config), *args]) == 1
        captured = capsys.readouterr()
        [line] = captured.err.strip().splitlines()
        assert line.startswith("syncsvc: error: ") and str(target) in line and "does not exist" in line
        assert "syncsvc db upgrade" in line and captured.out == ""
    assert {p for p in tmp_path.rglob("*")} == before


def test_status_on_a_database_not_upgraded_says_so_and_changes_nothing(tmp_path, capsys):
    from syncsvc.store.db import alembic_config
    from alembic import command
    from alembic.script import ScriptDirectory

    url = f"sqlite:///{tmp_path / 'state.sqlite3'}"
    config = tmp_path / "syncsvc.toml"
    config.write_text(f'[state]\ndatabase_url = "{url}"\n')
    (tmp_path / "state.sqlite3").write_bytes(b"")  # an empty database: no schema at all
    assert main(["-c", str(config), "status"]) == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "syncsvc db upgrade" in line and "state.sqlite3" in line

    scripts = ScriptDirectory.from_config(alembic_config(url))
    older = scripts.get_revision(scripts.get_current_head()).down_revision
    command.upgrade(alembic_config(url), older)
    assert main(["-c", str(config), "status"]) == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "syncsvc db upgrade" in line and older in line
    assert main(["-c", str(config), "db", "current"]) == 0
    assert older in capsys.readouterr().out  # status did not upgrade it

"""The state repository on SQLite and PostgreSQL: what one cycle records, the next one reads."""

from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from syncsvc.store.state import StateStore


def test_documents_payments_and_watermarks_survive_a_new_store(engine):
    state = StateStore(engine, "shop")
    with state.unit() as uow:
        uow.set_watermark("orders.last_updated", "2026-11-20T10:00:00-05:00")
        uow.record_document(order_id=1001, invoice_id=1003, qbo_type="Invoice", qbo_id="17",
                            doc_number="IS-1001", total=Decimal("100.10"), content_hash="a" * 64)
        uow.record_payment(payment_id=5, order_id=1001, invoice_id=1003, ref_num="8921731533",
                           qbo_ref="8921731533", qbo_id="40", amount=Decimal("25.00"))
    again = StateStore(engine, "shop")
    with again.unit() as uow:
        assert uow.watermark("orders.last_updated") == "2026-11-20T10:00:00-05:00"
        doc = uow.document(1001)
        assert (doc.qbo_id, doc.doc_number, doc.total) == ("17", "IS-1001", Decimal("100.10"))
        assert uow.posted_payment_refs(1001) == {5: "8921731533"}
        assert uow.payment_owners(["8921731533"]) == {"8921731533": 5}


def test_connections_sharing_a_database_do_not_see_each_other(engine):
    a, b = StateStore(engine, "shop-a"), StateStore(engine, "shop-b")
    with a.unit() as uow:
        uow.set_watermark("payments.max_id", "42")
        uow.link_customer(7, "99", "email")
    with b.unit() as uow:
        assert uow.watermark("payments.max_id") is None
        assert uow.customer_link(7) is None
        uow.link_customer(7, "12", "created")  # same contact id, other connection: allowed
    with a.unit() as uow:
        assert uow.customer_link(7).qbo_customer_id == "99"


def test_a_payment_reference_is_recorded_once(engine):
    state = StateStore(engine, "shop")
    with state.unit() as uow:
        uow.record_payment(payment_id=1, order_id=1, invoice_id=1, ref_num="R1", qbo_ref="R1", qbo_id="1", amount=Decimal("1"))
    with pytest.raises(IntegrityError):
        with state.unit() as uow:
            uow.record_payment(payment_id=2, order_id=1, invoice_id=1, ref_num="R1", qbo_ref="R1", qbo_id="2", amount=Decimal("1"))


def test_issue_attempts_count_until_resolved(engine):
    state = StateStore(engine, "shop")
    for _ in range(3):
        with state.unit() as uow:
            attempts = uow.record_issue("order", 1002, "error", "total differs by 0.01")
    assert attempts == 3
    with state.unit() as uow:
        [issue] = uow.open_issues()
        assert (issue.subject_id, issue.attempts, issue.reason) == (1002, 3, "total differs by 0.01")
        uow.resolve_issue("order", 1002)
    with state.unit() as uow:
        assert uow.open_issues() == []
        assert uow.record_issue("order", 1002, "held", "ambiguous customer") == 1



def test_open_issue_ids_are_the_open_issues_of_that_subject_and_kinds(engine):
    shop, other = StateStore(engine, "shop"), StateStore(engine, "other")
    with shop.unit() as uow:
        uow.record_issue("order", 1, "error", "wanted")
        uow.record_issue("order", 2, "held", "wanted")
        uow.record_issue("order", 3, "error", "resolved below")
        uow.record_issue("order", 4, "skipped", "other kind")
        uow.record_issue("order", 5, "deleted", "other kind")
        uow.record_issue("payment", 6, "error", "other subject")
        uow.record_issue("payment", 7, "deleted", "payment deleted")
    with shop.unit() as uow:
        uow.resolve_issue("order", 3)
    with other.unit() as uow:
        uow.record_issue("order", 8, "error", "other connection")
        uow.record_issue("order", 5, "held", "other connection, same order id")
        uow.record_issue("payment", 9, "deleted", "other connection")
    with shop.unit() as uow:
        assert uow.open_issue_ids("order", ("error", "held")) == {1, 2}
        assert uow.open_issue_ids("order", ["held"]) == {2}
        assert uow.open_issue_ids("payment", ("error", "held")) == {6}
        assert uow.open_issue_ids("order", ()) == set()
        assert uow.open_issue_keys(("deleted",)) == {("order", 5), ("payment", 7)}
        # The same sets open_issues() gives when filtered in Python, which callers needing rows still use.
        rows = uow.open_issues()
        assert uow.open_issue_ids("order", ("error", "held")) == {
            i.subject_id for i in rows if i.subject == "order" and i.kind in ("error", "held")}
        assert uow.open_issue_keys(("deleted",)) == {(i.subject, i.subject_id) for i in rows if i.kind == "deleted"}
        with pytest.raises(TypeError):
            uow.open_issue_ids("order", "held")
    with shop.unit() as uow:  # re-opened under another kind: found under that kind only
        uow.record_issue("order", 3, "skipped", "re-opened")
    with shop.unit() as uow:
        assert uow.open_issue_ids("order", ("error", "held")) == {1, 2}
        assert uow.open_issue_ids("order", ("skipped",)) == {3, 4}
    with other.unit() as uow:
        assert uow.open_issue_ids("order", ("error", "held")) == {5, 8}
        assert uow.open_issue_keys(("deleted",)) == {("payment", 9)}

def test_runs_are_recorded_with_counts(engine):
    state = StateStore(engine, "shop")
    run_id = state.start_run()
    state.finish_run(run_id, "ok", {"invoices": 3, "payments": 2})
    [run] = state.last_runs()
    assert run.status == "ok" and run.counts == {"invoices": 3, "payments": 2} and run.finished_at is not None


def test_queued_resyncs_are_per_connection_and_a_request_repeated_during_a_resync_stays(engine):
    shop, other = StateStore(engine, "shop"), StateStore(engine, "other")
    shop.queue_resync([1002, 1001, 1002], requested_by="host:1")
    other.queue_resync([1001], requested_by="host:2")
    taken = shop.queued_resyncs()
    assert [(q.order_id, q.requested_by) for q in taken] == [(1001, "host:1"), (1002, "host:1")]
    assert all(q.requested_at.tzinfo is not None for q in taken)

    shop.queue_resync([1002], requested_by="host:3")  # asked again while the re-sync of `taken` runs
    shop.clear_resyncs(taken)
    assert [(q.order_id, q.requested_by) for q in shop.queued_resyncs()] == [(1002, "host:3")]
    assert [q.order_id for q in other.queued_resyncs()] == [1001]


def test_an_orders_unit_records_each_write_at_once_and_keeps_them_when_the_order_then_fails(engine):
    store = StateStore(engine, "shop")
    with pytest.raises(RuntimeError):
        with store.order_unit() as uow:
            uow.record_document(order_id=7, invoice_id=9, qbo_type="Invoice", qbo_id="70",
                                doc_number="7", total=Decimal("10.00"), content_hash="b" * 64)
            with store.unit() as other:  # another connection sees it while the order goes on
                assert other.document(7).qbo_id == "70"
            raise RuntimeError("QuickBooks refused the payment")
    with store.unit() as uow:
        assert uow.document(7).qbo_id == "70"  # what happened in QuickBooks stays recorded


def test_what_a_batch_learnt_is_absent_stays_true_after_this_process_records_it(engine):
    store = StateStore(engine, "shop")
    with store.unit() as uow:
        uow.record_document(order_id=1, invoice_id=11, qbo_type="Invoice", qbo_id="100",
                            doc_number="1", total=Decimal("5.00"), content_hash="c" * 64)
        uow.link_customer(7, "70", "email")
        uow.record_issue("payment", 21, "held", "over the balance")
    store.adopt_batch(store.study_batch([1, 2], [21, 22]))
    with store.order_unit() as uow:
        assert uow.document(1).qbo_id == "100" and uow.document(2) is None
        assert uow.customer_link(7).qbo_customer_id == "70" and uow.customer_link(8) is None
        assert uow.issue_recorded("payment", 21, "held") and not uow.issue_recorded("payment", 22, "held")
        uow.record_document(order_id=2, invoice_id=12, qbo_type="Invoice", qbo_id="200",
                            doc_number="2", total=Decimal("6.00"), content_hash="d" * 64)
        uow.record_payment(payment_id=22, order_id=2, invoice_id=12, ref_num="R", qbo_ref="R", qbo_id="300",
                           amount=Decimal("6.00"))
        uow.record_issue("payment", 22, "held", "again")
        uow.link_customer(8, "80", "name")
    with store.unit() as uow:  # what this process recorded is read back, not taken for absent
        assert uow.document(2).qbo_id == "200" and uow.paid_on_order(2) == Decimal("6.00")
        assert uow.posted_payment_refs(2) == {22: "R"} and uow.customer_link(8).qbo_customer_id == "80"
        assert uow.issue_recorded("payment", 22, "held")
    store.forget_batch()
    with store.unit() as uow:
        assert uow.document(2).qbo_id == "200"

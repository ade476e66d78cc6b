"""The merchant reference (PaymentRefNum): the payment's own external id, else its CAPTURE's, else none."""

from __future__ import annotations

import logging

from keap_core_v2_client.models import Payment, TransactionV2

from syncsvc.infusionsoft.rest.notices import Notices
from syncsvc.infusionsoft.rest.references import by_payment, merchant_reference, needs_transactions, succeeded
from syncsvc.infusionsoft.rest.tolerant import load

NOTICES = Notices(logging.getLogger("test.rest.references"))


def payment(**fields) -> Payment:
    return load(Payment, {"id": "10", "amount": 20.0, **fields}, "payment", NOTICES)


def transaction(**fields) -> TransactionV2:
    base = {"payment_id": "10", "transaction_method": "CAPTURE", "status": "APPROVED", "is_successful": True}
    return load(TransactionV2, {**base, **fields}, "transaction", NOTICES)


def test_the_payment_own_external_id_comes_first():
    found = by_payment([transaction(external_reference_id="txn_capture")])
    assert merchant_reference(payment(external_transaction_id="ch_own"), found) == "ch_own"
    assert not needs_transactions(payment(external_transaction_id="ch_own"))


def test_blank_external_id_falls_back_to_the_capture_transaction():
    found = by_payment([transaction(external_reference_id="txn_capture")])
    assert needs_transactions(payment(external_transaction_id="  "))
    assert merchant_reference(payment(external_transaction_id="  "), found) == "txn_capture"
    assert merchant_reference(payment(), found) == "txn_capture"


def test_no_reference_anywhere_is_none_so_the_engine_makes_the_manual_one():
    assert merchant_reference(payment(), {}) is None
    assert merchant_reference(payment(), by_payment([transaction(external_reference_id="")])) is None


def test_failed_and_unsuccessful_transactions_never_lend_a_reference():
    declined = [
        transaction(status="FAILED", is_successful=False, external_reference_id="declined_1"),
        transaction(status="PENDING", is_successful=False, external_reference_id="pending_1"),
        transaction(status="ERROR", is_successful=None, external_reference_id="error_1"),
        transaction(payment_id=None, status="FAILED", is_successful=False, external_reference_id="no_payment"),
    ]
    assert merchant_reference(payment(), by_payment(declined)) is None


def test_only_the_capture_gives_the_reference_and_a_refund_or_void_marks_a_reversal():
    found = by_payment([
        transaction(transaction_method="REFUND", external_reference_id="re_1"),
        transaction(transaction_method="CAPTURE", external_reference_id="ch_1"),
    ])
    assert found["10"].capture_reference == "ch_1" and found["10"].reversal
    voided = by_payment([transaction(payment_id="11", transaction_method="VOID")])
    assert voided["11"].reversal and voided["11"].capture_reference is None


def test_an_approved_transaction_without_is_successful_counts_as_successful():
    assert succeeded(transaction(is_successful=None, status="APPROVED"))
    assert not succeeded(transaction(is_successful=None, status="PENDING"))


def test_a_transaction_method_outside_the_sdk_list_is_neither_capture_nor_reversal():
    found = by_payment([transaction(transaction_method="ONLINE", external_reference_id="x")])
    assert found["10"].capture_reference is None and not found["10"].reversal

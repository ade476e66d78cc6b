"""Payments through our client layer: a lost answer never adopts someone else's payment, and a refused
write is not refused forever once its cause is gone."""

from __future__ import annotations

from decimal import Decimal

import pytest
from quickbooks.objects.payment import Payment

from syncsvc.quickbooks import writers
from syncsvc.quickbooks.errors import ValidationFault

from .builders import customer, invoice, payment, service_item


class Ledger:
    """The refused requestids, as the state store keeps them."""

    def __init__(self) -> None:
        self.refused: dict[str, str] = {}

    def request_refused(self, request_id: str) -> bool:
        return request_id in self.refused

    def record_refused_request(self, request_id: str, what: str, reason: str) -> None:
        self.refused[request_id] = reason


@pytest.fixture
def two_invoices(qb):
    item = writers.create(qb, service_item(qb, "Pay Item"))
    jane, bob = writers.create(qb, customer("Jane Pays")), writers.create(qb, customer("Bob Pays"))
    return (jane, writers.create(qb, invoice("K-501", jane, item, "100.00")),
            bob, writers.create(qb, invoice("K-502", bob, item, "80.00")))


@pytest.mark.parametrize("kind", ["http500", "drop_after_commit"])
def test_a_lost_answer_is_not_resolved_with_another_customers_payment_under_the_same_reference(
        sandbox, realm, qb, two_invoices, kind):
    jane, janes_invoice, bob, bobs_invoice = two_invoices
    theirs = writers.create(qb, payment("8921731533", bob, bobs_invoice, "80.00"))  # typed by hand
    sandbox.inject(realm, kind, count=1, entity="Payment")

    ours = writers.create(qb, payment("8921731533", jane, janes_invoice, "100.00"))

    assert ours.Id != theirs.Id
    stored = {p["Id"]: p for p in sandbox.entities(realm, "Payment")}
    assert len(stored) == 2 and stored[ours.Id]["CustomerRef"]["value"] == jane.Id
    assert sandbox.get(realm, "Invoice", janes_invoice.Id)["Balance"] == Decimal("0")
    assert sandbox.get(realm, "Invoice", bobs_invoice.Id)["Balance"] == Decimal("0")


def test_a_lost_answer_still_adopts_our_own_payment(sandbox, realm, qb, two_invoices):
    jane, janes_invoice, _, _ = two_invoices
    sandbox.configure(realm=realm, requestid_replay=False)
    sandbox.inject(realm, "drop_after_commit", count=1, entity="Payment")
    ours = writers.create(qb, payment("8921731533", jane, janes_invoice, "100.00"))
    [stored] = sandbox.entities(realm, "Payment")
    assert stored["Id"] == ours.Id


def test_a_refused_payment_is_sent_under_a_new_requestid_once_its_cause_is_gone(sandbox, realm, qb, two_invoices):
    jane, janes_invoice, _, _ = two_invoices
    typed = writers.create(qb, payment("CHK-1", jane, janes_invoice, "30.00"))
    ledger = Ledger()
    with pytest.raises(ValidationFault, match="open balance"):
        writers.create(qb, payment("8921731533", jane, janes_invoice, "100.00"), refusals=ledger)
    [refused] = ledger.refused
    with pytest.raises(ValidationFault):  # nothing changed: refused again (a new requestid, answered anew)
        writers.create(qb, payment("8921731533", jane, janes_invoice, "100.00"), refusals=ledger)
    assert len(ledger.refused) == 2

    Payment.get(typed.Id, qb=qb).delete(qb=qb)  # the bookkeeper removes the payment typed by mistake
    ours = writers.create(qb, payment("8921731533", jane, janes_invoice, "100.00"), refusals=ledger)

    assert [p["Id"] for p in sandbox.entities(realm, "Payment")] == [ours.Id]
    assert sandbox.get(realm, "Invoice", janes_invoice.Id)["Balance"] == Decimal("0")
    assert refused in ledger.refused and len(ledger.refused) == 2

"""A read batch's bulk reads made ahead (`QboDirectory.ahead`) while the batch before it still writes: when
adopted they answer as reads made at that moment would, with what the directory learnt meanwhile."""

from __future__ import annotations

from quickbooks.objects.customer import Customer

from syncsvc.sync.resolve import QboDirectory, qbo_customer

from .builders import customer, invoice, payment, service_item
from .conftest import connect


def test_a_payment_posted_after_the_next_batchs_reads_is_found_under_its_reference(sandbox, realm, sqlite_url):
    qb = connect(sandbox, realm, sqlite_url).client()
    buyer = customer("Ahead Buyer").save(qb=qb)
    sold = invoice("2001", buyer, service_item(qb, "Ahead widget").save(qb=qb), "25.00").save(qb=qb)
    directory = QboDirectory(qb)
    next_batch = directory.ahead()
    next_batch.load_payments({"CH-77"})  # read before the payment below exists: none

    posted = payment("CH-77", buyer, sold, "25.00").save(qb=qb)
    directory.remember_payment(posted)  # what the executor does on posting it
    directory.adopt(next_batch)
    before = sandbox.traffic(realm)["requests"]

    assert [p.Id for p in directory.payments_by_ref("CH-77")] == [posted.Id]
    assert sandbox.traffic(realm)["requests"] == before  # answered from the bulk read, no query


def test_a_customer_reactivated_after_the_next_batchs_reads_is_active_in_them(sandbox, realm, sqlite_url):
    qb = connect(sandbox, realm, sqlite_url).client()
    dormant = customer("Dora Mant", "Dora", "Mant", email="dora@example.com")
    dormant.Active = False
    dormant = dormant.save(qb=qb)
    directory = QboDirectory(qb)
    next_batch = directory.ahead()
    contact = _contact(1, "Dora", "Mant", "dora@example.com")
    next_batch.load_customers([contact])  # sees her inactive

    directory.resolve_customer(contact, None)  # the current batch matches and reactivates her
    assert Customer.get(dormant.Id, qb=qb).Active is True
    directory.adopt(next_batch)
    before = sandbox.traffic(realm)["requests"]

    assert directory.resolve_customer(contact, None).customer_id == str(dormant.Id)
    assert sandbox.traffic(realm)["requests"] == before  # not read or reactivated again


def test_a_customer_created_after_the_next_batchs_reads_takes_its_name_and_email(sandbox, realm, sqlite_url):
    qb = connect(sandbox, realm, sqlite_url).client()
    directory = QboDirectory(qb)
    next_batch = directory.ahead()
    namesake, same_email = _contact(2, "Lee", "Park", "lee.other@example.com"), _contact(3, "L", "P", "lee@example.com")
    next_batch.load_customers([namesake, same_email])  # before the customer below exists

    created = customer("Lee Park", "Lee", "Park", email="lee@example.com").save(qb=qb)
    directory.remember_customer(qbo_customer(created))
    directory.adopt(next_batch)

    assert directory.resolve_customer(same_email, None).customer_id == str(created.Id)
    assert directory.resolve_customer(namesake, None).draft.display_name == "Lee Park (2)"  # another person


def _contact(contact_id: int, first: str, last: str, email: str):
    from syncsvc.infusionsoft.records import Contact

    return Contact(id=contact_id, first_name=first, last_name=last, email=email, company="", city="", state="",
                   postal_code="", country="", street1="", street2="", phone="")

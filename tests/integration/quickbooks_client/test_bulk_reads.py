"""A batch's bulk reads (DocNumbers, payment references, customers) go out side by side, within the
client's in-flight cap: in a backfill each pause costs batch-limit time that is not all won back. Made
ahead, beside the previous batch's writes, they leave those writes a slot."""

from __future__ import annotations

from quickbooks.objects.invoice import Invoice

from syncsvc.sync.resolve import QboDirectory

from .builders import customer, invoice, service_item
from .conftest import connect


def test_bulk_reads_of_many_in_lists_go_side_by_side_within_the_in_flight_cap(sandbox, realm, sqlite_url):
    qb = connect(sandbox, realm, sqlite_url, max_in_flight=3).client()
    buyer = customer("Bulk Buyer").save(qb=qb)
    item = service_item(qb, "Bulk widget").save(qb=qb)
    wanted = {"1007": invoice("1007", buyer, item, "5.00").save(qb=qb).Id,
              "1412": invoice("1412", buyer, item, "7.00").save(qb=qb).Id}
    sandbox.configure(realm, latency=0.05)  # long enough for the reads to overlap
    numbers = [str(1000 + n) for n in range(450)]  # five IN lists of 100

    directory = QboDirectory(qb)
    directory.load_documents(Invoice, numbers)

    assert sandbox.traffic(realm)["peak_in_flight"] == 3
    assert {n: [d.Id for d in directory.documents_by_doc_number(Invoice, n)] for n in wanted} == \
        {n: [i] for n, i in wanted.items()}
    assert directory.documents_by_doc_number(Invoice, "1008") == []  # read: none in QuickBooks


def test_the_next_read_batchs_bulk_reads_leave_one_slot_for_the_batch_of_writes_they_go_out_beside(
        sandbox, realm, sqlite_url):
    # Read ahead while a read batch's writes go out, they must not keep its next batch request waiting for
    # a slot: in a backfill each batch request waits for the one 39 before it, and a late one delays those after.
    qb = connect(sandbox, realm, sqlite_url, max_in_flight=3).client()
    sandbox.configure(realm, latency=0.05)
    numbers = [str(1000 + n) for n in range(450)]

    QboDirectory(qb).ahead().load_documents(Invoice, numbers)

    assert sandbox.traffic(realm)["peak_in_flight"] == 2


def test_a_bulk_customer_read_matching_thousands_holds_a_page_of_quickbooks_objects_at_a_time(
        sandbox, realm, sqlite_url, monkeypatch):
    # In a large company a read batch's family names match thousands of customers (every Murphy): a
    # python-quickbooks Customer is ten times what the rules need of it, so only what they need is kept
    # of each page as it comes, and memory does not grow with the company.
    import weakref

    from quickbooks.objects.batchrequest import BatchOperation
    from quickbooks.objects.customer import Customer

    from syncsvc.infusionsoft.records import Contact
    from syncsvc.quickbooks.batch import send_batch

    qb = connect(sandbox, realm, sqlite_url, requests_per_minute=10**6, batch_requests_per_minute=10**6).client()
    sandbox.configure(realm, requests_per_minute=10**6, batch_requests_per_minute=10**6)
    murphys = [customer(f"Grace Murphy ({n})", "Grace", "Murphy", email=f"grace{n}@example.com") for n in range(2_100)]
    for start in range(0, len(murphys), 30):
        assert not send_batch(qb, BatchOperation.CREATE, murphys[start:start + 30]).failed
    alive, peak = weakref.WeakSet(), [0]
    original_init = Customer.__init__

    def counted_init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        alive.add(self)
        peak[0] = max(peak[0], len(alive))

    monkeypatch.setattr(Customer, "__init__", counted_init)
    contact = Contact(id=7, first_name="Grace", last_name="Murphy", email="grace1500@example.com", company="",
                      city="", state="", postal_code="", country="", street1="", street2="", phone="")

    directory = QboDirectory(qb)
    directory.load_customers([contact])  # by email (one) and by family name (all 2,100: three pages)

    assert peak[0] <= 1_000 + 30, peak[0]  # a page of 1,000 (and the few of another query), not 2,100
    matched = directory.resolve_customer(contact, None)
    assert matched.rule == "email"
    assert Customer.get(matched.customer_id, qb=qb).PrimaryEmailAddr.Address == "grace1500@example.com"

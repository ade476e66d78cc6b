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

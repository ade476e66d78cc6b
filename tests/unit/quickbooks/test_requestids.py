from decimal import Decimal

from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.base import Ref

from syncsvc.quickbooks.requestids import content_version, request_id


def invoice(amount: str, doc_number: str = "K-1001") -> Invoice:
    inv = Invoice()
    inv.DocNumber = doc_number
    inv.CustomerRef = Ref()
    inv.CustomerRef.value = "58"
    line = SalesItemLine()
    line.Amount = Decimal(amount)
    line.SalesItemLineDetail = SalesItemLineDetail()
    inv.Line = [line]
    return inv


def test_same_write_same_id_within_qbo_limit():
    first = request_id("123", "Invoice", "K-1001", content_version(invoice("10.10")))
    again = request_id("123", "Invoice", "K-1001", content_version(invoice("10.10")))
    assert first == again
    assert len(first) <= 50
    assert first.startswith("invoice-")


def test_anything_that_changes_the_write_changes_the_id():
    base = request_id("123", "Invoice", "K-1001", content_version(invoice("10.10")))
    assert request_id("124", "Invoice", "K-1001", content_version(invoice("10.10"))) != base
    assert request_id("123", "SalesReceipt", "K-1001", content_version(invoice("10.10"))) != base
    assert request_id("123", "Invoice", "K-1002", content_version(invoice("10.10"))) != base
    assert request_id("123", "Invoice", "K-1001", content_version(invoice("10.11"))) != base
    assert request_id("123", "Invoice", "K-1001", content_version(invoice("10.10")), operation="update") != base


def test_long_entity_names_stay_within_50_chars():
    assert len(request_id("9130354764209347", "RecurringTransaction", "x" * 200, "v")) <= 50


def test_a_write_sent_again_after_a_refusal_carries_another_id_and_the_first_id_is_unchanged():
    content = content_version(invoice("10.10"))
    first = request_id("123", "Invoice", "K-1001", content)
    assert request_id("123", "Invoice", "K-1001", content, attempt=0) == first
    retries = [request_id("123", "Invoice", "K-1001", content, attempt=n) for n in (1, 2)]
    assert len({first, *retries}) == 3 and all(len(r) <= 50 for r in retries)
    assert retries[0] == request_id("123", "Invoice", "K-1001", content, attempt=1)

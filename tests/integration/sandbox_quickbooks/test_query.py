"""The query language through python-quickbooks' helpers and raw HTTP."""

from __future__ import annotations

import pytest
from quickbooks.exceptions import ValidationException
from quickbooks.objects.customer import Customer
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item

from .test_entities import new_customer, new_invoice, new_item


@pytest.fixture
def customers(qb):
    return [new_customer(qb, name=n, email=f"{i}@example.com") for i, n in
            enumerate(["Amy's Bird Sanctuary", "Bill's Windsurf Shop", "Cool Cars", "Diego Rodriguez",
                       "Back\\slash Ltd"])]


def test_filter_escapes_quotes_and_matches_exactly(qb, customers):
    found = Customer.filter(DisplayName="Amy's Bird Sanctuary", qb=qb)
    assert [c.Id for c in found] == [customers[0].Id]
    assert Customer.filter(DisplayName="Amy's Bird", qb=qb) == []


def test_where_like_in_and_orderby(qb, customers):
    found = Customer.where("DisplayName LIKE 'B%'", order_by="DisplayName DESC", qb=qb)
    assert [c.DisplayName for c in found] == ["Bill's Windsurf Shop", "Back\\slash Ltd"]
    chosen = Customer.choose([customers[2].Id, customers[3].Id], qb=qb)
    assert sorted(c.DisplayName for c in chosen) == ["Cool Cars", "Diego Rodriguez"]
    assert Customer.count("PrimaryEmailAddr = '3@example.com'", qb=qb) == 1
    assert Customer.count(qb=qb) == 5
    both = Customer.where("Active = True AND DisplayName IN ('Cool Cars', 'Nobody')", qb=qb)
    assert [c.DisplayName for c in both] == ["Cool Cars"]


def test_escaped_backslash_and_quote(qb, customers, api):
    text = "SELECT * FROM Customer WHERE DisplayName = 'Back\\\\slash Ltd'"
    answer = api.post("/query", content=text, headers={"Content-Type": "application/text"})
    assert [c["DisplayName"] for c in answer.json()["QueryResponse"]["Customer"]] == ["Back\\slash Ltd"]


def test_all_pages_with_startposition_and_maxresults(qb, customers):
    page1 = Customer.all(order_by="Id", start_position=1, max_results=2, qb=qb)
    page3 = Customer.all(order_by="Id", start_position=5, max_results=2, qb=qb)
    assert [c.Id for c in page1] == [customers[0].Id, customers[1].Id]
    assert [c.Id for c in page3] == [customers[4].Id]


def test_response_shape_and_empty_result(api, customers):
    answer = api.get("/query", params={"query": "select * from Customer STARTPOSITION 2 MAXRESULTS 2"})
    body = answer.json()["QueryResponse"]
    assert body["startPosition"] == 2 and body["maxResults"] == 2 and len(body["Customer"]) == 2
    empty = api.get("/query", params={"query": "SELECT * FROM Customer WHERE DisplayName = 'Nobody'"})
    assert empty.json()["QueryResponse"] == {} and "time" in empty.json()
    count = api.post("/query", content="SELECT COUNT(*) FROM Customer", headers={"Content-Type": "text/plain"})
    assert count.json()["QueryResponse"] == {"totalCount": 5}


def test_item_select_with_sku_and_filter_by_sku(qb):
    item = new_item(qb, name="Gadget", sku="G-7")
    assert [i.Sku for i in Item.all(qb=qb) if i.Name == "Gadget"] == ["G-7"]
    assert [i.Id for i in Item.filter(Sku="G-7", qb=qb)] == [item.Id]


def test_transactions_by_docnumber_date_and_last_updated(qb):
    customer, item = new_customer(qb), new_item(qb)
    invoice = new_invoice(qb, customer, item, doc_number="K-77")
    assert [i.Id for i in Invoice.filter(DocNumber="K-77", qb=qb)] == [invoice.Id]
    assert len(Invoice.where(f"TxnDate = '{invoice.TxnDate}'", qb=qb)) == 1
    assert len(Invoice.where("MetaData.LastUpdatedTime >= '2000-01-01T00:00:00-07:00'", qb=qb)) == 1
    assert Invoice.where("MetaData.LastUpdatedTime > '2999-01-01'", qb=qb) == []
    assert len(Invoice.where(f"CustomerRef = '{customer.Id}' AND TotalAmt > '15.00'", qb=qb)) == 1


@pytest.mark.parametrize("text, code", [
    ("SELECT * FROM Customer WHERE DisplayName = 'Amy's'", 4000),
    ("SELEC * FROM Customer", 4000),
    ("SELECT * FROM Custmoer", 4001),
    ("SELECT * FROM customer", 4001),
    ("SELECT * FROM Customer WHERE DisplayName = 'a' OR DisplayName = 'b'", 4001),
    ("SELECT * FROM Customer WHERE BillAddr.City = 'Bayshore'", 4001),
])
def test_query_errors(qb, text, code):
    with pytest.raises(ValidationException) as failed:
        qb.query(text)
    assert failed.value.error_code == code


def test_maxresults_is_capped_at_1000(qb, api):
    answer = api.get("/query", params={"query": "SELECT * FROM Account MAXRESULTS 5000"})
    assert answer.status_code == 200 and answer.json()["QueryResponse"]["maxResults"] == 10

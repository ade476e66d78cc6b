"""Batch: python-quickbooks' batch_create with per-item faults, plus raw query/update/delete items."""

from __future__ import annotations

from quickbooks.batch import batch_create
from quickbooks.objects.customer import Customer

from .test_entities import new_customer, new_invoice, new_item


def test_batch_create_reports_a_6240_fault_for_one_item(qb, sandbox, realm):
    new_customer(qb, name="Taken")
    customers = []
    for name in ("Fresh One", "Taken", "Fresh Two"):
        customer = Customer()
        customer.DisplayName = name
        customers.append(customer)
    result = batch_create(customers, qb=qb)
    assert sorted(c.DisplayName for c in result.successes) == ["Fresh One", "Fresh Two"]
    assert len(result.faults) == 1
    assert result.faults[0].Error[0].code == "6240"
    assert result.faults[0].original_object.DisplayName == "Taken"
    assert len(sandbox.entities(realm, "Customer")) == 3


def test_batch_mixes_query_update_delete_and_faults(qb, api, sandbox, realm):
    customer, item = new_customer(qb), new_item(qb)
    invoice = new_invoice(qb, customer, item)
    body = {"BatchItemRequest": [
        {"bId": "bid1", "operation": "delete", "Invoice": {"Id": invoice.Id, "SyncToken": "0"}},
        {"bId": "bid2", "operation": "update", "Customer": {"Id": customer.Id, "SyncToken": "7", "sparse": True,
                                                           "CompanyName": "Late"}},
        {"bId": "bid3", "Query": "select * from Customer"},
        {"bId": "bid4", "operation": "delete", "Invoice": {"Id": "999", "SyncToken": "0"}},
    ]}
    answer = api.post("/batch", json=body).json()["BatchItemResponse"]
    by_id = {item["bId"]: item for item in answer}
    assert by_id["bid1"]["Invoice"] == {"domain": "QBO", "status": "Deleted", "Id": invoice.Id}
    assert by_id["bid2"]["Fault"]["Error"][0]["code"] == "5010"
    assert by_id["bid3"]["QueryResponse"]["Customer"][0]["Id"] == customer.Id
    assert by_id["bid4"]["Fault"]["Error"][0]["code"] == "610"
    assert sandbox.entities(realm, "Invoice") == []


def test_batch_over_30_items_is_refused_whole(api, sandbox, realm):
    items = [{"bId": str(i), "operation": "create", "Customer": {"DisplayName": f"C{i}"}} for i in range(31)]
    answer = api.post("/batch", json={"BatchItemRequest": items})
    assert answer.status_code == 400 and "Fault" in answer.json()
    assert sandbox.entities(realm, "Customer") == []

"""QBO's batch limits and faithful batch answers: 40 batch requests a window per company (which count among
the 500 too), 30 items, items independent with per-item faults, no requestid replay, and the latency knobs."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from syncsvc.sandbox.quickbooks import QuickBooksSandbox

from .test_entities import new_customer, new_invoice, new_item, new_payment


def query_batch(n: int = 1) -> dict:
    return {"BatchItemRequest": [{"bId": f"q{i}", "Query": "select * from CompanyInfo"} for i in range(n)]}


def is_throttle(answer: httpx.Response) -> bool:
    if answer.status_code != 429:
        return False
    fault = answer.json()["Fault"]
    return fault["type"] == "SERVICE" and fault["Error"][0]["code"] == "3001" \
        and "ThrottleExceeded" in fault["Error"][0]["Message"]


def test_the_41st_batch_in_a_window_gets_qbos_throttle_fault(sandbox, realm, api):
    sandbox.configure(realm, window_seconds=1.5)  # 40 batch requests per (scaled) minute, QBO's default
    started = time.monotonic()
    answers = [api.post("/batch", json=query_batch()) for _ in range(41)]
    assert time.monotonic() - started < 1.5, "too slow to fill the window in time"
    assert [a.status_code for a in answers[:40]] == [200] * 40
    assert is_throttle(answers[40])
    assert api.get("/companyinfo/" + realm).status_code == 200  # other requests go on: 41 of 500
    traffic = sandbox.traffic(realm)
    assert traffic["batches"] == 40 and traffic["throttled_by"] == {"requests": 0, "batches": 1, "in_flight": 0}
    threading.Event().wait(1.55)
    assert api.post("/batch", json=query_batch()).status_code == 200


def test_a_batch_counts_among_the_requests_too(sandbox, realm, api):
    sandbox.configure(realm, requests_per_minute=5, window_seconds=1.0)
    assert [api.post("/batch", json=query_batch()).status_code for _ in range(5)] == [200] * 5
    assert is_throttle(api.post("/batch", json=query_batch()))
    assert is_throttle(api.get("/companyinfo/" + realm))
    assert sandbox.traffic(realm)["throttled_by"] == {"requests": 2, "batches": 0, "in_flight": 0}


def test_the_batch_limit_is_set_per_company_or_for_all(sandbox, realm, api):
    sandbox.configure(realm, batch_requests_per_minute=2, window_seconds=5.0)
    assert sandbox.options(realm).batch_requests_per_minute == 2 and sandbox.options().batch_requests_per_minute == 40
    assert [api.post("/batch", json=query_batch()).status_code for _ in range(3)] == [200, 200, 429]
    with QuickBooksSandbox(batch_requests_per_minute=1, window_seconds=5.0) as own:
        other = own.create_company()
        token = own.issue_tokens(other)["access_token"]
        url = f"{own.api_base_url}/company/{other}/batch"
        statuses = [httpx.post(url, json=query_batch(), headers={"Authorization": f"Bearer {token}"}).status_code
                    for _ in range(2)]
    assert statuses == [200, 429]


def test_every_item_answers_for_itself(qb, api, sandbox, realm):
    customer, item = new_customer(qb, name="Taken Co"), new_item(qb)
    invoice = new_invoice(qb, customer, item, amounts=("10.00",), doc_number="INV-1")
    new_payment(qb, customer, [(invoice, "4.00")], "4.00")
    line = {"Amount": "5.00", "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {"ItemRef": {"value": item.Id}}}
    body = {"BatchItemRequest": [
        {"bId": "ok", "operation": "create", "Invoice": {"DocNumber": "INV-2", "CustomerRef": {"value": customer.Id},
                                                         "Line": [line]}},
        {"bId": "dupdoc", "operation": "create", "Invoice": {"DocNumber": "INV-1",
                                                             "CustomerRef": {"value": customer.Id}, "Line": [line]}},
        {"bId": "over", "operation": "create", "Payment": {
            "CustomerRef": {"value": customer.Id}, "TotalAmt": "7.00",
            "Line": [{"Amount": "7.00", "LinkedTxn": [{"TxnId": invoice.Id, "TxnType": "Invoice"}]}]}},
        {"bId": "badref", "operation": "create", "Invoice": {"DocNumber": "INV-3", "CustomerRef": {"value": "9999"},
                                                             "Line": [line]}},
        {"bId": "dupname", "operation": "create", "Customer": {"DisplayName": "Taken Co"}},
        {"bId": "fresh", "operation": "create", "Customer": {"DisplayName": "Fresh Co"}},
    ]}
    answer = api.post("/batch", json=body)
    assert answer.status_code == 200
    items = answer.json()["BatchItemResponse"]
    assert [i["bId"] for i in items] == ["ok", "dupdoc", "over", "badref", "dupname", "fresh"]
    by_id = {i["bId"]: i for i in items}
    codes = {bid: i["Fault"]["Error"][0]["code"] for bid, i in by_id.items() if "Fault" in i}
    assert codes == {"dupdoc": "6140", "over": "6000", "badref": "2500", "dupname": "6240"}
    for bid in codes:
        fault = by_id[bid]["Fault"]
        assert fault["type"] == "ValidationFault" and fault["Error"][0]["Message"] and fault["Error"][0]["Detail"]
        assert set(by_id[bid]) == {"Fault", "bId"}
    assert "open balance" in by_id["over"]["Fault"]["Error"][0]["Detail"]
    assert by_id["ok"]["Invoice"]["DocNumber"] == "INV-2" and by_id["fresh"]["Customer"]["DisplayName"] == "Fresh Co"
    assert sorted(i["DocNumber"] for i in sandbox.entities(realm, "Invoice")) == ["INV-1", "INV-2"]
    assert sorted(c["DisplayName"] for c in sandbox.entities(realm, "Customer")) == ["Fresh Co", "Taken Co"]
    assert len(sandbox.entities(realm, "Payment")) == 1


def test_items_do_not_see_what_earlier_items_of_the_same_batch_created(qb, api, sandbox, realm):
    first, item = new_customer(qb, name="First Co"), new_item(qb)
    next_id = str(int(first.Id) + 1)  # the id the batch's customer will get
    line = {"Amount": "5.00", "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {"ItemRef": {"value": item.Id}}}
    invoice = {"DocNumber": "SAME-BATCH", "CustomerRef": {"value": next_id}, "Line": [line]}
    body = {"BatchItemRequest": [
        {"bId": "c", "operation": "create", "Customer": {"DisplayName": "New Co"}},
        {"bId": "i", "operation": "create", "Invoice": invoice},
    ]}
    by_id = {i["bId"]: i for i in api.post("/batch", json=body).json()["BatchItemResponse"]}
    assert by_id["c"]["Customer"]["Id"] == next_id
    assert by_id["i"]["Fault"]["Error"][0]["code"] == "2500"
    # The next request sees it, as QBO's next request would.
    again = {"BatchItemRequest": [{"bId": "i", "operation": "create", "Invoice": invoice}]}
    assert api.post("/batch", json=again).json()["BatchItemResponse"][0]["Invoice"]["CustomerRef"]["value"] == next_id


def test_a_batch_is_never_replayed_by_requestid(api, sandbox, realm):
    body = {"BatchItemRequest": [{"bId": "c", "operation": "create", "Customer": {"DisplayName": "Once Co"}}]}
    first = api.post("/batch", params={"requestid": "batch-1"}, json=body).json()["BatchItemResponse"][0]
    second = api.post("/batch", params={"requestid": "batch-1"}, json=body).json()["BatchItemResponse"][0]
    assert first["Customer"]["DisplayName"] == "Once Co"
    assert second["Fault"]["Error"][0]["code"] == "6240"  # executed again, not the first answer replayed
    assert [c["DisplayName"] for c in sandbox.entities(realm, "Customer")] == ["Once Co"]


def test_31_items_are_refused_whole_with_no_item_applied(api, sandbox, realm):
    items = [{"bId": str(i), "operation": "create", "Customer": {"DisplayName": f"C{i}"}} for i in range(31)]
    answer = api.post("/batch", json={"BatchItemRequest": items})
    assert answer.status_code == 400 and "BatchItemResponse" not in answer.json()
    assert answer.json()["Fault"]["Error"][0]["code"] == "2010"
    assert sandbox.entities(realm, "Customer") == []
    items = items[:30]
    assert len(api.post("/batch", json={"BatchItemRequest": items}).json()["BatchItemResponse"]) == 30


def timed(call) -> tuple[float, httpx.Response]:
    started = time.monotonic()
    answer = call()
    return time.monotonic() - started, answer


def test_latency_applies_to_every_api_answer_and_per_batch_item(sandbox, realm, api):
    sandbox.configure(realm, latency=0.15)
    for call in (lambda: api.get("/companyinfo/" + realm), lambda: api.post("/batch", json=query_batch(3)),
                 lambda: api.post("/customer", json={"DisplayName": "Slow Co"}),
                 lambda: api.post("/query", content="select * from Customer",
                                  headers={"Content-Type": "application/text"})):
        seconds, answer = timed(call)
        assert answer.status_code == 200 and seconds >= 0.15
    sandbox.configure(realm, batch_item_latency=0.05)
    seconds, answer = timed(lambda: api.post("/batch", json=query_batch(4)))
    assert answer.status_code == 200 and seconds >= 0.15 + 4 * 0.05
    seconds, answer = timed(lambda: api.get("/companyinfo/" + realm))
    assert seconds < 0.15 + 0.2  # the per-item latency is for batches only
    sandbox.configure(realm, requests_per_minute=1, window_seconds=5.0)
    api.get("/companyinfo/" + realm)
    seconds, answer = timed(lambda: api.get("/companyinfo/" + realm))
    assert answer.status_code == 429 and seconds >= 0.15  # a throttled answer travels as long


@pytest.mark.parametrize("retry_after", [None, 3])
def test_a_throttle_can_carry_retry_after(sandbox, realm, api, retry_after):
    sandbox.configure(realm, requests_per_minute=1, window_seconds=5.0, retry_after=retry_after)
    api.get("/companyinfo/" + realm)
    answer = api.get("/companyinfo/" + realm)
    assert answer.status_code == 429 and answer.headers.get("Retry-After") == (None if retry_after is None
                                                                                else str(retry_after))

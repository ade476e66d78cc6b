"""Rules of real QuickBooks Online the sandbox enforces (issue 10), over real sockets.

Inactive customers, items and payment methods are left out of a query unless it filters on
Active, yet keep their names; DisplayName is unique across customers, vendors and employees;
names with ':' tab or newline and customer emails without '@' and '.' are refused; a line's
Amount must be Qty x UnitPrice rounded half up to the cent (6070); and a request whose body was
cut short is never processed, so its requestid stays free for the retry.
"""

from __future__ import annotations

import json
import socket
from decimal import Decimal

import pytest
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.employee import Employee
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.vendor import Vendor

from .test_entities import new_customer, new_item, sales_line


def _query(api, text: str) -> dict:
    answer = api.post("/query", content=text, headers={"Content-Type": "application/text"})
    assert answer.status_code == 200, answer.text
    return answer.json()["QueryResponse"]


def _ids(api, text: str, entity: str) -> list[str]:
    return [r["Id"] for r in _query(api, text).get(entity, [])]


def _deactivate(api, path: str, record: dict) -> dict:
    answer = api.post(path, json={"Id": record["Id"], "SyncToken": record["SyncToken"], "sparse": True,
                                  "Active": False})
    assert answer.status_code == 200, answer.text
    return next(iter(v for k, v in answer.json().items() if k != "time"))


def _code(answer) -> str:
    return answer.json()["Fault"]["Error"][0]["code"]


# -- inactive records --------------------------------------------------------------------------

@pytest.mark.parametrize("entity, path, body, name_field", [
    ("Customer", "/customer", {"DisplayName": "Gone Customer"}, "DisplayName"),
    ("Item", "/item", {"Name": "Gone Item", "Type": "Service", "IncomeAccountRef": {"value": "1"}}, "Name"),
    ("PaymentMethod", "/paymentmethod", {"Name": "Gone Method"}, "Name"),
    ("Vendor", "/vendor", {"DisplayName": "Gone Vendor"}, "DisplayName"),
    ("Employee", "/employee", {"GivenName": "Gone", "FamilyName": "Employee"}, "DisplayName"),
])
def test_inactive_records_are_only_returned_when_the_query_filters_on_active(api, entity, path, body, name_field):
    created = api.post(path, json=body).json()[entity]
    active_count = _query(api, f"SELECT COUNT(*) FROM {entity}")["totalCount"]
    _deactivate(api, path, created)
    name = created[name_field]

    assert _ids(api, f"SELECT * FROM {entity} WHERE {name_field} = '{name}'", entity) == []
    assert created["Id"] not in _ids(api, f"SELECT * FROM {entity} MAXRESULTS 1000", entity)
    assert _query(api, f"SELECT COUNT(*) FROM {entity}")["totalCount"] == active_count - 1
    assert _ids(api, f"SELECT * FROM {entity} WHERE Active = false", entity) == [created["Id"]]
    both = _ids(api, f"SELECT * FROM {entity} WHERE Active IN (true, false) AND {name_field} = '{name}'", entity)
    assert both == [created["Id"]]
    # Read by id still answers, and the record says it is inactive.
    assert api.get(f"{path}/{created['Id']}").json()[entity]["Active"] is False
    # A batch query follows the same rule.
    batch = api.post("/batch", json={"BatchItemRequest": [
        {"bId": "1", "Query": f"SELECT * FROM {entity} WHERE {name_field} = '{name}'"},
        {"bId": "2", "Query": f"SELECT * FROM {entity} WHERE Active IN (true, false) AND {name_field} = '{name}'"},
    ]}).json()["BatchItemResponse"]
    assert batch[0]["QueryResponse"] == {} and len(batch[1]["QueryResponse"][entity]) == 1
    # Its name stays taken while it is inactive.
    again = api.post(path, json=body)
    assert again.status_code == 400 and _code(again) == "6240"


def test_an_inactive_record_is_reactivated_by_a_sparse_update(api):
    created = api.post("/paymentmethod", json={"Name": "Barter"}).json()["PaymentMethod"]
    inactive = _deactivate(api, "/paymentmethod", created)
    answer = api.post("/paymentmethod", json={"Id": inactive["Id"], "SyncToken": inactive["SyncToken"],
                                              "sparse": True, "Active": True})
    assert answer.status_code == 200 and answer.json()["PaymentMethod"]["Active"] is True
    assert _ids(api, "SELECT * FROM PaymentMethod WHERE Name = 'Barter'", "PaymentMethod") == [created["Id"]]


# -- DisplayName across customers, vendors and employees ---------------------------------------

def test_vendor_and_employee_through_python_quickbooks(qb):
    vendor = Vendor()
    vendor.DisplayName, vendor.CompanyName = "Paper Supply Co", "Paper Supply Co"
    vendor = vendor.save(qb=qb)
    assert vendor.Id and vendor.SyncToken == "0" and vendor.Active is True
    employee = Employee()
    employee.GivenName, employee.FamilyName = "Emily", "Platt"
    employee = employee.save(qb=qb)
    assert employee.DisplayName == "Emily Platt" and employee.PrintOnCheckName == "Emily Platt"
    assert [v.Id for v in Vendor.filter(DisplayName="paper supply co", qb=qb)] == [vendor.Id]
    assert [e.Id for e in Employee.filter(DisplayName="Emily Platt", qb=qb)] == [employee.Id]
    employee.FamilyName = "Platt-Jones"
    employee.DisplayName = "Emily Platt-Jones"
    updated = employee.save(qb=qb)
    assert updated.SyncToken == "1" and updated.DisplayName == "Emily Platt-Jones"


@pytest.mark.parametrize("first, second", [
    ("/vendor", "/customer"), ("/employee", "/customer"), ("/customer", "/vendor"), ("/customer", "/employee"),
    ("/vendor", "/employee"), ("/employee", "/vendor"),
])
def test_display_name_is_unique_across_customers_vendors_and_employees(api, first, second):
    assert api.post(first, json={"DisplayName": "Jane Smith", "GivenName": "Jane"}).status_code == 200
    clash = api.post(second, json={"DisplayName": "JANE SMITH", "GivenName": "Jane"})
    assert clash.status_code == 400 and _code(clash) == "6240"
    # Renaming another record onto the name clashes too.
    other = api.post(second, json={"DisplayName": "Jane Smith (1234)", "GivenName": "Jane"}).json()
    [record] = [v for k, v in other.items() if k != "time"]
    rename = api.post(second, json={**{k: record[k] for k in ("Id", "SyncToken")}, "sparse": True,
                                    "DisplayName": "Jane Smith"})
    assert rename.status_code == 400 and _code(rename) == "6240"


def test_an_inactive_vendor_keeps_its_display_name(api):
    vendor = api.post("/vendor", json={"DisplayName": "Old Supplier"}).json()["Vendor"]
    _deactivate(api, "/vendor", vendor)
    clash = api.post("/customer", json={"DisplayName": "Old Supplier"})
    assert clash.status_code == 400 and _code(clash) == "6240"


def test_a_generated_employee_display_name_is_checked_too(api):
    assert api.post("/customer", json={"DisplayName": "Sam Lee"}).status_code == 200
    clash = api.post("/employee", json={"GivenName": "Sam", "FamilyName": "Lee"})
    assert clash.status_code == 400 and _code(clash) == "6240"


# -- names and emails QBO refuses --------------------------------------------------------------

@pytest.mark.parametrize("path, body", [
    ("/customer", {"DisplayName": "Acme: West"}),
    ("/customer", {"DisplayName": "Acme\tWest"}),
    ("/customer", {"DisplayName": "Acme\nWest"}),
    ("/customer", {"GivenName": "Jane:", "FamilyName": "Smith"}),
    ("/customer", {"DisplayName": "Jane Smith", "FamilyName": "Sm\tith"}),
    ("/customer", {"DisplayName": "Jane Smith", "PrintOnCheckName": "Jane: Smith"}),
    ("/vendor", {"DisplayName": "Paper: Supply"}),
    ("/employee", {"GivenName": "Sam\t", "FamilyName": "Lee"}),
    ("/item", {"Name": "Widgets:Blue", "Type": "Service", "IncomeAccountRef": {"value": "1"}}),
    ("/item", {"Name": "Widgets\tBlue", "Type": "Service", "IncomeAccountRef": {"value": "1"}}),
])
def test_names_with_a_colon_tab_or_newline_are_refused(api, sandbox, realm, path, body):
    entity = {"/customer": "Customer", "/vendor": "Vendor", "/employee": "Employee", "/item": "Item"}[path]
    before = len(sandbox.entities(realm, entity))
    answer = api.post(path, json=body)
    assert answer.status_code == 400, answer.text
    assert _code(answer) == "6000" and "can't contain" in answer.json()["Fault"]["Error"][0]["Detail"]
    assert len(sandbox.entities(realm, entity)) == before


def test_a_colon_in_an_update_is_refused_too(api):
    item = api.post("/item", json={"Name": "Widget", "Type": "Service",
                                   "IncomeAccountRef": {"value": "1"}}).json()["Item"]
    answer = api.post("/item", json={"Id": item["Id"], "SyncToken": item["SyncToken"], "sparse": True,
                                     "Name": "Parts:Widget"})
    assert answer.status_code == 400 and _code(answer) == "6000"


@pytest.mark.parametrize("email, accepted", [
    ("jane@example.com", True), ("jane.smith@example.co.uk", True),
    ("jane-at-example.com", False), ("jane@example", False), ("", True),
])
def test_a_customer_email_needs_an_at_sign_and_a_dot(api, sandbox, realm, email, accepted):
    answer = api.post("/customer", json={"DisplayName": "Jane", "PrimaryEmailAddr": {"Address": email}})
    assert (answer.status_code == 200) is accepted, answer.text
    if not accepted:
        assert _code(answer) == "6000" and "email" in answer.json()["Fault"]["Error"][0]["Detail"].lower()
        assert sandbox.entities(realm, "Customer") == []


def test_an_invalid_email_on_an_update_is_refused(api):
    customer = api.post("/customer", json={"DisplayName": "Jane"}).json()["Customer"]
    answer = api.post("/customer", json={"Id": customer["Id"], "SyncToken": customer["SyncToken"],
                                         "sparse": True, "PrimaryEmailAddr": {"Address": "jane at example"}})
    assert answer.status_code == 400 and _code(answer) == "6000"


# -- Amount = Qty x UnitPrice, rounded half up -----------------------------------------------------

def _invoice(qb, item, customer, amount, qty, unit_price):
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.Line = [sales_line(item, amount, qty=qty, unit_price=unit_price)]
    return invoice.save(qb=qb)


def test_qty_times_unit_price_is_rounded_half_up_to_the_cent(qb, sandbox, realm):
    customer, item = new_customer(qb), new_item(qb)
    # 3 x 0.835 = 2.505: QBO rounds half up and expects 2.51 (a field report of a 6070 for the half cent).
    saved = _invoice(qb, item, customer, "2.51", "3", "0.835")
    line = sandbox.get(realm, "Invoice", saved.Id)["Line"][0]
    assert line["Amount"] == Decimal("2.51") and line["SalesItemLineDetail"]["UnitPrice"] == Decimal("0.835")
    with pytest.raises(QuickbooksException) as half_even:
        _invoice(qb, item, customer, "2.50", "3", "0.835")
    assert half_even.value.error_code == 6070
    # A unit price with a fraction of a cent is kept (QBO keeps 7 decimal places) when the Amount agrees.
    kept = _invoice(qb, item, customer, "10.00", "3", "3.3333333")
    assert sandbox.get(realm, "Invoice", kept.Id)["Line"][0]["SalesItemLineDetail"]["UnitPrice"] == \
        Decimal("3.3333333")
    with pytest.raises(QuickbooksException) as off_by_a_cent:
        _invoice(qb, item, customer, "10.01", "3", "3.3333333")
    assert off_by_a_cent.value.error_code == 6070


def test_an_amount_with_a_fraction_of_a_cent_never_equals_qty_times_price(qb):
    customer, item = new_customer(qb), new_item(qb)
    with pytest.raises(QuickbooksException) as mismatch:
        _invoice(qb, item, customer, "2.505", "3", "0.835")
    assert mismatch.value.error_code == 6070


def test_a_unit_price_beyond_seven_decimal_places_is_refused(api, qb):
    customer, item = new_customer(qb), new_item(qb)
    line = {"Amount": "10.00", "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {"ItemRef": {"value": item.Id}, "Qty": "3", "UnitPrice": "3.33333333"}}
    answer = api.post("/invoice", json={"CustomerRef": {"value": customer.Id}, "Line": [line]})
    assert answer.status_code == 400 and "UnitPrice" in answer.text
    too_fine = api.post("/item", json={"Name": "Fine", "Type": "Service", "IncomeAccountRef": {"value": "1"},
                                       "UnitPrice": "0.123456789"})
    assert too_fine.status_code == 400 and "UnitPrice" in too_fine.text


# -- bodies cut short --------------------------------------------------------------------------------

def _raw_post(sandbox, realm, token, path_and_query: str, body: bytes, declared_length: int) -> bytes:
    """POST with a Content-Length of `declared_length` but only `body` sent, then close our side."""
    head = (f"POST /v3/company/{realm}{path_and_query} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\nAccept: application/json\r\n"
            f"Content-Length: {declared_length}\r\n\r\n").encode("latin-1")
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=5) as sock:
        sock.sendall(head + body)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def test_a_body_cut_short_is_not_processed_and_its_requestid_stays_free(sandbox, realm, api):
    token = sandbox.issue_tokens(realm)["access_token"]
    body = json.dumps({"DisplayName": "Cut Short", "Notes": "x" * 500}).encode()
    _raw_post(sandbox, realm, token, "/customer?minorversion=75&requestid=cut-1", body[:40], len(body))
    assert sandbox.entities(realm, "Customer") == []
    whole = api.post("/customer", content=body, params={"requestid": "cut-1"},
                     headers={"Content-Type": "application/json"})
    assert whole.status_code == 200, whole.text
    assert [c["DisplayName"] for c in sandbox.entities(realm, "Customer")] == ["Cut Short"]


def test_a_truncated_json_body_is_a_400_not_stored_against_its_requestid(sandbox, realm, api):
    body = json.dumps({"DisplayName": "Truncated", "Notes": "y" * 200}).encode()
    cut = api.post("/customer", content=body[:30], params={"requestid": "trunc-1"},
                   headers={"Content-Type": "application/json"})
    assert cut.status_code == 400 and cut.json()["Fault"]["type"] == "ValidationFault"
    assert sandbox.entities(realm, "Customer") == []
    whole = api.post("/customer", content=body, params={"requestid": "trunc-1"},
                     headers={"Content-Type": "application/json"})
    assert whole.status_code == 200 and whole.json()["Customer"]["DisplayName"] == "Truncated"
    # A complete request's answer is still replayed for its requestid.
    again = api.post("/customer", content=body, params={"requestid": "trunc-1"},
                     headers={"Content-Type": "application/json"})
    assert again.json()["Customer"]["Id"] == whole.json()["Customer"]["Id"]
    assert len(sandbox.entities(realm, "Customer")) == 1


def test_a_500_after_the_write_was_applied(sandbox, realm, api):
    sandbox.inject(realm, "http500_after_commit", entity="PaymentMethod")
    answer = api.post("/paymentmethod", json={"Name": "Venmo"}, params={"requestid": "pm-1"})
    assert answer.status_code == 500 and _code(answer) == "10000"
    assert [m["Name"] for m in sandbox.entities(realm, "PaymentMethod") if m["Name"] == "Venmo"] == ["Venmo"]

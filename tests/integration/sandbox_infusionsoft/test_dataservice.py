"""DataService paging, query operators, faults and the wire format, over real sockets."""

from __future__ import annotations

import re
import xmlrpc.client
from datetime import datetime, timezone

import httpx
import pytest

from .conftest import proxy

KEY = "placeholder"


def fault_of(call, *args):
    with pytest.raises(xmlrpc.client.Fault) as caught:
        call(*args)
    return caught.value


def test_paging_2500_rows_in_pages_of_1000_with_order_by(api, sandbox):
    for n in range(2500):
        sandbox.store.add_contact(FirstName=f"Name{n:04d}", LastName="Pager")
    pages, page = [], 0
    while True:
        rows = api.DataService.query(KEY, "Contact", 1000, page, {"LastName": "pager"}, ["Id", "FirstName"], "Id", True)
        pages.append(rows)
        if len(rows) < 1000:
            break
        page += 1
    assert [len(p) for p in pages] == [1000, 1000, 500]
    ids = [r["Id"] for p in pages for r in p]
    assert ids == list(range(1, 2501))
    assert set(pages[0][0]) == {"Id", "FirstName"}  # only the requested fields
    assert api.DataService.query(KEY, "Contact", 1000, 3, {"Id": "%"}, ["Id"], "Id", True) == []
    # limit above 1000 is capped; ascending=False orders descending
    assert len(api.DataService.query(KEY, "Contact", 5000, 0, {"Id": "%"}, ["Id"])) == 1000
    newest = api.DataService.query(KEY, "Contact", 3, 0, {"Id": "%"}, ["Id"], "Id", False)
    assert [r["Id"] for r in newest] == [2500, 2499, 2498]
    by_name = api.DataService.query(KEY, "Contact", 2, 1, {"Id": "%"}, ["FirstName"], "FirstName", False)
    assert [r["FirstName"] for r in by_name] == ["Name2497", "Name2496"]
    assert api.DataService.count(KEY, "Contact", {"FirstName": "Name1%"}) == 1000


@pytest.fixture
def people(sandbox, clock):
    store = sandbox.store
    rows = [
        ("Ann", "O'Brien", "ann@example.com", "Acme", datetime(2024, 11, 19, 23, 30, 0)),
        ("José", "Müller", "", "", datetime(2024, 11, 18, 8, 0, 0)),
        ("John", "Smith", "john@example.com", "Smith & Sons", datetime(2024, 11, 20, 9, 0, 0)),
        ("John", "Smith", "jsmith@example.org", None, datetime(2024, 11, 1, 12, 0, 0)),
    ]
    ids = [store.add_contact(FirstName=f, LastName=l, Email=e, Company=c, DateCreated=d)
           for f, l, e, c, d in rows]
    # 03:00 UTC on the 20th is 22:00 on the 19th in New York
    clock.now = datetime(2024, 11, 20, 3, 0, 0, tzinfo=timezone.utc)
    ids.append(store.add_contact(FirstName="Late", LastName="Evening"))
    return ids


def names(rows):
    return [r["FirstName"] for r in rows]


def q(api, query, fields=("FirstName",)):
    return api.DataService.query(KEY, "Contact", 1000, 0, query, list(fields), "Id", True)


def test_exact_match_is_case_insensitive_and_wildcards_work(api, people):
    assert names(q(api, {"LastName": "o'brien"})) == ["Ann"]
    assert names(q(api, {"LastName": "MÜLLER"})) == ["José"]
    assert names(q(api, {"FirstName": "Jo%"})) == ["José", "John", "John"]
    assert names(q(api, {"Email": "%@example.com"})) == ["Ann", "John"]
    assert [r["Id"] for r in q(api, {"Id": "%"}, ["Id"])] == people
    assert names(q(api, {"Id": f"{people[2]}%"})) == ["John"]  # LIKE on an int column
    assert names(q(api, {"DateCreated": "2024-11-19%"})) == ["Ann", "Late"]  # and on dates
    assert names(q(api, {"FirstName": "John", "Email": "%.org"})) == ["John"]  # fields are ANDed
    assert names(q(api, {"FirstName": "John", "Email": "%.net"})) == []


def test_null_is_not_the_empty_string(api, people):
    assert names(q(api, {"Company": "~null~"})) == ["John", "Late"]
    assert names(q(api, {"Email": ""})) == ["José"]


def test_comparisons_use_account_local_dates(api, people):
    assert names(q(api, {"DateCreated": "~>=~ 2024-11-19 22:00:00"})) == ["Ann", "John", "Late"]
    assert names(q(api, {"DateCreated": "~>~ 2024-11-19 22:00:00"})) == ["Ann", "John"]
    assert names(q(api, {"DateCreated": "~<~ 2024-11-18"})) == ["John"]
    assert names(q(api, {"DateCreated": "~<=~ 2024-11-18 08:00:00"})) == ["José", "John"]
    assert names(q(api, {"Id": f"~<>~{people[0]}"})) == ["José", "John", "John", "Late"]
    assert names(q(api, {"Company": "~<>~Acme"})) == ["José", "John"]  # absent values never compare
    assert names(q(api, {"Id": f"~>~ {people[2]}"})) == ["John", "Late"]


def test_id_lists_are_in_queries_on_id_only(api, people):
    assert names(q(api, {"Id": [people[1], people[3], 999]})) == ["José", "John"]
    fault = fault_of(api.DataService.query, KEY, "Contact", 10, 0, {"FirstName": ["Ann"]}, ["Id"])
    assert fault.faultCode == 12 and fault.faultString.startswith("[InvalidParameter]")
    fault = fault_of(api.DataService.query, KEY, "Contact", 10, 0, {"Id": list(range(1001))}, ["Id"])
    assert fault.faultString.startswith("[InvalidParameter]")


def test_find_by_field_and_load(api, people):
    assert names(api.DataService.findByField(KEY, "Contact", 10, 0, "LastName", "smith", ["FirstName"])) == ["John", "John"]
    assert api.DataService.load(KEY, "Contact", people[0], ["FirstName", "Company"]) == {"FirstName": "Ann", "Company": "Acme"}
    fault = fault_of(api.DataService.load, KEY, "Contact", 999, ["Id"])
    assert fault.faultCode == 5 and fault.faultString.startswith("[RecordNotFound]")
    info = api.DataService.getUserInfo()
    assert info["appAlias"] == "sandbox"


def test_dataservice_faults(api, sandbox):
    fault = fault_of(api.DataService.query, KEY, "Nope", 10, 0, {"Id": "%"}, ["Id"])
    assert fault.faultCode == 9 and fault.faultString.startswith("[NoTableFound]")
    fault = fault_of(api.DataService.query, KEY, "Contact", 10, 0, {"Id": "%"}, ["given_name"])
    assert (fault.faultCode, fault.faultString) == (10, "[NoFieldFound]No field found: Contact.given_name")
    fault = fault_of(api.DataService.query, KEY, "Contact", 10, 0, {"given_name": "x"}, ["Id"])
    assert fault.faultString == "[NoFieldFound]No field found: Contact.given_name"
    fault = fault_of(api.DataService.query, KEY, "CreditCard", 10, 0, {"Id": "%"}, ["CardNumber"])
    assert fault.faultString.startswith("[NoFieldAccess]")
    fault = fault_of(api.DataService.query, KEY, "Contact", 10, 0, {"DateCreated": "~>~ yesterday"}, ["Id"])
    assert fault.faultString.startswith("[InvalidParameter]")
    fault = fault_of(api.DataService.query, KEY, "Contact", 10, 0, {"Id": "%"}, ["Id"], "Id")  # 7 params
    assert fault.faultString == ("No method matching arguments: java.lang.String, java.lang.String, java.lang.Integer, "
                                 "java.lang.Integer, java.util.HashMap, [Ljava.lang.Object;, java.lang.String")
    fault = fault_of(api.DataService.sendTemplate, KEY)
    assert fault.faultString == "No such handler: DataService.sendTemplate"


def test_broken_body_is_the_premature_end_of_file_fault(sandbox):
    body = b"<?xml version='1.0'?><methodCall><methodName>DataService.query</methodName><params><param>"
    response = httpx.post(sandbox.xmlrpc_url, content=body, headers={"X-Keap-API-Key": sandbox.SERVICE_KEY})
    assert response.status_code == 200
    fault = pytest.raises(xmlrpc.client.Fault, xmlrpc.client.loads, response.content).value
    assert (fault.faultCode, fault.faultString) == (0, "Failed to parse XML-RPC request: Premature end of file.")


def test_wire_format_matches_infusionsoft(sandbox, people):
    sandbox.store.add_product(ProductName="Widget", Sku="", ProductPrice="5.06")
    body = xmlrpc.client.dumps((KEY, "Product", 10, 0, {"Id": "%"}, ["Id", "ProductName", "Sku", "ProductPrice"]),
                               "DataService.query")
    response = httpx.post(sandbox.xmlrpc_url, content=body, headers={"X-Keap-API-Key": sandbox.SERVICE_KEY})
    text = response.text
    assert response.headers["content-type"].startswith("text/xml")
    assert "<value><i4>1</i4></value>" in text
    assert "<value>Widget</value>" in text and "<string>" not in text
    assert "<value/>" in text and "<double>5.06</double>" in text
    body = xmlrpc.client.dumps((KEY, "Contact", 1, 0, {"Id": people[0]}, ["DateCreated"]), "DataService.query")
    text = httpx.post(sandbox.xmlrpc_url, content=body, headers={"X-Keap-API-Key": sandbox.SERVICE_KEY}).text
    assert "<dateTime.iso8601>20241119T23:30:00</dateTime.iso8601>" in text


def test_pretty_mode_puts_whitespace_inside_values(people, sandbox):
    sandbox.pretty = True
    try:
        body = xmlrpc.client.dumps((KEY, "Contact", 1, 0, {"Id": people[0]}, ["FirstName"]), "DataService.query")
        text = httpx.post(sandbox.xmlrpc_url, content=body, headers={"X-Keap-API-Key": sandbox.SERVICE_KEY}).text
    finally:
        sandbox.pretty = False
    assert re.search(r"<name>\n\s+FirstName\n\s+</name>", text)
    assert re.search(r"<value>\n\s+Ann\n\s+</value>", text)
    [row] = xmlrpc.client.loads(text)[0][0]
    assert [k.strip() for k in row] == ["FirstName"] and row[next(iter(row))].strip() == "Ann"


def test_legacy_key_in_first_param(sandbox, people):
    legacy = proxy(sandbox.legacy_url)
    assert names(legacy.DataService.query(sandbox.LEGACY_KEY, "Contact", 10, 0, {"LastName": "Smith"}, ["FirstName"])) == [
        "John", "John"]
    fault = fault_of(legacy.DataService.query, "wrong-key", "Contact", 10, 0, {"Id": "%"}, ["Id"])
    assert (fault.faultCode, fault.faultString) == (2, "[InvalidKey]Invalid Key")

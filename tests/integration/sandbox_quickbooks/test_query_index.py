"""The QBO sandbox answers an `=` or IN query on an indexed field from the company's index: the same
records, in the same order, as testing every record of the entity."""

from __future__ import annotations

import pytest

from syncsvc.sandbox.quickbooks import query as qbo_query
from syncsvc.sandbox.quickbooks.company import Company


@pytest.fixture(scope="module")
def company() -> Company:
    company = Company("9130", "Index Co", 1_700_000_000.0)
    for n in range(1, 400):
        company.put("Invoice", {
            "Id": str(n), "DocNumber": f"INV-{n % 150}" if n % 7 else f"inv-{n % 150}",
            "CustomerRef": {"value": str(n % 13 + 1), "name": "x"}, "TotalAmt": n,
        })
        company.put("Payment", {"Id": str(n), "PaymentRefNum": f"ref{n % 90}", "TotalAmt": n,
                                "CustomerRef": {"value": str(n % 5 + 1)}})
    for n in range(1, 60):
        company.put("Customer", {
            "Id": str(n), "DisplayName": f"Name {n % 20}'s", "Active": n % 4 != 0, "FamilyName": f"Fam{n % 6}",
            **({"PrimaryEmailAddr": {"Address": f"P{n % 9}@Example.com"}} if n % 5 else {}),
            **({"CompanyName": f"Co {n % 4}"} if n % 3 else {}),
        })
    company.remove("Invoice", "17")
    company.put("Invoice", {"Id": "18", "DocNumber": "moved", "TotalAmt": 18})  # re-indexed under its new value
    return company


@pytest.mark.parametrize("text", [
    "SELECT * FROM Invoice WHERE DocNumber IN ('INV-3', 'inv-4', 'Nope', 'INV-17') ORDERBY Id",
    "SELECT * FROM Invoice WHERE DocNumber = 'inv-7' STARTPOSITION 2 MAXRESULTS 1",
    "SELECT * FROM Invoice WHERE DocNumber IN ('MOVED', 'INV-18') AND TotalAmt > 10",
    "SELECT * FROM Invoice WHERE CustomerRef = '4' AND DocNumber LIKE 'INV-1%' ORDER BY TotalAmt DESC",
    "SELECT COUNT(*) FROM Invoice WHERE CustomerRef IN ('2', '3')",
    "SELECT * FROM Payment WHERE PaymentRefNum IN ('REF1', 'ref2') MAXRESULTS 1000",
    "SELECT * FROM Customer WHERE DisplayName IN ('name 3\\'s', 'Name 4\\'s', 'Name 5')",
    "SELECT * FROM Customer WHERE Active IN (true, false) AND DisplayName = 'NAME 8\\'s'",
    "SELECT * FROM Customer WHERE Active IN (true, false) AND PrimaryEmailAddr IN ('p3@example.com', 'P4@EXAMPLE.COM')",
    "SELECT * FROM Customer WHERE PrimaryEmailAddr = 'p1@example.com'",
    "SELECT * FROM Customer WHERE Active IN (true, false) AND FamilyName IN ('fam1', 'Fam2', 'Fam9')",
    "SELECT * FROM Customer WHERE CompanyName IN ('co 0', 'Co 2') AND Active = false",
    "SELECT * FROM Invoice WHERE TotalAmt < 20",
])
def test_an_indexed_query_answers_what_a_scan_answers(company, text):
    parsed = qbo_query.parse(text)
    scanned = qbo_query.run(parsed, company.all(parsed.entity))
    assert qbo_query.run(parsed, qbo_query.candidates(parsed, company)) == scanned


def test_candidates_are_the_named_records_only(company):
    parsed = qbo_query.parse("SELECT * FROM Invoice WHERE DocNumber IN ('INV-3', 'inv-4')")
    found = qbo_query.candidates(parsed, company)
    assert 0 < len(found) <= 6 and [r["Id"] for r in found] == sorted((r["Id"] for r in found), key=int)

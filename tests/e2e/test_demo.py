"""`syncsvc demo` end to end, as a user runs it: a subprocess that must exit 0 and tell the truth.

The QuickBooks sandbox lives inside the demo process, so the demo writes what
the sandbox itself holds to --json-summary; the printed table, the file and
the sandbox's holdings must agree, the third sync must create nothing, and
the fourth must adopt every record a simulated crash lost.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from decimal import Decimal

from syncsvc.commands.demo import TABLE_ROWS


def test_demo_runs_to_completion_and_its_summary_matches_what_quickbooks_holds(tmp_path):
    summary_path = tmp_path / "summary.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCSVC_")}
    done = subprocess.run(
        [sys.executable, "-m", "syncsvc", "demo", "--orders", "200", "--seed", "5", "--json-summary", str(summary_path)],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    report = json.loads(summary_path.read_text())
    runs = [r["counts"] for r in report["runs"]]
    qbo = report["quickbooks"]

    # The printed table is the file's counts, run by run.
    printed = _final_table(out)
    for label, key in TABLE_ROWS:
        assert printed[label] == [run.get(key, 0) for run in runs], label

    # The file's counts are what the QuickBooks sandbox holds (plus the one invoice typed in by hand).
    assert qbo["invoices"] == 1 + sum(r["invoices"] for r in runs) == qbo["counts"]["Invoice"]
    assert qbo["payments"] == sum(r["payments"] for r in runs) == qbo["counts"].get("Payment", 0)
    assert qbo["sales_receipts"] == sum(r["sales_receipts"] for r in runs)
    assert runs[0]["invoices"] >= 190 and runs[0]["payments"] >= 150
    assert f"invoices: {qbo['invoices']} totalling {qbo['invoices_total']}" in out
    assert f"payments: {qbo['payments']} totalling {qbo['payments_total']}" in out
    reconciled = report["reconciliation"]
    assert reconciled["match"] and Decimal(reconciled["quickbooks_total"]) == (
        Decimal(qbo["invoices_total"]) - Decimal(report["cases"]["pre_existing"]["invoice_total"]))
    assert "match to the cent" in out
    # Refunds are booked as refund receipts, and what they return equals Keap's refunds to the cent.
    assert qbo["refund_receipts"] == sum(r.get("refund_receipts", 0) for r in runs) >= 1
    assert Decimal(reconciled["quickbooks_refunds"]) == Decimal(reconciled["infusionsoft_refunds"]) > 0

    # Customers matched by each rule; the ambiguous contact and the DocNumber clash are held with reasons.
    assert runs[0]["customers_by_email"] >= 1 and runs[0]["customers_by_company_city"] >= 1
    assert runs[0]["customers_by_name"] >= 1 and runs[0]["unknown_items"] >= 1
    cases = report["cases"]
    held = report["runs"][0]["held"]
    assert "link customer" in held[str(cases["ambiguous"])]
    assert "already used by QuickBooks Invoice" in held[str(cases["clash"])]
    assert f"order {cases['ambiguous']}: contact" in out

    # The late 12:00 AM check arrives on the second sync, once, and is printed.
    late = report["late_payment"]
    assert runs[1]["payments"] == 1 and late["pay_date"].endswith("12:00 AM")
    assert late["payment_ref"] in qbo["payments_numbers"] and late["invoice_balance"] == "0.00"
    assert (f"arrived in QuickBooks as payment {late['qbo_payment_id']}, PaymentRefNum {late['payment_ref']}, "
            f"{late['amount']}") in out

    # The third sync created nothing, and no number appears twice in QuickBooks.
    assert all(runs[2][key] == 0 for key in ("invoices", "sales_receipts", "updated", "payments",
                                             "customers_created", "items_created"))
    assert len(set(qbo["invoices_numbers"])) == qbo["invoices"]
    assert len(set(qbo["payments_numbers"])) == qbo["payments"]
    assert "nothing created twice" in out and report["nothing_created_twice"]

    # After the simulated crash, every lost invoice and payment is found in QuickBooks and adopted.
    lost = report["lost_records"]
    assert len(lost["orders"]) == 3 and lost["documents"] == 3 and lost["payments"] >= 3
    assert runs[3]["duplicates_avoided"] == lost["documents"] + lost["payments"]
    assert runs[3]["invoices"] == runs[3]["payments"] == 0
    assert f"found all {runs[3]['duplicates_avoided']} in QuickBooks and adopted them" in out


def _final_table(out: str) -> dict[str, list[int]]:
    """The 'What each sync did' table: label -> one count per sync."""
    table = out.split("What each sync did:", 1)[1].split("QuickBooks now holds", 1)[0]
    rows = {}
    for line in table.splitlines()[2:]:
        match = re.match(r"^\s+(.+?)\s{2,}([\d\s]+)$", line)
        if match:
            rows[match.group(1)] = [int(n) for n in match.group(2).split()]
    return rows

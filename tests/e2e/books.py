"""What a QuickBooks company holds, in terms that compare across companies (names, not ids)."""

from __future__ import annotations

from decimal import Decimal


def books(world) -> dict:
    """Every invoice, sales receipt, refund receipt and credit memo by DocNumber and every payment by PaymentRefNum, with customers
    and items by name, so two companies fed from one Keap account can be compared field by field."""
    customers = {c["Id"]: c["DisplayName"] for c in world.entities("Customer")}
    items = {i["Id"]: i["Name"] for i in world.entities("Item")}
    documents = {}
    for kind in ("Invoice", "SalesReceipt", "RefundReceipt", "CreditMemo"):
        for doc in world.entities(kind):
            documents[doc["DocNumber"]] = {
                "kind": kind,
                "customer": customers[doc["CustomerRef"]["value"]],
                "txn_date": doc.get("TxnDate"),
                "due_date": doc.get("DueDate"),
                "total": Decimal(str(doc["TotalAmt"])),
                "memo": doc.get("PrivateNote"),
                "lines": [_line(line, items) for line in doc["Line"] if line.get("DetailType") == "SalesItemLineDetail"],
            }
    invoice_numbers = {doc["Id"]: doc["DocNumber"] for doc in world.entities("Invoice")}
    payments = {}
    for payment in world.entities("Payment"):
        ref = payment.get("PaymentRefNum")
        assert ref not in payments, f"PaymentRefNum {ref} posted twice"
        payments[ref] = {
            "customer": customers[payment["CustomerRef"]["value"]],
            "txn_date": payment.get("TxnDate"),
            "total": Decimal(str(payment["TotalAmt"])),
            "invoices": sorted(invoice_numbers[t["TxnId"]] for line in payment["Line"]
                               for t in line.get("LinkedTxn", []) if t.get("TxnType") == "Invoice"),
            "memo": payment.get("PrivateNote"),
        }
    return {"documents": documents, "payments": payments}


def _line(line: dict, items: dict) -> tuple:
    detail = line["SalesItemLineDetail"]
    return (items[detail["ItemRef"]["value"]], line.get("Description"), Decimal(str(detail.get("Qty", 0))),
            Decimal(str(detail.get("UnitPrice", 0))), Decimal(str(line["Amount"])))


def order_issues(world) -> dict[int, tuple[str, str]]:
    """Open issues on orders (held, skipped, error) by order id: (kind, reason)."""
    with world.state().unit() as uow:
        return {i.subject_id: (i.kind, i.reason) for i in uow.open_issues() if i.subject == "order"}

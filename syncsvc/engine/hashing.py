"""A content hash of a planned document, to tell whether a posted order changed.

sha256 over a canonical JSON (sorted keys, Decimals as plain strings). QBO
ids are left out: a document planned before its customer or items existed
must hash the same as the one planned after they were created.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal

from syncsvc.engine.documents import PlannedDocument


def content_hash(document: PlannedDocument) -> str:
    canonical = json.dumps(_canonical(document), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _canonical(document: PlannedDocument) -> dict:
    receipt = document.receipt_payment
    return {
        "kind": document.kind,
        "order_id": document.order_id,
        "invoice_id": document.invoice_id,
        "doc_number": document.doc_number,
        "contact_id": document.customer.contact_id,
        "txn_date": _value(document.txn_date),
        "due_date": _value(document.due_date),
        "lines": [
            {
                "order_item_id": line.order_item_id,
                "item_type": int(line.item_type),
                "item": line.item.name.casefold(),
                "description": line.description,
                "quantity": _value(line.quantity),
                "unit_price": _value(line.unit_price),
                "amount": _value(line.amount),
            }
            for line in document.lines
        ],
        "tax_total": _value(document.tax_total),
        "total": _value(document.total),
        "memo": document.memo,
        "receipt": None if receipt is None else {"ref": receipt.ref, "method": receipt.method, "refs": list(receipt.refs)},
    }


def _value(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value else "0"
    if isinstance(value, date):
        return value.isoformat()
    return value

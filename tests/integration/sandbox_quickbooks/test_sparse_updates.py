"""Issue 11: the sandbox updates as QBO does. A sparse update (`"sparse": true`) changes only the fields sent;
a full update sets every writable field left out to empty (DocNumber and TxnDate excepted)."""

from __future__ import annotations

import json

from .test_entities import new_customer, new_invoice, new_item


def _typed(qb, sandbox, realm, invoice_id) -> dict:
    stored = sandbox.get(realm, "Invoice", invoice_id)
    body = {k: v for k, v in stored.items() if k not in ("MetaData", "domain")}
    body.update(CustomerMemo={"value": "Thanks!"}, SalesTermRef={"value": "3"}, ClassRef={"value": "200"},
                PrivateNote="typed")
    qb.update_object("Invoice", json.dumps(body, default=str))
    return sandbox.get(realm, "Invoice", invoice_id)


def test_a_sparse_update_keeps_the_fields_it_leaves_out(qb, sandbox, realm):
    invoice = new_invoice(qb, new_customer(qb), new_item(qb))
    typed = _typed(qb, sandbox, realm, invoice.Id)
    qb.update_object("Invoice", json.dumps({"Id": invoice.Id, "SyncToken": typed["SyncToken"], "sparse": True,
                                            "PrivateNote": "ours"}))
    after = sandbox.get(realm, "Invoice", invoice.Id)
    assert after["PrivateNote"] == "ours" and after["CustomerMemo"] == {"value": "Thanks!"}
    assert after["SalesTermRef"] == {"value": "3"} and after["ClassRef"] == {"value": "200"}
    assert after["Line"] == typed["Line"] and after["TotalAmt"] == typed["TotalAmt"]


def test_a_full_update_wipes_the_fields_it_leaves_out(qb, sandbox, realm):
    invoice = new_invoice(qb, new_customer(qb), new_item(qb))
    typed = _typed(qb, sandbox, realm, invoice.Id)
    body = {"Id": invoice.Id, "SyncToken": typed["SyncToken"], "CustomerRef": typed["CustomerRef"],
            "Line": typed["Line"], "PrivateNote": "ours"}
    qb.update_object("Invoice", json.dumps(body, default=str))
    after = sandbox.get(realm, "Invoice", invoice.Id)
    assert after["PrivateNote"] == "ours" and after["DocNumber"] == typed["DocNumber"]
    assert "CustomerMemo" not in after and "SalesTermRef" not in after and "ClassRef" not in after

"""Create, read, update (full/sparse), void and delete, per entity, as QBO does them."""

from __future__ import annotations

from decimal import Decimal

from .faults import business_validation, object_not_found, required_missing, unsupported_operation
from .names import build_account, build_customer, build_employee, build_item, build_payment_method, build_vendor
from .payments import applied_to, build_payment, refresh_customer, refresh_invoice, set_applications, void_payment
from .rules import WriteContext, check_sync_token, is_empty, merge_for_update, next_sync_token
from .refunds import build_credit_memo, build_refund_receipt
from .sales import build_sales_form, void_sales_form
from .schema import check_known

# URL path segment (python-quickbooks lower-cases the entity name) -> entity
ENTITY_BY_PATH = {name.lower(): name for name in (
    "Customer", "Vendor", "Employee", "Item", "Account", "PaymentMethod", "TaxCode", "Invoice", "SalesReceipt",
    "Payment", "RefundReceipt", "CreditMemo", "CompanyInfo", "Preferences")}
TRANSACTIONS = ("Invoice", "SalesReceipt", "Payment", "RefundReceipt", "CreditMemo")
VOIDABLE = TRANSACTIONS


def _sales(entity):
    return lambda ctx, data, current, record_id: build_sales_form(ctx, entity, data, current, record_id)


BUILDERS = {
    "Customer": build_customer, "Vendor": build_vendor, "Employee": build_employee, "Item": build_item, "Account": build_account,
    "PaymentMethod": build_payment_method, "Invoice": _sales("Invoice"), "SalesReceipt": _sales("SalesReceipt"),
    "RefundReceipt": build_refund_receipt, "CreditMemo": build_credit_memo,
}


def read(ctx: WriteContext, entity: str, record_id: str) -> dict:
    record = ctx.company.get(entity, record_id)
    if record is None:
        raise object_not_found()
    return {entity: record}


def write(ctx: WriteContext, entity: str, body, operation: str | None) -> dict:
    """One POST to /company/{realm}/{entity}: returns the response payload (without "time")."""
    if entity not in BUILDERS and entity != "Payment":
        raise unsupported_operation((operation or "create").capitalize())
    check_known(entity, body)
    has_id = not is_empty(body.get("Id")) and str(body.get("Id")) != "0"
    if operation == "delete":
        return _delete(ctx, entity, body)
    if operation == "void" or (operation == "update" and "void" in ctx.include):
        return _void(ctx, entity, body)
    if operation not in (None, "", "create", "update"):
        raise unsupported_operation(operation)
    if operation == "update" and not has_id:
        raise required_missing("Id")
    return _update(ctx, entity, body) if has_id else _create(ctx, entity, body)


def _with_sync_token(record: dict, token: str) -> dict:
    out = {}
    for key, value in record.items():
        if key == "SyncToken":
            continue
        out[key] = value
        if key == "Id":
            out["SyncToken"] = token
    return out


def _build(ctx: WriteContext, entity: str, data: dict, current: dict | None, record_id: str):
    if entity == "Payment":
        return build_payment(ctx, data, current, record_id)
    return BUILDERS[entity](ctx, data, current, record_id), None


def _create(ctx: WriteContext, entity: str, body: dict) -> dict:
    record_id = ctx.company.new_id(entity)
    record, applied = _build(ctx, entity, body, None, record_id)
    record = _with_sync_token(record, "0")
    ctx.company.put(entity, record)
    _after_write(ctx, entity, record, None, applied)
    return {entity: record}


def _update(ctx: WriteContext, entity: str, body: dict) -> dict:
    record_id = str(body["Id"])
    current = ctx.company.get(entity, record_id)
    if current is None:
        raise object_not_found()
    check_sync_token(body, current)
    sparse = body.get("sparse") in (True, "true")
    data = merge_for_update(body, current, sparse, keep_when_omitted=("DocNumber", "TxnDate"))
    record, applied = _build(ctx, entity, data, current, record_id)
    if entity == "Invoice":
        paid = applied_to(ctx.company, record_id)
        if record["TotalAmt"] < paid:
            raise business_validation(
                f"The invoice total ({record['TotalAmt']}) can't be less than the payments applied to it ({paid}).")
        if paid and record["CustomerRef"]["value"] != current["CustomerRef"]["value"]:
            raise business_validation("You can't change the customer of an invoice that has payments applied.")
    record = _with_sync_token(record, next_sync_token(current))
    ctx.company.put(entity, record)
    _after_write(ctx, entity, record, current, applied)
    return {entity: ctx.company.get(entity, record_id)}


def _after_write(ctx: WriteContext, entity: str, record: dict, previous: dict | None, applied) -> None:
    if entity not in TRANSACTIONS:
        return
    if entity == "Invoice":
        refresh_invoice(ctx.company, record["Id"], ctx.stamp)
    if entity == "Payment":
        set_applications(ctx.company, record["Id"], applied or {}, ctx.stamp)
    customers = {(r or {}).get("CustomerRef", {}).get("value") for r in (record, previous)}
    for customer_id in customers:
        refresh_customer(ctx.company, customer_id)


def _current_for_change(ctx: WriteContext, entity: str, body: dict) -> dict:
    record_id = body.get("Id")
    if is_empty(record_id):
        raise required_missing("Id")
    current = ctx.company.get(entity, str(record_id))
    if current is None:
        raise object_not_found()
    check_sync_token(body, current)
    return current


def _delete(ctx: WriteContext, entity: str, body: dict) -> dict:
    if entity not in TRANSACTIONS:
        raise unsupported_operation("Delete")
    current = _current_for_change(ctx, entity, body)
    record_id = current["Id"]
    if entity == "Invoice" and applied_to(ctx.company, record_id) > 0:
        raise business_validation("This invoice has payments applied. Delete or void the payments first.")
    _refuse_applied_credit(ctx, entity, record_id)
    if entity == "Payment":
        set_applications(ctx.company, record_id, {}, ctx.stamp)
    ctx.company.remove(entity, record_id)
    refresh_customer(ctx.company, current.get("CustomerRef", {}).get("value"))
    return {entity: {"domain": "QBO", "status": "Deleted", "Id": record_id}}


def _void(ctx: WriteContext, entity: str, body: dict) -> dict:
    if entity not in VOIDABLE:
        raise unsupported_operation("Void")
    current = _current_for_change(ctx, entity, body)
    record_id = current["Id"]
    if entity == "Invoice" and applied_to(ctx.company, record_id) > Decimal(0):
        raise business_validation("This invoice has payments applied. Delete or void the payments first.")
    _refuse_applied_credit(ctx, entity, record_id)
    if entity == "Payment":
        set_applications(ctx.company, record_id, {}, ctx.stamp)
        voided = void_payment(ctx, current)
    else:
        voided = void_sales_form(ctx, current)
    voided = _with_sync_token(voided, next_sync_token(current))
    ctx.company.put(entity, voided)
    refresh_customer(ctx.company, current.get("CustomerRef", {}).get("value"))
    return {entity: voided}


def _refuse_applied_credit(ctx: WriteContext, entity: str, record_id: str) -> None:
    if entity == "CreditMemo" and any(ctx.company.credit_applications.get(record_id, {}).values()):
        raise business_validation("This credit memo is applied to a payment. Delete or void the payment first.")

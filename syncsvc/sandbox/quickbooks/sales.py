"""Sales forms (Invoice, SalesReceipt): lines, totals, DocNumber, enrichment, void."""

from __future__ import annotations

from decimal import Decimal

from .company import USD
from .faults import QboFault, business_validation, duplicate_doc_number, required_missing
from .names import clean, passthrough, unit_price as unit_price_of
from .rules import (WriteContext, amount, check_length, is_empty, metadata, present, ref_value, resolve_ref)
from .wire import add_days, cents_half_up, local_date, money, parse_date

DOC_NUMBER_MAX = 21
PAYMENT_REF_MAX = 21
SHIPPING_ITEM_ID = "SHIPPING_ITEM_ID"
TAX_CODES = {"TAX", "NON"}
# Sales forms whose DocNumbers must not collide with each other.
SALES_FORMS = ("Invoice", "SalesReceipt", "RefundReceipt", "CreditMemo")


def _tax_code_ref(ref) -> dict:
    code = ref_value(ref) or "NON"
    if code not in TAX_CODES:
        raise QboFault(2500, "Invalid Reference Id", f"Invalid Reference Id : TaxCode element id {code} not found")
    return {"value": code}


def _item_ref(ctx: WriteContext, ref) -> dict:
    if ref_value(ref) == SHIPPING_ITEM_ID:
        return {"value": SHIPPING_ITEM_ID}
    return resolve_ref(ctx, "Item", ref, "Line.SalesItemLineDetail.ItemRef", required=True)


def build_lines(ctx: WriteContext, entity: str, record_id: str, lines_in, current: dict | None):
    """QBO's lines for a sales form and its total, with Ids, LineNum and one trailing subtotal line."""
    if not isinstance(lines_in, list) or not lines_in:
        raise required_missing("Line")
    existing_ids = {line.get("Id") for line in (current or {}).get("Line", []) if line.get("Id")}
    out, subtotal, discount, line_num = [], Decimal(0), Decimal(0), 0
    for raw in lines_in:
        detail_type = present(raw, "DetailType")
        if detail_type is None:
            raise required_missing("Line.DetailType")
        if detail_type == "SubTotalLineDetail":
            continue  # recomputed below, as QBO does
        if detail_type == "DiscountLineDetail":
            line, value = _discount_line(ctx, raw, subtotal)
            discount += value
            out.append(line)
            continue
        line_num += 1
        line_id = str(raw["Id"]) if str(raw.get("Id") or "") in existing_ids else ctx.company.new_line_id(
            entity, record_id)
        line = {"Id": line_id, "LineNum": line_num}
        if present(raw, "Description") is not None:
            check_length("Line.Description", raw["Description"], 4000)
            line["Description"] = raw["Description"]
        if detail_type == "SalesItemLineDetail":
            value, detail = _sales_item_detail(ctx, raw)
            line.update({"Amount": value, "DetailType": detail_type, "SalesItemLineDetail": detail})
            subtotal += value
        else:  # DescriptionOnly
            detail = clean(raw.get("DescriptionLineDetail") or {})
            line.update({"DetailType": "DescriptionOnly", "DescriptionLineDetail": detail})
            value = amount(raw, "Amount", "Line.Amount")
            if value:
                line["Amount"] = money(value)
        out.append(line)
    if line_num == 0:
        raise required_missing("Line")
    out.append({"Amount": money(subtotal), "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}})
    return out, money(subtotal - discount)


def _sales_item_detail(ctx: WriteContext, raw: dict):
    value = amount(raw, "Amount", "Line.Amount", required=True)
    given = raw.get("SalesItemLineDetail") or {}
    detail = {"ItemRef": _item_ref(ctx, given.get("ItemRef"))}
    if not is_empty(given.get("ServiceDate")):
        detail["ServiceDate"] = given["ServiceDate"]
    unit_price = unit_price_of(given, "UnitPrice", "Line.SalesItemLineDetail.UnitPrice")
    qty = amount(given, "Qty", "Line.SalesItemLineDetail.Qty")
    # python-quickbooks sends Qty 0 / UnitPrice 0 when unset, so only a full pair is checked. QBO keeps a unit
    # price's fraction of a cent (up to 7 places) but wants Amount = Qty x UnitPrice rounded half up to the cent,
    # exactly as supplied (an Amount with a fraction of a cent never matches).
    if unit_price and qty and cents_half_up(unit_price * qty) != value:
        raise QboFault(6070, "Amount calculation incorrect in the request",
                       f"Amount is not equal to UnitPrice * Qty. Supplied value:{value}")
    if unit_price:
        detail["UnitPrice"] = unit_price
    if qty:
        detail["Qty"] = qty
    for key in ("ClassRef", "ItemAccountRef", "PriceLevelRef", "MarkupInfo", "DiscountAmt", "DiscountRate"):
        if not is_empty(clean(given.get(key))):
            detail[key] = clean(given[key])
    detail["TaxCodeRef"] = _tax_code_ref(given.get("TaxCodeRef"))
    return money(value), detail


def _discount_line(ctx: WriteContext, raw: dict, subtotal: Decimal):
    given = raw.get("DiscountLineDetail") or {}
    detail = {}
    if given.get("PercentBased"):
        percent = amount(given, "DiscountPercent", "Line.DiscountLineDetail.DiscountPercent", required=True)
        value = money(subtotal * percent / 100)
        detail.update({"PercentBased": True, "DiscountPercent": percent})
    else:
        value = money(amount(raw, "Amount", "Line.Amount", required=True))
        detail["PercentBased"] = False
    if value < 0:
        raise business_validation("The discount amount can't be negative.")
    account = resolve_ref(ctx, "Account", given.get("DiscountAccountRef"), "DiscountAccountRef")
    if account is None:
        found = ctx.company.find_by_name("Account", "Discounts given")
        account = {"value": found["Id"], "name": found["Name"]}
    detail["DiscountAccountRef"] = account
    return {"Amount": value, "DetailType": "DiscountLineDetail", "DiscountLineDetail": detail}, value


def _doc_number(ctx: WriteContext, entity: str, data: dict, current: dict | None) -> str:
    doc_number = present(data, "DocNumber")
    if doc_number is None:
        return current["DocNumber"] if current and current.get("DocNumber") else ctx.company.next_doc_number(entity)
    doc_number = str(doc_number)
    check_length("DocNumber", doc_number, DOC_NUMBER_MAX)
    if "allowduplicatedocnum" not in ctx.include:
        for other_entity in SALES_FORMS:
            for other in ctx.company.having(other_entity, "DocNumber", doc_number):
                if other.get("DocNumber") == doc_number and (current is None or other is not current):
                    raise duplicate_doc_number(doc_number, other_entity, other["Id"])
    return doc_number


def _total_tax(data: dict) -> Decimal:
    detail = data.get("TxnTaxDetail") or {}
    return money(amount(detail, "TotalTax", "TxnTaxDetail.TotalTax", default=Decimal(0)))


def _customer_addresses(ctx: WriteContext, data: dict, customer_ref: dict | None) -> dict:
    customer = ctx.company.get("Customer", customer_ref["value"]) if customer_ref else None
    out = {}
    for key in ("BillAddr", "ShipAddr"):
        given = clean(data.get(key))
        if not is_empty(given):
            out[key] = given
        elif customer and customer.get(key):
            out[key] = dict(customer[key])
    return out


def build_sales_form(ctx: WriteContext, entity: str, data: dict, current: dict | None, record_id: str) -> dict:
    is_invoice = entity == "Invoice"
    customer_ref = resolve_ref(ctx, "Customer", data.get("CustomerRef"), "CustomerRef", required=is_invoice,
                               name_field="DisplayName")
    lines, net = build_lines(ctx, entity, record_id, data.get("Line"), current)
    total = money(net + _total_tax(data))
    if total < 0:
        raise business_validation("Transaction total can't be negative.")
    doc_number = _doc_number(ctx, entity, data, current)
    txn_date = present(data, "TxnDate") or (current or {}).get("TxnDate") or local_date(ctx.now).isoformat()
    parse_date(txn_date)
    handled = {"Line", "CustomerRef", "DocNumber", "TxnDate", "DueDate", "BillAddr", "ShipAddr", "TxnTaxDetail",
               "PrintStatus", "EmailStatus", "ApplyTaxAfterDiscount", "CurrencyRef", "ExchangeRate",
               "GlobalTaxCalculation", "PaymentRefNum", "PaymentMethodRef", "DepositToAccountRef", "CustomField",
               "AllowIPNPayment", "AllowOnlinePayment", "AllowOnlineCreditCardPayment", "AllowOnlineACHPayment",
               "FreeFormAddress", "AutoDocNumber", "Deposit"}
    record = {}
    if is_invoice:
        for flag in ("AllowIPNPayment", "AllowOnlinePayment", "AllowOnlineCreditCardPayment", "AllowOnlineACHPayment"):
            record[flag] = bool(data.get(flag) or False)
    record.update({
        "domain": "QBO", "sparse": False, "Id": record_id, "MetaData": metadata(ctx, current),
        "CustomField": [], "DocNumber": doc_number, "TxnDate": txn_date, "CurrencyRef": dict(USD),
    })
    record.update(passthrough(entity, data, handled))
    if is_invoice:
        record["LinkedTxn"] = list((current or {}).get("LinkedTxn", []))
    record["Line"] = lines
    record["TxnTaxDetail"] = {"TotalTax": _total_tax(data)}
    if customer_ref:
        record["CustomerRef"] = customer_ref
    record.update(_customer_addresses(ctx, data, customer_ref))
    if is_invoice:
        due = present(data, "DueDate") or add_days(parse_date(txn_date), 30).isoformat()
        parse_date(due)
        record["DueDate"] = due
    record["TotalAmt"] = total
    record["ApplyTaxAfterDiscount"] = bool(data.get("ApplyTaxAfterDiscount") or False)
    record["PrintStatus"] = present(data, "PrintStatus") or "NeedToPrint"
    record["EmailStatus"] = present(data, "EmailStatus") or "NotSet"
    if is_invoice:
        record["Balance"] = total  # payments are taken off by ledger.refresh_invoice
        deposit = amount(data, "Deposit", "Deposit", default=Decimal(0))
        if deposit:
            record["Deposit"] = money(deposit)
    else:
        record["Balance"] = Decimal("0.00")
        payment_ref = present(data, "PaymentRefNum")
        check_length("PaymentRefNum", payment_ref, PAYMENT_REF_MAX)
        if payment_ref is not None:
            record["PaymentRefNum"] = payment_ref
        method = resolve_ref(ctx, "PaymentMethod", data.get("PaymentMethodRef"), "PaymentMethodRef")
        if method:
            record["PaymentMethodRef"] = method
        record["DepositToAccountRef"] = deposit_account(ctx, data.get("DepositToAccountRef"))
    return record


def deposit_account(ctx: WriteContext, ref) -> dict:
    """The account money lands in: the one given, else Undeposited Funds (QBO's default)."""
    account = resolve_ref(ctx, "Account", ref, "DepositToAccountRef")
    if account is None:
        found = ctx.company.find_by_name("Account", "Undeposited Funds")
        account = {"value": found["Id"], "name": found["Name"]}
    return account


def void_sales_form(ctx: WriteContext, record: dict) -> dict:
    """QBO's void: amounts become 0, the note says "Voided", the document stays."""
    voided = dict(record)
    voided["Line"] = [{**line, "Amount": Decimal(0)} if "Amount" in line else dict(line) for line in record["Line"]]
    voided["TotalAmt"] = Decimal(0)
    voided["Balance"] = Decimal(0)
    if "RemainingCredit" in record:
        voided["RemainingCredit"] = Decimal(0)
    voided["TxnTaxDetail"] = {"TotalTax": Decimal(0)}
    voided["PrivateNote"] = "Voided"
    voided["MetaData"] = metadata(ctx, record)
    return voided

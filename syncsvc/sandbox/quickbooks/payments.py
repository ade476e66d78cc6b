"""Payments and the ledger they move: invoice Balance, invoice LinkedTxn, customer Balance."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from .company import USD, Company
from .faults import business_validation, invalid_enumeration, invalid_reference, required_missing
from .names import passthrough
from .rules import WriteContext, amount, check_length, metadata, present, resolve_ref
from .sales import PAYMENT_REF_MAX, deposit_account
from .wire import local_date, money, parse_date


def build_payment(ctx: WriteContext, data: dict, current: dict | None, record_id: str):
    """The Payment record and what it applies to each invoice ({invoice id: amount})."""
    customer_ref = resolve_ref(ctx, "Customer", data.get("CustomerRef"), "CustomerRef", required=True,
                               name_field="DisplayName")
    total = money(amount(data, "TotalAmt", "TotalAmt", required=True))
    if total < 0:
        raise business_validation("The payment amount can't be negative.")
    applied: dict[str, Decimal] = defaultdict(Decimal)
    credits: dict[str, Decimal] = defaultdict(Decimal)
    lines = []
    for raw in data.get("Line") or []:
        value = money(amount(raw, "Amount", "Line.Amount", required=True))
        if value < 0:
            raise business_validation("The amount applied to a transaction can't be negative.")
        links = raw.get("LinkedTxn") or []
        if not links:
            raise required_missing("Line.LinkedTxn")
        link = links[0]
        txn_id, txn_type = str(link.get("TxnId") or ""), link.get("TxnType")
        if txn_type == "CreditMemo":
            credits[txn_id] += value
            lines.append(_credit_line(ctx, customer_ref, txn_id, value, credits[txn_id], record_id))
            continue
        if txn_type != "Invoice":
            raise invalid_enumeration(f"LinkedTxn.TxnType {txn_type!r} (the sandbox applies payments to invoices)")
        invoice, already = _linked(ctx, "Invoice", txn_id, customer_ref, ctx.company.applications, record_id)
        open_balance = invoice["TotalAmt"] - already
        applied[txn_id] += value
        if applied[txn_id] > open_balance:
            raise business_validation(
                f"The payment amount applied to invoice {invoice.get('DocNumber', txn_id)} ({applied[txn_id]}) "
                f"is more than its open balance ({open_balance}).")
        lines.append({"Amount": value, "LinkedTxn": [{"TxnId": txn_id, "TxnType": "Invoice"}],
                      "LineEx": _line_ex(txn_id, open_balance, invoice.get("DocNumber"))})
    # Credit applied pays invoices as money does: what the payment itself brings is the rest.
    applied_total = sum(applied.values(), Decimal(0)) - sum(credits.values(), Decimal(0))
    if applied_total < 0:
        raise business_validation("The credit applied is more than the invoices it pays.")
    if applied_total > total:
        raise business_validation(
            f"The amount applied ({applied_total}) is greater than the payment amount ({total}).")
    payment_ref = present(data, "PaymentRefNum")
    check_length("PaymentRefNum", payment_ref, PAYMENT_REF_MAX)
    txn_date = present(data, "TxnDate") or (current or {}).get("TxnDate") or local_date(ctx.now).isoformat()
    parse_date(txn_date)
    handled = {"CustomerRef", "TotalAmt", "Line", "PaymentRefNum", "TxnDate", "DepositToAccountRef",
               "PaymentMethodRef", "CurrencyRef", "ExchangeRate", "ProcessPayment", "ARAccountRef"}
    record = {
        "CustomerRef": customer_ref,
        "DepositToAccountRef": deposit_account(ctx, data.get("DepositToAccountRef")),
        "TotalAmt": total,
        "UnappliedAmt": money(total - applied_total),
        "ProcessPayment": False,
        "domain": "QBO", "sparse": False, "Id": record_id, "MetaData": metadata(ctx, current),
        "TxnDate": txn_date, "CurrencyRef": dict(USD),
        **passthrough("Payment", data, handled),
        "Line": lines,
    }
    method = resolve_ref(ctx, "PaymentMethod", data.get("PaymentMethodRef"), "PaymentMethodRef")
    if method:
        record["PaymentMethodRef"] = method
    if payment_ref is not None:
        record["PaymentRefNum"] = payment_ref
    return record, {**applied, **{f"{CREDIT}{cm_id}": v for cm_id, v in credits.items()}}


CREDIT = "CreditMemo:"  # key prefix, in what build_payment applies, of the credit memos it uses


def _linked(ctx: WriteContext, entity: str, txn_id: str, customer_ref: dict, applications,
            record_id: str) -> tuple[dict, Decimal]:
    """The invoice or credit memo a payment line links, which must be this customer's, and what other
    payments have applied of it already (`applications`: txn id -> payment id -> amount)."""
    record = ctx.company.get(entity, txn_id)
    if record is None:
        raise invalid_reference(entity, txn_id)
    if record.get("CustomerRef", {}).get("value") != customer_ref["value"]:
        what = "Credit memo" if entity == "CreditMemo" else entity
        raise business_validation(f"{what} {txn_id} belongs to a different customer than this payment.")
    return record, sum((v for pid, v in applications[txn_id].items() if pid != record_id), Decimal(0))


def _credit_line(ctx: WriteContext, customer_ref: dict, txn_id: str, value: Decimal, used_here: Decimal,
                 record_id: str) -> dict:
    memo, already = _linked(ctx, "CreditMemo", txn_id, customer_ref, ctx.company.credit_applications, record_id)
    remaining = memo["TotalAmt"] - already
    if used_here > remaining:
        raise business_validation(
            f"The credit applied from credit memo {memo.get('DocNumber', txn_id)} ({used_here}) is more than its "
            f"remaining credit ({remaining}).")
    return {"Amount": value, "LinkedTxn": [{"TxnId": txn_id, "TxnType": "CreditMemo"}],
            "LineEx": _line_ex(txn_id, remaining, memo.get("DocNumber"))}


def _line_ex(txn_id: str, open_balance: Decimal, doc_number: str | None) -> dict:
    def name_value(name: str, value: str) -> dict:
        return {"name": "{http://schema.intuit.com/finance/v3}NameValue",
                "declaredType": "com.intuit.schema.finance.v3.NameValue",
                "scope": "javax.xml.bind.JAXBElement$GlobalScope",
                "value": {"Name": name, "Value": value},
                "nil": False, "globalScope": True, "typeSubstituted": False}
    return {"any": [name_value("txnId", txn_id), name_value("txnOpenBalance", str(money(open_balance))),
                    name_value("txnReferenceNumber", doc_number or "")]}


def void_payment(ctx: WriteContext, record: dict) -> dict:
    voided = dict(record)
    voided["Line"] = [{**line, "Amount": Decimal(0)} for line in record.get("Line", [])]
    voided["TotalAmt"] = Decimal(0)
    voided["UnappliedAmt"] = Decimal(0)
    voided["PrivateNote"] = "Voided"
    voided["MetaData"] = metadata(ctx, record)
    return voided


# ledger -------------------------------------------------------------------

def set_applications(company: Company, payment_id: str, applied: dict[str, Decimal], stamp: str) -> set[str]:
    """Record what a payment applies now; return the invoices whose balance changed."""
    credits = {key[len(CREDIT):]: v for key, v in applied.items() if key.startswith(CREDIT)}
    applied = {key: v for key, v in applied.items() if not key.startswith(CREDIT)}
    _set_credits(company, payment_id, credits, stamp)
    touched = set()
    for invoice_id in company.applied_by.pop(payment_id, set()) - set(applied):
        del company.applications[invoice_id][payment_id]
        touched.add(invoice_id)
    for invoice_id, value in applied.items():
        if company.applications[invoice_id].get(payment_id) != value:
            touched.add(invoice_id)
        company.applications[invoice_id][payment_id] = value
    if applied:
        company.applied_by[payment_id] = set(applied)
    for invoice_id in touched:
        refresh_invoice(company, invoice_id, stamp)
    return touched


def _set_credits(company: Company, payment_id: str, credits: dict[str, Decimal], stamp: str) -> None:
    touched = set(company.credit_applied_by.pop(payment_id, set())) | set(credits)
    for memo_id in touched:
        company.credit_applications[memo_id].pop(payment_id, None)
    for memo_id, value in credits.items():
        company.credit_applications[memo_id][payment_id] = value
    if credits:
        company.credit_applied_by[payment_id] = set(credits)
    for memo_id in touched:
        memo = company.get("CreditMemo", memo_id)
        if memo is not None:
            used = sum(company.credit_applications[memo_id].values(), Decimal(0))
            memo["RemainingCredit"] = money(memo["TotalAmt"] - used)
            memo["Balance"] = memo["RemainingCredit"]
            memo["MetaData"] = {**memo["MetaData"], "LastUpdatedTime": stamp}


def applied_to(company: Company, invoice_id: str) -> Decimal:
    return sum(company.applications.get(invoice_id, {}).values(), Decimal(0))


def refresh_invoice(company: Company, invoice_id: str, stamp: str) -> None:
    invoice = company.get("Invoice", invoice_id)
    if invoice is None:
        return
    applied = company.applications.get(invoice_id, {})
    invoice["Balance"] = money(invoice["TotalAmt"] - sum(applied.values(), Decimal(0)))
    invoice["LinkedTxn"] = [{"TxnId": pid, "TxnType": "Payment"} for pid in sorted(applied, key=int)]
    invoice["MetaData"] = {**invoice["MetaData"], "LastUpdatedTime": stamp}


def refresh_customer(company: Company, customer_id: str | None) -> None:
    """Customer Balance: open invoice balances less unapplied payments (what the customer owes)."""
    customer = company.get("Customer", customer_id) if customer_id else None
    if customer is None:
        return
    owed = Decimal(0)
    for invoice in company.having("Invoice", "CustomerRef", customer_id):
        owed += invoice["Balance"]
    for payment in company.having("Payment", "CustomerRef", customer_id):
        owed -= payment["UnappliedAmt"]
    for memo in company.having("CreditMemo", "CustomerRef", customer_id):
        owed -= memo.get("RemainingCredit", Decimal(0))
    customer["Balance"] = money(owed)
    customer["BalanceWithJobs"] = money(owed)

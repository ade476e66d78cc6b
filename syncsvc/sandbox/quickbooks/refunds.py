"""RefundReceipt and CreditMemo, with QBO's rules.

- RefundReceipt: a refund to the customer for something sold. `Line` and `DepositToAccountRef`
  are required; the account is the one "from which payment money is refunded", of type Bank or
  Other Current Asset (another type is a 6000). `PaymentRefNum` up to 100 characters,
  `PaymentMethodRef` optional. It has no field linking it to an invoice or payment, and moves no
  invoice balance. Balance 0.
- CreditMemo: `CustomerRef` and `Line` required. It lowers what the customer owes: `Balance` and
  `RemainingCredit` start at the total, and fall as payments apply it (a Payment line whose
  LinkedTxn is the CreditMemo; see payments.py). It applies to no invoice by itself.
- Both share the DocNumber rule of invoices and sales receipts (6140 on a number another sales form
  has, unless the request says include=allowduplicatedocnum), their totals cannot be negative, and
  they void and delete like other transactions (a credit memo applied by a payment cannot be deleted
  or voided until that payment is).

Choices where the public record is silent: a RefundReceipt's PaymentRefNum is checked at 100
characters as the reference says; an unapplied credit memo stays the customer's credit forever.
"""

from __future__ import annotations

from decimal import Decimal

from .faults import business_validation, required_missing
from .rules import WriteContext, check_length, present, resolve_ref
from .sales import build_sales_form

REFUND_REF_MAX = 100
REFUND_ACCOUNT_TYPES = ("Bank", "Other Current Asset")


def build_refund_receipt(ctx: WriteContext, data: dict, current: dict | None, record_id: str) -> dict:
    if present(data, "DepositToAccountRef") is None:
        raise required_missing("DepositToAccountRef")
    account = resolve_ref(ctx, "Account", data.get("DepositToAccountRef"), "DepositToAccountRef", required=True)
    account_type = ctx.company.get("Account", account["value"]).get("AccountType")
    if account_type not in REFUND_ACCOUNT_TYPES:
        raise business_validation(
            f"A refund must come out of a Bank or Other Current Asset account, not {account_type} "
            f"account {account['name']}.")
    payment_ref = present(data, "PaymentRefNum")
    check_length("PaymentRefNum", payment_ref, REFUND_REF_MAX)
    record = build_sales_form(ctx, "RefundReceipt", {**data, "PaymentRefNum": None}, current, record_id)
    if payment_ref is not None:
        record["PaymentRefNum"] = payment_ref
    record["DepositToAccountRef"] = account
    record["Balance"] = Decimal("0.00")
    return record


def build_credit_memo(ctx: WriteContext, data: dict, current: dict | None, record_id: str) -> dict:
    resolve_ref(ctx, "Customer", data.get("CustomerRef"), "CustomerRef", required=True, name_field="DisplayName")
    record = build_sales_form(ctx, "CreditMemo", data, current, record_id)
    for key in ("PaymentRefNum", "PaymentMethodRef", "DepositToAccountRef"):
        record.pop(key, None)
    used = sum(ctx.company.credit_applications.get(record_id, {}).values(), Decimal(0))
    if record["TotalAmt"] < used:
        raise business_validation(
            f"The credit memo total ({record['TotalAmt']}) can't be less than the credit applied from it ({used}).")
    record["RemainingCredit"] = record["TotalAmt"] - used
    record["Balance"] = record["RemainingCredit"]
    return record

"""Order, invoice and payment operations on the account store.

The InvoiceService handlers, the fixture loader and the account generator all go
through these functions, so invoice totals, pay status and LastUpdated stay
consistent however the data got there. Money is Decimal throughout.

Modelling choices where the real API is undocumented (notes mark them UNCONFIRMED):
- Invoice.TotalPaid is the sum of the invoice's non-refund allocations; a refund is a
  Payment with PayType "Refund", a negative PayAmt and RefundId = the refunded
  Payment.Id. Refunds set RefundStatus (1 partial, 2 complete) but do not reopen TotalDue.
- PayStatus is 1 once TotalDue <= 0. InvoicePayment.PayStatus uses REST v2's words
  (APPROVED, MANUAL_PAID, REFUNDED). PayPlanItem.Status: 1 due, 2 paid, 3 partly paid.
- Every change of an invoice's totals or statuses bumps LastUpdated on the Invoice
  and its Job (the store's clock).
- A declined charge writes nothing to the XML-RPC tables; the attempt is kept in the
  private DeclinedCharge table, which REST v2 shows as a FAILED transaction.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .store import DECLINE_CARD, AccountStore, to_money

CENT = Decimal("0.01")
ZERO = Decimal("0")


class BillingError(Exception):
    """A request the account cannot satisfy; `kind` is the fault name it maps to."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _invoice(store: AccountStore, invoice_id: int) -> dict:
    row = store.get("Invoice", invoice_id)
    if row is None:
        raise BillingError("RecordNotFound", f"Invoice not found for Id:{invoice_id}")
    return row


def invoice_for_job(store: AccountStore, job_id: int) -> dict | None:
    found = store.find("Invoice", "JobId", job_id)
    return found[0] if found else None


# --- orders -------------------------------------------------------------------


def create_order(
    store: AccountStore,
    contact_id: int,
    title: str,
    order_date: datetime | None = None,
    lead_affiliate_id: int = 0,
    sale_affiliate_id: int = 0,
    order_type: str = "Offline",
    recurring_id: int = 0,
) -> int:
    """A Job and its Invoice (InvoiceService.createBlankOrder); returns the invoice id."""
    with store.lock:
        if store.get("Contact", contact_id) is None:
            raise BillingError("RecordNotFound", f"Contact not found for Id:{contact_id}")
        created = store.to_local(order_date) if order_date else store.now()
        job_id = store.insert("Job", {
            "JobTitle": title, "ContactId": contact_id, "StartDate": created, "DueDate": created,
            "JobNotes": "", "ProductId": 0, "JobRecurringId": recurring_id, "JobStatus": "",
            "DateCreated": created, "OrderType": order_type, "OrderStatus": 0,
        })
        return store.insert("Invoice", {
            "ContactId": contact_id, "JobId": job_id, "DateCreated": created,
            "InvoiceTotal": ZERO, "TotalPaid": ZERO, "TotalDue": ZERO, "PayStatus": 1,
            "CreditStatus": 0, "RefundStatus": 0, "PayPlanStatus": 0, "AffiliateId": sale_affiliate_id,
            "LeadAffiliateId": lead_affiliate_id, "PromoCode": "", "InvoiceType": order_type,
            "Description": title, "ProductSold": "", "Synced": 0,
        })


def add_item(
    store: AccountStore,
    invoice_id: int,
    product_id: int,
    item_type: int,
    price: Any,
    quantity: int,
    name: str,
    notes: str = "",
) -> int:
    """An OrderItem and its InvoiceItem (InvoiceService.addOrderItem); returns the OrderItem id."""
    price = to_money(price)
    with store.lock:
        invoice = _invoice(store, invoice_id)
        if product_id and store.get("Product", product_id) is None:
            raise BillingError("RecordNotFound", f"Product not found for Id:{product_id}")
        if not 0 <= item_type <= 14:
            raise BillingError("InvalidParameter", f"Invalid order item type: {item_type}")
        now = store.now()
        order_item_id = store.insert("OrderItem", {
            "OrderId": invoice["JobId"], "ProductId": product_id, "SubscriptionPlanId": 0, "ItemName": name,
            "Qty": quantity, "CPU": ZERO, "PPU": price, "ItemDescription": notes, "ItemType": item_type,
            "Notes": notes,
        })
        store.insert("InvoiceItem", {
            "InvoiceId": invoice_id, "OrderItemId": order_item_id, "InvoiceAmt": cents(price * quantity),
            "Discount": ZERO, "DateCreated": now, "Description": name, "CommissionStatus": 0,
        })
        if product_id:
            sold = [p for p in invoice.get("ProductSold", "").split(",") if p]
            if str(product_id) not in sold:
                store.update("Invoice", invoice_id, ProductSold=",".join([*sold, str(product_id)]))
        refresh_invoice(store, invoice_id)
        return order_item_id


def delete_invoice(store: AccountStore, invoice_id: int) -> None:
    """The invoice, its Job and everything hanging off them (InvoiceService.deleteInvoice)."""
    with store.lock:
        invoice = _invoice(store, invoice_id)
        for item in store.find("InvoiceItem", "InvoiceId", invoice_id):
            store.delete("InvoiceItem", item["Id"])
        for item in store.find("OrderItem", "OrderId", invoice["JobId"]):
            store.delete("OrderItem", item["Id"])
        for allocation in store.find("InvoicePayment", "InvoiceId", invoice_id):
            store.delete("InvoicePayment", allocation["Id"])
        for payment in store.find("Payment", "InvoiceId", invoice_id):
            for charge in store.find("CCharge", "PaymentId", payment["Id"]):
                store.delete("CCharge", charge["Id"])
            store.delete("Payment", payment["Id"])
        _delete_pay_plans(store, invoice_id)
        # Job ids are reused after a delete: a kept decline would point at someone else's order.
        for attempt in store.find("DeclinedCharge", "InvoiceId", invoice_id):
            store.delete("DeclinedCharge", attempt["Id"])
        store.delete("Invoice", invoice_id)
        store.delete("Job", invoice["JobId"])


def refresh_invoice(store: AccountStore, invoice_id: int) -> None:
    """Recompute totals and statuses from items and allocations; bump LastUpdated if anything moved."""
    invoice = store.get("Invoice", invoice_id)
    total = sum((i["InvoiceAmt"] for i in store.find("InvoiceItem", "InvoiceId", invoice_id)), ZERO)
    paid = refunded = ZERO
    credit = 0
    for allocation in store.find("InvoicePayment", "InvoiceId", invoice_id):
        if allocation["PayStatus"] == "REFUNDED":
            refunded -= allocation["Amt"]
        else:
            paid += allocation["Amt"]
            payment = store.get("Payment", allocation["PaymentId"])
            if payment and payment["PayType"] == "Credit":
                credit = 1
    due = total - paid
    refund_status = 0 if refunded <= 0 else (2 if refunded >= paid else 1)
    new = {
        "InvoiceTotal": total, "TotalPaid": paid, "TotalDue": due,
        "PayStatus": 1 if due <= 0 else 0, "RefundStatus": refund_status, "CreditStatus": credit,
    }
    if any(invoice.get(k) != v for k, v in new.items()):
        store.update("Invoice", invoice_id, **new)
        store.touch("Invoice", invoice_id)
        store.touch("Job", invoice["JobId"])
    _apply_to_pay_plan(store, invoice_id, paid)


# --- payments -----------------------------------------------------------------


@dataclass(frozen=True)
class ChargeResult:
    successful: bool
    code: str  # APPROVED, DECLINED, ERROR, SKIPPED
    ref_num: str
    message: str
    payment_id: int = 0


def _luhn_ok(number: str) -> bool:
    if not number.isdigit() or len(number) < 12:
        return False
    total = 0
    for position, digit in enumerate(int(d) for d in reversed(number)):
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _card_expired(store: AccountStore, card: dict) -> bool:
    try:
        year, month = int(card.get("ExpirationYear") or 0), int(card.get("ExpirationMonth") or 0)
    except ValueError:
        return True
    now = store.now()
    return (year, month) < (now.year, now.month)


def _record_payment(
    store: AccountStore, invoice: dict, amount: Decimal, pay_type: str, pay_date: datetime,
    note: str, status: str, skip_commission: bool, charge_id: int = 0, refund_of: int = 0,
) -> int:
    payment_id = store.insert("Payment", {
        "PayDate": pay_date, "UserId": 1, "PayAmt": amount, "PayType": pay_type,
        "ContactId": invoice["ContactId"], "PayNote": note, "InvoiceId": invoice["Id"],
        "RefundId": refund_of, "ChargeId": charge_id, "Commission": 0, "Synced": 0,
    })
    store.insert("InvoicePayment", {
        "InvoiceId": invoice["Id"], "Amt": amount, "PayDate": pay_date, "PayStatus": status,
        "PaymentId": payment_id, "SkipCommission": int(skip_commission),
    })
    return payment_id


def _declined(
    store: AccountStore, invoice: dict, card_id: int, merchant_id: int, amount: Decimal, message: str,
) -> ChargeResult:
    """A decline leaves the XML-RPC tables untouched; the attempt goes to the private DeclinedCharge table."""
    store.insert("DeclinedCharge", {
        "InvoiceId": invoice["Id"], "ContactId": invoice["ContactId"], "CCId": card_id, "MerchantId": merchant_id,
        "Amt": amount, "AttemptDate": store.now(), "Message": message,
    })
    return ChargeResult(False, "DECLINED", "0", message)


def charge_card(
    store: AccountStore, invoice_id: int, card_id: int, amount: Any, notes: str = "",
    merchant_id: int = 1, bypass_commissions: bool = False,
) -> ChargeResult:
    """Run `amount` through the sandbox gateway; an approval records Payment, InvoicePayment and CCharge."""
    amount = cents(to_money(amount))
    with store.lock:
        invoice = _invoice(store, invoice_id)
        card = store.get("CreditCard", card_id)
        if card is None or card["ContactId"] != invoice["ContactId"]:
            return ChargeResult(False, "ERROR", "0", "Credit card not found for this contact")
        number = card.get("CardNumber", "")
        if not _luhn_ok(number):
            return ChargeResult(False, "ERROR", "0", "The credit card number is invalid.")
        if number == DECLINE_CARD:
            return _declined(store, invoice, card_id, merchant_id, amount, "This transaction has been declined.")
        if _card_expired(store, card):
            return _declined(store, invoice, card_id, merchant_id, amount, "The credit card has expired.")
        ref_num = store.new_ref_num()
        charge_id = store.insert("CCharge", {
            "CCId": card_id, "PaymentId": 0, "PaymentGatewayId": merchant_id, "MerchantId": merchant_id,
            "OrderNum": str(invoice["JobId"]), "RefNum": ref_num, "ApprCode": store.new_approval_code(),
            "Amt": amount,
        })
        payment_id = _record_payment(
            store, invoice, amount, "Credit Card", store.now(), notes, "APPROVED", bypass_commissions, charge_id,
        )
        store.update("CCharge", charge_id, PaymentId=payment_id)
        refresh_invoice(store, invoice_id)
        return ChargeResult(True, "APPROVED", ref_num, "", payment_id)


def charge_invoice(
    store: AccountStore, invoice_id: int, notes: str, card_id: int, merchant_id: int, bypass_commissions: bool,
) -> ChargeResult:
    """InvoiceService.chargeInvoice: charge whatever is due; nothing due is SKIPPED."""
    with store.lock:
        due = _invoice(store, invoice_id)["TotalDue"]
        if due <= 0:
            return ChargeResult(False, "SKIPPED", "0", "There is no balance due on this invoice")
        return charge_card(store, invoice_id, card_id, due, notes, merchant_id, bypass_commissions)


def add_manual_payment(
    store: AccountStore, invoice_id: int, amount: Any, pay_date: datetime, pay_type: str,
    description: str = "", bypass_commissions: bool = False,
) -> int:
    """A payment taken outside Infusionsoft: ChargeId 0, PayDate at 00:00:00 of its day."""
    amount = cents(to_money(amount))
    midnight = store.to_local(pay_date).replace(hour=0, minute=0, second=0)
    with store.lock:
        invoice = _invoice(store, invoice_id)
        payment_id = _record_payment(
            store, invoice, amount, pay_type, midnight, description, "MANUAL_PAID", bypass_commissions,
        )
        refresh_invoice(store, invoice_id)
        return payment_id


def refund_payment(store: AccountStore, payment_id: int, amount: Any | None = None, note: str = "") -> int:
    """A "Refund" Payment (negative PayAmt, RefundId -> the refunded payment). The API itself cannot refund."""
    with store.lock:
        original = store.get("Payment", payment_id)
        if original is None:
            raise BillingError("RecordNotFound", f"Payment not found for Id:{payment_id}")
        amount = cents(to_money(amount if amount is not None else original["PayAmt"]))
        invoice = _invoice(store, original["InvoiceId"])
        refund_id = _record_payment(
            store, invoice, -amount, "Refund", store.now(), note, "REFUNDED", False, refund_of=payment_id,
        )
        refresh_invoice(store, invoice["Id"])
        return refund_id


def amount_owed(store: AccountStore, invoice_id: int) -> Decimal:
    with store.lock:
        return _invoice(store, invoice_id)["TotalDue"]


# --- payment plans ------------------------------------------------------------


def _delete_pay_plans(store: AccountStore, invoice_id: int) -> None:
    for plan in store.find("PayPlan", "InvoiceId", invoice_id):
        for item in store.find("PayPlanItem", "PayPlanId", plan["Id"]):
            store.delete("PayPlanItem", item["Id"])
        store.delete("PayPlan", plan["Id"])


def add_payment_plan(
    store: AccountStore, invoice_id: int, auto_charge: bool, card_id: int, merchant_id: int,
    days_between_retry: int, max_retry: int, initial_amount: Any, initial_date: datetime,
    start_date: datetime, payments: int, days_between: int,
) -> int:
    """InvoiceService.addPaymentPlan: an initial payment, then `payments` even parts of the rest."""
    initial_amount = cents(to_money(initial_amount))
    if payments < 1 or days_between < 1:
        raise BillingError("InvalidParameter", "numPmts and daysBetweenPmts must be at least 1")
    with store.lock:
        invoice = _invoice(store, invoice_id)
        due = invoice["TotalDue"]
        if initial_amount > due:
            raise BillingError("InvalidParameter", "Initial payment is larger than the amount due")
        _delete_pay_plans(store, invoice_id)
        initial_date, start_date = store.to_local(initial_date), store.to_local(start_date)
        plan_id = store.insert("PayPlan", {
            "InvoiceId": invoice_id, "DateDue": initial_date, "AmtDue": due, "Type": int(auto_charge),
            "InitDate": initial_date, "StartDate": start_date, "FirstPayAmt": initial_amount,
            "_PaidBefore": invoice["TotalPaid"],  # private: not a DataService field
        })
        schedule = []
        if initial_amount > 0:
            schedule.append((initial_date, initial_amount))
        rest = due - initial_amount
        part = cents(rest / payments)
        for n in range(payments):
            amount = part if n < payments - 1 else rest - part * (payments - 1)
            schedule.append((start_date + timedelta(days=days_between * n), amount))
        for when, amount in schedule:
            store.insert("PayPlanItem", {
                "PayPlanId": plan_id, "DateDue": when, "AmtDue": amount, "Status": 1, "AmtPaid": ZERO,
            })
        store.update("Invoice", invoice_id, PayPlanStatus=1)
        store.touch("Invoice", invoice_id)
        store.touch("Job", invoice["JobId"])
        _apply_to_pay_plan(store, invoice_id, invoice["TotalPaid"])
        return plan_id


def _apply_to_pay_plan(store: AccountStore, invoice_id: int, paid: Decimal) -> None:
    """Spread what has been paid over the plan's installments, oldest first."""
    for plan in store.find("PayPlan", "InvoiceId", invoice_id):
        # Payments made before the plan existed are not part of it.
        remaining = paid - plan["_PaidBefore"]
        for item in store.find("PayPlanItem", "PayPlanId", plan["Id"]):
            applied = min(item["AmtDue"], max(remaining, ZERO))
            remaining -= applied
            status = 2 if applied >= item["AmtDue"] else (3 if applied > 0 else 1)
            if item["AmtPaid"] != applied or item["Status"] != status:
                store.update("PayPlanItem", item["Id"], AmtPaid=applied, Status=status)


# --- subscriptions ------------------------------------------------------------

_CYCLE_NAMES = {"1": "year", "2": "month", "3": "week", "6": "day"}


def advance(moment: datetime, cycle: str, frequency: int) -> datetime:
    frequency = max(frequency, 1)
    if cycle == "6":
        return moment + timedelta(days=frequency)
    if cycle == "3":
        return moment + timedelta(weeks=frequency)
    months = frequency * (12 if cycle == "1" else 1)
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def add_recurring_order(
    store: AccountStore, contact_id: int, allow_duplicate: bool, plan_id: int, qty: int, price: Any,
    taxable: bool, merchant_id: int, card_id: int, affiliate_id: int, days_till_charge: int,
) -> int:
    with store.lock:
        if store.get("Contact", contact_id) is None:
            raise BillingError("RecordNotFound", f"Contact not found for Id:{contact_id}")
        plan = store.get("SubscriptionPlan", plan_id)
        if plan is None:
            raise BillingError("RecordNotFound", f"SubscriptionPlan not found for Id:{plan_id}")
        if not allow_duplicate:
            for existing in store.find("RecurringOrder", "ContactId", contact_id):
                if existing["SubscriptionPlanId"] == plan_id and existing["Status"] == "Active":
                    return existing["Id"]
        today = store.now().replace(hour=0, minute=0, second=0)
        return store.insert("RecurringOrder", {
            "ContactId": contact_id, "OriginatingOrderId": 0, "ProgramId": 0, "SubscriptionPlanId": plan_id,
            "ProductId": plan["ProductId"], "StartDate": today, "NextBillDate": today + timedelta(days=days_till_charge),
            "BillingCycle": plan["Cycle"], "Frequency": plan["Frequency"], "BillingAmt": cents(to_money(price)),
            "Status": "Active", "ReasonStopped": "", "AutoCharge": 1, "CC1": card_id, "CC2": 0,
            "NumDaysBetweenRetry": 1, "MaxRetry": 3, "MerchantAccountId": merchant_id, "AffiliateId": affiliate_id,
            "PromoCode": "", "LeadAffiliateId": 0, "Qty": qty, "_Taxable": int(taxable),
        })


def invoice_recurring(store: AccountStore, recurring_id: int) -> int:
    """One invoice billing every cycle that is due (createInvoiceForRecurring); 0 when none is."""
    with store.lock:
        sub = store.get("RecurringOrder", recurring_id)
        if sub is None:
            raise BillingError("RecordNotFound", f"RecurringOrder not found for Id:{recurring_id}")
        now = store.now()
        due_dates = []
        next_bill = sub["NextBillDate"]
        while next_bill is not None and next_bill <= now and sub["Status"] == "Active":
            due_dates.append(next_bill)
            next_bill = advance(next_bill, sub["BillingCycle"], sub["Frequency"])
            if len(due_dates) > 1000:
                break
        if not due_dates:
            return 0
        product = store.get("Product", sub["ProductId"]) or {}
        name = product.get("ProductName") or f"Subscription {recurring_id}"
        invoice_id = create_order(store, sub["ContactId"], name, now, recurring_id=recurring_id, order_type="Online")
        for billed in due_dates:
            order_item_id = add_item(
                store, invoice_id, sub["ProductId"], 9, sub["BillingAmt"], sub["Qty"], name,
                f"Subscription period from {billed:%Y-%m-%d}",
            )
            store.update("OrderItem", order_item_id, SubscriptionPlanId=sub["SubscriptionPlanId"])
        store.update("RecurringOrder", recurring_id, LastBillDate=due_dates[-1], NextBillDate=next_bill, PaidThruDate=next_bill)
        return invoice_id


def delete_subscription(store: AccountStore, recurring_id: int) -> None:
    """The subscription and every invoice it generated."""
    with store.lock:
        if store.get("RecurringOrder", recurring_id) is None:
            raise BillingError("RecordNotFound", f"RecurringOrder not found for Id:{recurring_id}")
        for job in store.find("Job", "JobRecurringId", recurring_id):
            invoice = invoice_for_job(store, job["Id"])
            if invoice is not None:
                delete_invoice(store, invoice["Id"])
            else:
                store.delete("Job", job["Id"])
        store.delete("RecurringOrder", recurring_id)


def set_next_bill_date(store: AccountStore, recurring_id: int, next_bill: datetime) -> None:
    with store.lock:
        if store.get("RecurringOrder", recurring_id) is None:
            raise BillingError("RecordNotFound", f"RecurringOrder not found for Id:{recurring_id}")
        store.update("RecurringOrder", recurring_id, NextBillDate=store.to_local(next_bill))


# --- cards, tax, commissions --------------------------------------------------


def locate_card(store: AccountStore, contact_id: int, last4: str) -> int:
    with store.lock:
        for card in store.find("CreditCard", "ContactId", contact_id):
            if card.get("Last4") == last4:
                return card["Id"]
        return 0


def validate_card_details(store: AccountStore, card: dict) -> tuple[bool, str]:
    number = str(card.get("CardNumber", "")).replace(" ", "")
    for field in ("CardType", "CardNumber", "ExpirationMonth", "ExpirationYear"):
        if not card.get(field):
            return False, f"{field} is required"
    if not _luhn_ok(number):
        return False, "Card number is invalid"
    if _card_expired(store, card):
        return False, "Card has expired"
    return True, ""


def validate_stored_card(store: AccountStore, card_id: int) -> tuple[bool, str]:
    with store.lock:
        card = store.get("CreditCard", card_id)
        if card is None:
            return False, "Credit card not found"
        return validate_card_details(store, card)


def recalculate_tax(store: AccountStore, invoice_id: int) -> None:
    """With a tax rate set, rebuild the tax line from taxable product lines; otherwise leave it."""
    with store.lock:
        invoice = _invoice(store, invoice_id)
        if store.tax_rate is None:
            return
        taxable = ZERO
        for item in store.find("OrderItem", "OrderId", invoice["JobId"]):
            if item["ItemType"] == 2:
                for line in store.find("InvoiceItem", "InvoiceId", invoice_id):
                    if line["OrderItemId"] == item["Id"]:
                        store.delete("InvoiceItem", line["Id"])
                store.delete("OrderItem", item["Id"])
                continue
            product = store.get("Product", item["ProductId"]) if item["ProductId"] else None
            if product and product.get("Taxable"):
                taxable += item["PPU"] * item["Qty"]
        tax = cents(taxable * store.tax_rate)
        if tax:
            add_item(store, invoice_id, 0, 2, tax, 1, "Tax")
        refresh_invoice(store, invoice_id)


def add_commission_override(
    store: AccountStore, invoice_id: int, affiliate_id: int, product_id: int, percentage: int,
    amount: Any, payout_type: int, description: str, when: datetime,
) -> int:
    with store.lock:
        _invoice(store, invoice_id)
        if payout_type not in (4, 5):
            raise BillingError("InvalidParameter", "payoutType must be 4 (up front) or 5 (on receipt)")
        return store.insert("OrderCommissionOverride", {
            "InvoiceId": invoice_id, "AffiliateId": affiliate_id, "ProductId": product_id,
            "Percentage": percentage, "Amount": cents(to_money(amount)), "PayoutType": payout_type,
            "Description": description, "DateCreated": store.to_local(when),
        })

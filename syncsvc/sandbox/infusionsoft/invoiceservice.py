"""InvoiceService: every method of the reference (seed 001) plus getInvoiceId/getOrderId (seed 002).

Argument orders and return shapes are the ones printed there; the work is done by
`billing`, and its BillingErrors become "[Kind]message" faults here.
"""

from __future__ import annotations

from datetime import datetime
from functools import wraps
from xmlrpc.client import DateTime

from . import billing
from .dispatch import CallContext, Registry
from .faults import api_fault
from .query import parse_date
from .schema import PAYMENT_OPTIONS

PAYMENT_FIELDS = (
    "Id", "PayDate", "UserId", "PayAmt", "PayType", "ContactId", "PayNote", "InvoiceId", "RefundId",
    "ChargeId", "Synced",
)


def _when(value: DateTime) -> datetime:
    parsed = parse_date(value.value)
    if parsed is None:
        raise api_fault("InvalidParameter", f"Invalid date: {value.value}")
    return parsed


def _faults(handler):
    @wraps(handler)
    def wrapper(ctx, *args):
        try:
            return handler(ctx, *args)
        except billing.BillingError as exc:
            raise api_fault(exc.kind, exc.message) from None
    return wrapper


@_faults
def create_blank_order(ctx: CallContext, contact_id, description, order_date, lead_affiliate_id, sale_affiliate_id):
    return billing.create_order(
        ctx.store, contact_id, description, _when(order_date), lead_affiliate_id, sale_affiliate_id,
    )


@_faults
def add_order_item(ctx: CallContext, invoice_id, product_id, item_type, price, quantity, description, notes):
    billing.add_item(ctx.store, invoice_id, product_id, item_type, price, quantity, description, notes)
    return True


def _charge_struct(result: billing.ChargeResult) -> dict:
    return {"Successful": result.successful, "Message": result.message, "RefNum": result.ref_num, "Code": result.code}


@_faults
def charge_invoice(ctx: CallContext, invoice_id, notes, card_id, merchant_id, bypass_commissions):
    return _charge_struct(billing.charge_invoice(ctx.store, invoice_id, notes, card_id, merchant_id, bypass_commissions))


@_faults
def delete_subscription(ctx: CallContext, recurring_id):
    billing.delete_subscription(ctx.store, recurring_id)
    return True


@_faults
def delete_invoice(ctx: CallContext, invoice_id):
    billing.delete_invoice(ctx.store, invoice_id)
    return True


@_faults
def add_recurring_order(
    ctx: CallContext, contact_id, allow_duplicate, plan_id, qty, price, taxable, merchant_id, card_id,
    affiliate_id, days_till_charge,
):
    return billing.add_recurring_order(
        ctx.store, contact_id, allow_duplicate, plan_id, qty, price, taxable, merchant_id, card_id,
        affiliate_id, days_till_charge,
    )


@_faults
def create_invoice_for_recurring(ctx: CallContext, recurring_id):
    return billing.invoice_recurring(ctx.store, recurring_id)


@_faults
def add_manual_payment(ctx: CallContext, invoice_id, amount, pay_date, pay_type, description, bypass_commissions):
    billing.add_manual_payment(ctx.store, invoice_id, amount, _when(pay_date), pay_type, description, bypass_commissions)
    return True


@_faults
def add_payment_plan(
    ctx: CallContext, invoice_id, auto_charge, card_id, merchant_id, days_between_retry, max_retry,
    initial_amount, initial_date, start_date, payments, days_between,
):
    billing.add_payment_plan(
        ctx.store, invoice_id, auto_charge, card_id, merchant_id, days_between_retry, max_retry,
        initial_amount, _when(initial_date), _when(start_date), payments, days_between,
    )
    return True


@_faults
def calculate_amount_owed(ctx: CallContext, invoice_id):
    return float(billing.amount_owed(ctx.store, invoice_id))


def get_all_payment_options(ctx: CallContext):
    return {option: option for option in PAYMENT_OPTIONS}


def get_payments(ctx: CallContext, invoice_id):
    with ctx.store.lock:
        payments = ctx.store.find("Payment", "InvoiceId", invoice_id)
        return [{f: p[f] for f in PAYMENT_FIELDS if p.get(f) is not None} for p in payments]


def locate_existing_card(ctx: CallContext, contact_id, last4):
    return billing.locate_card(ctx.store, contact_id, last4)


@_faults
def recalculate_tax(ctx: CallContext, invoice_id):
    billing.recalculate_tax(ctx.store, invoice_id)
    return True


def validate_credit_card(ctx: CallContext, card):
    if isinstance(card, dict):
        valid, message = billing.validate_card_details(ctx.store, card)
    else:
        valid, message = billing.validate_stored_card(ctx.store, card)
    # The reference sample answers Valid as the untyped string "false", not a boolean.
    return {"Message": message, "Valid": "true" if valid else "false"}


def get_all_shipping_options(ctx: CallContext):
    return True  # the reference documents (and samples) a bare boolean


@_faults
def update_next_bill_date(ctx: CallContext, recurring_id, next_bill_date):
    billing.set_next_bill_date(ctx.store, recurring_id, _when(next_bill_date))
    return True


@_faults
def add_order_commission_override(
    ctx: CallContext, invoice_id, affiliate_id, product_id, percentage, amount, payout_type, description, when,
):
    billing.add_commission_override(
        ctx.store, invoice_id, affiliate_id, product_id, percentage, amount, payout_type, description, _when(when),
    )
    return True


def get_invoice_id(ctx: CallContext, order_id):
    with ctx.store.lock:
        invoice = billing.invoice_for_job(ctx.store, order_id)
        return invoice["Id"] if invoice else 0


def get_order_id(ctx: CallContext, invoice_id):
    with ctx.store.lock:
        invoice = ctx.store.get("Invoice", invoice_id)
        return invoice["JobId"] if invoice else 0


METHODS: Registry = {
    "InvoiceService.createBlankOrder": [("sistii", create_blank_order)],
    "InvoiceService.addOrderItem": [("siiidiss", add_order_item)],
    "InvoiceService.chargeInvoice": [("sisiib", charge_invoice)],
    "InvoiceService.deleteSubscription": [("si", delete_subscription)],
    "InvoiceService.deleteInvoice": [("si", delete_invoice)],
    "InvoiceService.addRecurringOrder": [("sibiidbiiii", add_recurring_order)],
    "InvoiceService.createInvoiceForRecurring": [("si", create_invoice_for_recurring)],
    "InvoiceService.addManualPayment": [("sidtssb", add_manual_payment)],
    "InvoiceService.addPaymentPlan": [("sibiiiidttii", add_payment_plan)],
    "InvoiceService.calculateAmountOwed": [("si", calculate_amount_owed)],
    "InvoiceService.getAllPaymentOptions": [("s", get_all_payment_options)],
    "InvoiceService.getPayments": [("si", get_payments)],
    "InvoiceService.locateExistingCard": [("sis", locate_existing_card)],
    "InvoiceService.recalculateTax": [("si", recalculate_tax)],
    "InvoiceService.validateCreditCard": [("si", validate_credit_card), ("sm", validate_credit_card)],
    "InvoiceService.getAllShippingOptions": [("s", get_all_shipping_options)],
    "InvoiceService.updateJobRecurringNextBillDate": [("sit", update_next_bill_date)],
    "InvoiceService.addOrderCommissionOverride": [("siiiidist", add_order_commission_override)],
    "InvoiceService.getInvoiceId": [("si", get_invoice_id)],
    "InvoiceService.getOrderId": [("si", get_order_id)],
}

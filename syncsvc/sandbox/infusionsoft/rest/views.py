"""Read-only views over the account store: what REST v2 derives from the XML-RPC tables.

Filters, sort keys and the JSON projection all read these, so each derived value
(an order's status, a payment's refund, a transaction's method) is worked out in
one place. Times here are aware UTC datetimes; money is Decimal.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import cached_property

from ..billing import invoice_for_job
from ..store import AccountStore
from .encoding import utc_moment

ZERO = Decimal("0")

ITEM_TYPES = {
    0: "UNKNOWN", 1: "SHIPPING", 2: "TAX", 3: "SERVICE", 4: "PRODUCT", 5: "UPSELL", 6: "FINANCE_CHARGE",
    7: "DISCOUNT", 8: "PROGRAM", 9: "SUBSCRIPTION", 10: "DISCOUNT_FREE_TRIAL", 11: "DISCOUNT_ORDER_TOTAL",
    12: "DISCOUNT_PRODUCT", 13: "DISCOUNT_PRODUCT_CATEGORY", 14: "DISCOUNT_SHIPPING",
}
DISCOUNT_ITEM_TYPES = frozenset({7, 10, 11, 12, 13, 14})
SUBSCRIPTION_ITEM_TYPE = 9

SOURCE_TYPES = ("API", "CHECKOUT_FORM", "INVOICE", "MANUAL_PAYMENT", "QUICKBOOKS", "UNKNOWN")
# A Job field outside schema.TABLES: DataService cannot select or query it.
SOURCE_TYPE_FIELD = "_SourceType"
_DEFAULT_SOURCE_TYPES = {"ONLINE": "CHECKOUT_FORM", "OFFLINE": "INVOICE"}

MERCHANT_ACCOUNT_TYPE = "AUTHORIZE"
REFUNDED = "REFUNDED"


def _later(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return max(present) if present else None


class RowView:
    """One row of an account-store table, with the store to look up the rows it points at."""

    def __init__(self, store: AccountStore, row: dict) -> None:
        self.store = store
        self.row = row

    @property
    def id(self) -> int:
        return self.row["Id"]

    def moment(self, field: str) -> datetime | None:
        """The row's account-local time in `field`, as aware UTC."""
        return utc_moment(self.row.get(field), self.store.zone)


class OrderView(RowView):
    """A Job row with its Invoice (Invoice.JobId), items, allocations and payment plan."""

    @property
    def contact_id(self) -> int | None:
        return self.row.get("ContactId")

    @cached_property
    def contact(self) -> dict | None:
        return self.store.get("Contact", self.contact_id) if self.contact_id else None

    @cached_property
    def invoice(self) -> dict | None:
        return invoice_for_job(self.store, self.id)

    @property
    def invoice_id(self) -> int | None:
        return self.invoice["Id"] if self.invoice else None

    @property
    def paid(self) -> bool:
        return self.invoice is not None and self.invoice.get("PayStatus") == 1

    @property
    def status(self) -> str:
        if self.invoice is None:
            return "DRAFT"
        return "PAID" if self.paid else "SENT"

    @property
    def order_type(self) -> str | None:
        kind = (self.row.get("OrderType") or "").upper()
        return kind if kind in _DEFAULT_SOURCE_TYPES else None

    @property
    def source_type(self) -> str:
        chosen = self.row.get(SOURCE_TYPE_FIELD)
        if chosen:
            return chosen
        return _DEFAULT_SOURCE_TYPES.get(self.order_type or "", "UNKNOWN")

    @property
    def title(self) -> str | None:
        return self.row.get("JobTitle")

    @property
    def creation_time(self) -> datetime | None:
        return self.moment("DateCreated")

    @property
    def modification_time(self) -> datetime | None:
        invoice_updated = self.invoice.get("LastUpdated") if self.invoice else None
        return utc_moment(_later(self.row.get("LastUpdated"), invoice_updated), self.store.zone)

    @property
    def due_time(self) -> datetime | None:
        return self.moment("DueDate")

    def money(self, field: str) -> Decimal:
        return self.invoice.get(field, ZERO) if self.invoice else ZERO

    @cached_property
    def items(self) -> list[dict]:
        return self.store.find("OrderItem", "OrderId", self.id)

    @cached_property
    def product_ids(self) -> frozenset[int]:
        return frozenset(item["ProductId"] for item in self.items if item.get("ProductId"))

    @cached_property
    def allocations(self) -> list[dict]:
        return self.store.find("InvoicePayment", "InvoiceId", self.invoice_id) if self.invoice else []

    @property
    def refund_total(self) -> Decimal:
        return sum((-a["Amt"] for a in self.allocations if a.get("PayStatus") == REFUNDED), ZERO)

    @cached_property
    def pay_plan(self) -> dict | None:
        plans = self.store.find("PayPlan", "InvoiceId", self.invoice_id) if self.invoice else []
        return plans[-1] if plans else None

    def pay_plan_items(self) -> list[dict]:
        if self.pay_plan is None:
            return []
        items = self.store.find("PayPlanItem", "PayPlanId", self.pay_plan["Id"])
        return sorted(items, key=lambda item: (item["DateDue"], item["Id"]))


class PaymentView(RowView):
    """A Payment row with its invoice, card charge and refund."""

    @property
    def contact_id(self) -> int | None:
        return self.row.get("ContactId")

    @property
    def amount(self) -> Decimal:
        return self.row["PayAmt"]

    @property
    def payment_time(self) -> datetime | None:
        return self.moment("PayDate")

    @cached_property
    def invoice(self) -> dict | None:
        invoice_id = self.row.get("InvoiceId")
        return self.store.get("Invoice", invoice_id) if invoice_id else None

    @property
    def order_id(self) -> int | None:
        return self.invoice.get("JobId") if self.invoice else None

    @property
    def is_card(self) -> bool:
        return bool(self.row.get("ChargeId"))

    @property
    def is_refund(self) -> bool:
        return bool(self.row.get("RefundId"))

    @cached_property
    def charge(self) -> dict | None:
        return self.store.get("CCharge", self.row["ChargeId"]) if self.is_card else None

    @property
    def merchant_id(self) -> int | None:
        return self.charge.get("MerchantId") if self.charge else None

    @property
    def external_transaction_id(self) -> str | None:
        # Sandbox choice: every third card payment leaves it out, so a client must also
        # know the transactions fallback (TransactionV2.external_reference_id).
        if self.charge is None or self.id % 3 == 0:
            return None
        return self.charge.get("RefNum") or None

    @cached_property
    def refund_payment_id(self) -> int | None:
        """The latest refund Payment whose RefundId points at this one (refunds share the invoice)."""
        if self.is_refund or not self.row.get("InvoiceId"):
            return None
        refunds = [p for p in self.store.find("Payment", "InvoiceId", self.row["InvoiceId"])
                   if p.get("RefundId") == self.id]
        return max(refunds, key=lambda p: (p["PayDate"], p["Id"]))["Id"] if refunds else None


class AllocationView(RowView):
    """An InvoicePayment row (REST v2's InvoiceOrderPayment)."""

    @property
    def amount(self) -> Decimal:
        return self.row["Amt"]

    @property
    def pay_time(self) -> datetime | None:
        return self.moment("PayDate")

    @cached_property
    def payment(self) -> dict | None:
        payment_id = self.row.get("PaymentId")
        return self.store.get("Payment", payment_id) if payment_id else None

    @cached_property
    def refunded_allocation_id(self) -> int | None:
        """On a refund's allocation: the allocation of the payment it refunds."""
        if self.payment is None or not self.payment.get("RefundId"):
            return None
        originals = self.store.find("InvoicePayment", "PaymentId", self.payment["RefundId"])
        return originals[0]["Id"] if originals else None


class TransactionView:
    """One gateway or bookkeeping event: a Payment row (CAPTURE for a card payment, REFUND for a
    refund, MANUAL for anything recorded by hand) or a DeclinedCharge row (a FAILED CAPTURE).
    REST v2 gives transactions no id; `key` is the sandbox's own stable identity for paging:
    (0, Payment.Id) or (1, DeclinedCharge.Id). Everything else is worked out on demand, so a
    page of a long list only derives what it filters, sorts and shows."""

    def __init__(self, store: AccountStore, row: dict, declined: bool = False) -> None:
        self.store = store
        self.row = row
        self.declined = declined

    @property
    def key(self) -> tuple[int, int]:
        return (1 if self.declined else 0, self.row["Id"])

    @cached_property
    def payment(self) -> PaymentView | None:
        return None if self.declined else PaymentView(self.store, self.row)

    @property
    def method(self) -> str:
        if self.payment is None:
            return "CAPTURE"
        if self.payment.is_refund:
            return "REFUND"
        return "CAPTURE" if self.payment.is_card else "MANUAL"

    @property
    def status(self) -> str:
        return "FAILED" if self.declined else "APPROVED"

    @property
    def successful(self) -> bool:
        return not self.declined

    @property
    def amount(self) -> Decimal:
        return self.row["Amt"] if self.declined else abs(self.row["PayAmt"])

    @cached_property
    def transaction_time(self) -> datetime | None:
        return utc_moment(self.row.get("AttemptDate" if self.declined else "PayDate"), self.store.zone)

    @property
    def contact_id(self) -> int | None:
        return self.row.get("ContactId")

    @cached_property
    def order_id(self) -> int | None:
        if self.payment is not None:
            return self.payment.order_id
        invoice = self.store.get("Invoice", self.row["InvoiceId"])
        return invoice.get("JobId") if invoice else None

    @property
    def payment_id(self) -> int | None:
        return self.row["Id"] if self.payment is not None else None

    @property
    def reference(self) -> str | None:
        charge = self.payment.charge if self.payment is not None else None
        return (charge.get("RefNum") or None) if charge else None

    @property
    def response_code(self) -> str | None:
        charge = self.payment.charge if self.payment is not None else None
        return (charge.get("ApprCode") or None) if charge else None

    @property
    def error(self) -> str | None:
        return self.row.get("Message") if self.declined else None

    @cached_property
    def merchant_id(self) -> int | None:
        """The charge's merchant; a refund goes back through the merchant of the charge it refunds."""
        if self.payment is None:
            return self.row.get("MerchantId")
        if self.payment.is_refund:
            original = self.store.get("Payment", self.row["RefundId"])
            return PaymentView(self.store, original).merchant_id if original else None
        return self.payment.merchant_id


def all_transactions(store: AccountStore) -> list[TransactionView]:
    found = [TransactionView(store, row) for row in store.table("Payment").values()]
    found += [TransactionView(store, row, declined=True) for row in store.table("DeclinedCharge").values()]
    return found


class ContactView(RowView):
    """A Contact row."""

    @property
    def email(self) -> str | None:
        return self.row.get("Email") or None

    @property
    def emails(self) -> list[tuple[str, str]]:
        """(slot, address) for each address the contact has."""
        slots = (("EMAIL1", "Email"), ("EMAIL2", "EmailAddress2"), ("EMAIL3", "EmailAddress3"))
        return [(slot, self.row[field]) for slot, field in slots if self.row.get(field)]

    @property
    def create_time(self) -> datetime | None:
        return self.moment("DateCreated")

    @property
    def update_time(self) -> datetime | None:
        return self.moment("LastUpdated")


def set_source_type(store: AccountStore, order_id: int, source_type: str) -> None:
    """Keep `source_type` for an order on its Job row, out of DataService's sight."""
    if source_type not in SOURCE_TYPES:
        raise ValueError(f"source_type must be one of {', '.join(SOURCE_TYPES)}, got {source_type!r}")
    with store.lock:
        if store.get("Job", order_id) is None:
            raise KeyError(f"no order (Job) {order_id}")
        store.update("Job", order_id, **{SOURCE_TYPE_FIELD: source_type})

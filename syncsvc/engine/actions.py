"""What a plan asks the QuickBooks side to do, in order, and what it reports."""

from __future__ import annotations

from dataclasses import dataclass

from syncsvc.engine.customers import CustomerDraft
from syncsvc.engine.documents import CustomerRef, PlannedDocument
from syncsvc.engine.items import ItemDraft
from syncsvc.engine.payments import PlannedPayment
from syncsvc.engine.refunds import PlannedRefund


@dataclass(frozen=True)
class CreateCustomer:
    draft: CustomerDraft
    rule: str = "created"  # stored on the contact's link


@dataclass(frozen=True)
class CreateItem:
    draft: ItemDraft


@dataclass(frozen=True)
class CreateInvoice:
    document: PlannedDocument
    content_hash: str  # store it with the QBO id; the next plan compares against it


@dataclass(frozen=True)
class UpdateInvoice:
    qbo_id: str
    document: PlannedDocument
    content_hash: str


@dataclass(frozen=True)
class CreateSalesReceipt:
    document: PlannedDocument
    content_hash: str

    @property
    def payment_refs(self) -> tuple[str, ...]:
        """References this receipt settles: record them as posted."""
        return self.document.receipt_payment.refs if self.document.receipt_payment else ()


@dataclass(frozen=True)
class UpdateSalesReceipt:
    qbo_id: str
    document: PlannedDocument
    content_hash: str


@dataclass(frozen=True)
class CreatePayment:
    payment: PlannedPayment
    customer: CustomerRef
    # The QBO invoice to link; None: the invoice created earlier in this plan.
    invoice_qbo_id: str | None


@dataclass(frozen=True)
class CreateRefund:
    """A Keap refund booked as a RefundReceipt or a CreditMemo (engine/refunds.py)."""

    refund: PlannedRefund
    # The order's QBO invoice (a CreditMemo is applied to it); None: the document created earlier in this plan.
    invoice_qbo_id: str | None


@dataclass(frozen=True)
class Hold:
    """The order (or its update) is not posted until a user fixes the reason."""

    reason: str


@dataclass(frozen=True)
class Skip:
    """Nothing to post, and nothing wrong: e.g. a refund, an unpaid order under
    paid_only. payment_id names the payment when the skip is about one."""

    reason: str
    payment_id: int | None = None


@dataclass(frozen=True)
class WaitingPayment:
    """A payment whose invoice is not in QBO yet: posted by a later plan."""

    payment_id: int
    reason: str


Write = (CreateCustomer | CreateItem | CreateInvoice | UpdateInvoice | CreateSalesReceipt | UpdateSalesReceipt | CreatePayment
         | CreateRefund)
Action = Write | Hold | Skip
WRITES = (CreateCustomer, CreateItem, CreateInvoice, UpdateInvoice, CreateSalesReceipt, UpdateSalesReceipt, CreatePayment,
          CreateRefund)

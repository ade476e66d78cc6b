"""The QBO sales document planned for one order (Invoice or SalesReceipt)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from syncsvc.engine.lines import PlannedLine

INVOICE = "Invoice"
SALES_RECEIPT = "SalesReceipt"
MEMO_MAX = 4000  # PrivateNote


@dataclass(frozen=True)
class CustomerRef:
    """The customer a document posts to. qbo_id None: the customer is created
    by the CreateCustomer action earlier in the same plan."""

    contact_id: int
    qbo_id: str | None
    display_name: str = ""


@dataclass(frozen=True)
class ReceiptPayment:
    """How a SalesReceipt was paid: QBO holds one PaymentRefNum and method per
    receipt, so the first payment's are used and every reference goes to the memo."""

    ref: str
    method: str
    payment_ids: tuple[int, ...]
    refs: tuple[str, ...]  # PaymentRefNum of every payment (as posted), first = `ref`


@dataclass(frozen=True)
class PlannedDocument:
    kind: str  # INVOICE | SALES_RECEIPT
    order_id: int
    invoice_id: int
    doc_number: str
    customer: CustomerRef
    txn_date: date | None
    due_date: date | None  # None: QBO applies the customer's terms
    lines: tuple[PlannedLine, ...]
    tax_total: Decimal | None  # TxnTaxDetail.TotalTax (tax_mode "txn_tax_detail"); else None
    total: Decimal  # equals the Infusionsoft invoice total to the cent
    memo: str  # PrivateNote: both Infusionsoft ids, the payment plan, receipt refs
    receipt_payment: ReceiptPayment | None = None


def join_memo(*parts: str) -> str:
    return "; ".join(part for part in parts if part)[:MEMO_MAX]


# The memo this service writes (plan.py: ids_memo, then the payment plan's schedule, then a receipt's
# references), as it may stand inside a PrivateNote a bookkeeper has typed around.
_OUR_MEMO = re.compile(r"Infusionsoft order \d+ / invoice \d+"
                       r"(?:; Payment plan(?:, \d+ installments: [0-9][0-9 ,.\-]*[0-9])?)?"
                       r"(?:; payments [^\n;]*)?")


def merge_memo(current: str | None, ours: str) -> str:
    """The PrivateNote after an update: what a bookkeeper typed before and after our memo stays, our part is
    replaced by `ours`. When our part is gone (typed over), ours comes first again, on its own line, so the
    document is still recognised as this order's. Within MEMO_MAX, our part whole."""
    current = current or ""
    found = _OUR_MEMO.search(current)
    if found:
        before, after = current[:found.start()], current[found.end():]
    elif current.strip():
        before, after = "", "\n" + current
    else:
        before, after = "", ""
    room = max(MEMO_MAX - len(ours), 0)
    before = before[-room:] if room else ""
    after = after[:room - len(before)]
    return f"{before}{ours}{after}"

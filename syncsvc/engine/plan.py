"""plan_order: everything the sync decides about one order, without I/O.

Inputs are what Infusionsoft holds (OrderBundle) and what QBO and our state
store already hold (PostedState, including the customer and item lookups the
caller ran). The output lists the writes in execution order (customer and
items first, then the document, then payments), with holds, skips, payments
waiting for their invoice, and warnings. Planning again after every write
succeeded and was recorded yields no actions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from syncsvc.engine import customers as customer_rules
from syncsvc.engine.actions import (
    WRITES, Action, CreateCustomer, CreateInvoice, CreateItem, CreatePayment, CreateRefund, CreateSalesReceipt, Hold,
    Skip,
    UpdateInvoice, UpdateSalesReceipt, WaitingPayment,
)
from syncsvc.engine.customers import CustomerResolution
from syncsvc.engine.documents import INVOICE, SALES_RECEIPT, CustomerRef, PlannedDocument, ReceiptPayment, join_memo
from syncsvc.engine.hashing import content_hash
from syncsvc.engine.items import ItemCatalog, QboItem
from syncsvc.engine.lines import fractional_cent_prices, map_lines, negative_total, total_mismatch
from syncsvc.engine.numbering import DocNumberTooLong, doc_number, ids_memo
from syncsvc.engine.payments import PaymentDecisions, decide_payments, plan_payment
from syncsvc.engine.plans import plan_terms
from syncsvc.engine.refunds import decide_refunds, non_refunds
from syncsvc.engine.settings import EngineSettings
from syncsvc.infusionsoft.records import Contact, Invoice, Order, OrderItem, Payment, PayPlan, Product


# OrderV2.source_type of orders Keap's own QuickBooks integration created.
QUICKBOOKS_BORN = "QUICKBOOKS"


@dataclass(frozen=True)
class OrderBundle:
    """One order as read from Infusionsoft."""

    order: Order
    invoice: Invoice | None
    order_items: tuple[OrderItem, ...]
    payments: tuple[Payment, ...]  # the invoice's payments, ref_num filled from their CCharge
    contact: Contact | None
    products: tuple[Product, ...] = ()  # the products the order items name
    pay_plan: PayPlan | None = None  # with its items

    @property
    def products_by_id(self) -> Mapping[int, Product]:
        return {product.id: product for product in self.products}


@dataclass(frozen=True)
class PostedDocument:
    qbo_id: str
    kind: str  # INVOICE | SALES_RECEIPT
    content_hash: str
    invoice_id: int | None = None  # the Keap invoice it was posted for (None: not recorded)
    doc_number: str = ""


@dataclass(frozen=True)
class PostedState:
    """What QBO and the state store already hold for this order."""

    # customers.resolve_customer(...) for the order's contact (a stored link wins).
    customer: CustomerResolution
    # QBO items found for items.lookups(...): the order's SKUs and the configured items.
    items: tuple[QboItem, ...] = ()
    document: PostedDocument | None = None
    # PaymentRefNums (as posted) already in QBO; never posted again.
    payment_refs: frozenset[str] = frozenset()
    # Payments whose skip (refund, ...) was already recorded: not reported again.
    reported_payment_ids: frozenset[int] = frozenset()
    # Payments recorded as posted, by Infusionsoft payment id -> PaymentRefNum as posted.
    posted_payment_refs: Mapping[int, str] = field(default_factory=dict)
    # Refunds recorded as booked (RefundReceipt or CreditMemo), by Infusionsoft refund payment id.
    posted_refunds: frozenset[int] = frozenset()


@dataclass(frozen=True)
class OrderPlan:
    order_id: int
    actions: tuple[Action, ...]
    warnings: tuple[str, ...] = ()
    waiting: tuple[WaitingPayment, ...] = ()
    document: PlannedDocument | None = field(default=None, compare=False)

    @property
    def writes(self) -> tuple[Action, ...]:
        return tuple(action for action in self.actions if isinstance(action, WRITES))

    @property
    def holds(self) -> tuple[Hold, ...]:
        return tuple(action for action in self.actions if isinstance(action, Hold))

    @property
    def skips(self) -> tuple[Skip, ...]:
        return tuple(action for action in self.actions if isinstance(action, Skip))


def plan_order(bundle: OrderBundle, posted: PostedState, settings: EngineSettings) -> OrderPlan:
    order, invoice = bundle.order, bundle.invoice
    if order.source_type == QUICKBOOKS_BORN:
        return OrderPlan(order.id, (Skip(
            f"order {order.id} was created by Keap's own QuickBooks integration (source QUICKBOOKS): "
            f"it came from QuickBooks and is never posted back"),))
    if invoice is None:
        return OrderPlan(order.id, (Skip(f"order {order.id} has no invoice yet"),))
    payments = decide_payments(non_refunds(bundle.payments, settings), order.id, posted.payment_refs, posted.reported_payment_ids, settings,
                               posted.posted_payment_refs)
    kind = posted.document.kind if posted.document else (SALES_RECEIPT if settings.posting_mode == "sales_receipt" else INVOICE)
    posts_payments = kind == INVOICE and settings.posting_mode != "invoice"
    if bundle.contact is None:
        return _not_posted(bundle, payments, posts_payments, Hold(f"order {order.id}: contact {order.contact_id} was not found in Infusionsoft"))
    if invoice.currency and invoice.currency != settings.currency:
        return _not_posted(bundle, payments, posts_payments, Hold(
            f"order {order.id}: Keap states its amounts in {invoice.currency}, but the QuickBooks books are kept in "
            f"{settings.currency} ([sync].currency); post it by hand or correct the order in Keap"))

    if posted.document is not None and posted.document.invoice_id and posted.document.invoice_id != invoice.id:
        # Keap gave a deleted order's id to a new order: never write this one over that one's document.
        doc = posted.document
        return _not_posted(bundle, payments, posts_payments, Hold(
            f"order {order.id}: Keap now gives this order id to another order (invoice {invoice.id}) than the one "
            f"posted as QuickBooks {doc.kind} {doc.doc_number or '?'} (Id {doc.qbo_id}) for invoice {doc.invoice_id}, "
            f"deleted in Keap since; void that {doc.kind} in QuickBooks if its sale did not happen, and enter "
            f"this order in QuickBooks by hand"))

    if posted.document is None and not invoice.paid_in_full:
        if kind == SALES_RECEIPT:
            return _not_posted(bundle, payments, posts_payments, Skip(
                f"order {order.id} is not paid in full ({invoice.total_due} due): its sales receipt is posted once it is paid"))
        if settings.paid_only:
            return _not_posted(bundle, payments, posts_payments, Skip(
                f"order {order.id} is not paid in full ({invoice.total_due} due) and paid_only is on"))

    resolution = posted.customer
    if isinstance(resolution, customer_rules.Ambiguous):
        return _not_posted(bundle, payments, posts_payments, Hold(f"order {order.id}: {resolution.message()}"))
    if isinstance(resolution, customer_rules.Create):
        customer = CustomerRef(bundle.contact.id, None, resolution.draft.display_name)
    else:
        customer = CustomerRef(bundle.contact.id, resolution.customer_id)

    warnings = list(payments.warnings)
    document_actions: list[Action] = []
    document = None
    try:
        document, item_drafts, item_warnings = _document(bundle, kind, customer, settings, ItemCatalog(posted.items))
    except _NotPostable as problem:
        outcome = Skip(str(problem)) if isinstance(problem, _NothingToPost) else Hold(f"order {order.id}: {problem}")
        if posted.document is None:
            return _not_posted(bundle, payments, posts_payments, outcome)
        # The posted document stays as it is in QBO; its payments still apply.
        document_actions.append(Hold(f"order {order.id}: {problem}"))
    else:
        warnings += item_warnings
        new_hash = content_hash(document)
        if posted.document is None:
            create = CreateInvoice if kind == INVOICE else CreateSalesReceipt
            document_actions = [CreateItem(d) for d in item_drafts] + [create(document, new_hash)]
        elif posted.document.content_hash != new_hash:
            update = UpdateInvoice if kind == INVOICE else UpdateSalesReceipt
            document_actions = [CreateItem(d) for d in item_drafts] + [update(posted.document.qbo_id, document, new_hash)]

    payment_actions: list[Action] = []
    if posts_payments:
        # Here the invoice is in QBO already or created by this plan.
        invoice_qbo_id = posted.document.qbo_id if posted.document else None
        payment_actions = [CreatePayment(payment, customer, invoice_qbo_id) for payment in payments.to_post]

    refund_actions, refund_waiting = _refunds(bundle, posted, settings, document, document_actions, payments, customer)
    payment_actions += refund_actions

    # New items first: orders selling a product whose item another order is creating wait for that
    # write only (sync/batched.py), so the sooner it goes the sooner they join the batches.
    actions: list[Action] = [a for a in document_actions if isinstance(a, CreateItem)]
    needs_customer = any(isinstance(a, WRITES) for a in document_actions + payment_actions)
    if isinstance(resolution, customer_rules.Create) and needs_customer:
        actions.append(CreateCustomer(resolution.draft, resolution.rule))
    actions += [a for a in document_actions if not isinstance(a, CreateItem)] + payment_actions
    actions += [Skip(s.reason, s.payment_id) for s in payments.skipped]
    return OrderPlan(order.id, tuple(actions), tuple(warnings), refund_waiting, document)


def _refunds(bundle: OrderBundle, posted: PostedState, settings: EngineSettings, document: PlannedDocument | None,
             document_actions: list[Action], payments: PaymentDecisions, customer: CustomerRef):
    """The order's refunds (engine/refunds.py) as actions after its payments, and those that wait."""
    order, invoice = bundle.order, bundle.invoice
    creates = any(isinstance(a, (CreateInvoice, CreateSalesReceipt)) for a in document_actions)
    posted_ids = set(posted.posted_payment_refs) | {p.payment_id for p in payments.to_post}
    receipt = document.receipt_payment if document is not None else None
    if receipt is not None:
        posted_ids |= set(receipt.payment_ids)
    try:
        number = posted.document.doc_number if posted.document and posted.document.doc_number else doc_number(
            order.id, invoice.id, settings)
    except DocNumberTooLong:
        return [], ()
    decisions = decide_refunds(
        bundle.payments, order_id=order.id, invoice_id=invoice.id, document=document,
        document_posted=posted.document is not None or creates, doc_number=number, customer=customer,
        posted_refunds=posted.posted_refunds, posted_payment_ids=frozenset(posted_ids),
        catalog=ItemCatalog(posted.items), settings=settings)
    invoice_qbo_id = posted.document.qbo_id if posted.document else None
    known = {a.draft.name.casefold() for a in document_actions if isinstance(a, CreateItem)}
    actions: list[Action] = [CreateItem(d) for d in decisions.items_to_create if d.name.casefold() not in known]
    actions += [CreateRefund(r, invoice_qbo_id) for r in decisions.to_post]
    actions += [Hold(f"order {order.id}: {reason}") for reason in decisions.held]
    return actions, tuple(WaitingPayment(refund_id, reason) for refund_id, reason in decisions.waiting)


class _NotPostable(Exception):
    pass


class _NothingToPost(_NotPostable):
    pass


def _document(bundle: OrderBundle, kind: str, customer: CustomerRef, settings: EngineSettings, catalog: ItemCatalog):
    order, invoice = bundle.order, bundle.invoice
    try:
        number = doc_number(order.id, invoice.id, settings)
    except DocNumberTooLong as exc:
        raise _NotPostable(str(exc)) from None
    mapped = map_lines(bundle.order_items, bundle.products_by_id, catalog, settings)
    # Held here, before any write, with the fix named: a total that differs from Keap's, and what
    # QuickBooks would refuse at every attempt (a unit price with a fraction of a cent, a negative total).
    unpostable = (total_mismatch(mapped, bundle.order_items, invoice)
                  or fractional_cent_prices(mapped, bundle.order_items)
                  or negative_total(mapped, "invoice" if kind == INVOICE else "sales receipt"))
    if unpostable:
        raise _NotPostable(unpostable)
    if not mapped.lines:
        raise _NothingToPost(f"order {order.id} has no line with an amount (total {mapped.total})")

    terms = plan_terms(bundle.pay_plan) if bundle.pay_plan is not None and kind == INVOICE else None
    receipt = _receipt_payment(bundle, settings) if kind == SALES_RECEIPT else None
    receipt_memo = f"payments {', '.join(receipt.refs)}" if receipt and len(receipt.refs) > 1 else ""
    when = invoice.date_created or order.date_created
    document = PlannedDocument(
        kind=kind,
        order_id=order.id,
        invoice_id=invoice.id,
        doc_number=number,
        customer=customer,
        txn_date=when.date() if when else None,
        due_date=terms.due_date if terms else None,
        lines=mapped.lines,
        tax_total=mapped.tax_total,
        total=mapped.total,
        memo=join_memo(ids_memo(order.id, invoice.id), terms.schedule_memo if terms else "", receipt_memo),
        receipt_payment=receipt,
    )
    warnings = []
    if mapped.unknown_item_reasons:
        warnings.append(
            f"order {order.id}: lines posted on item {settings.unknown_item_name!r}; fix in Infusionsoft: "
            + "; ".join(mapped.unknown_item_reasons)
        )
    return document, mapped.items_to_create, warnings


def _receipt_payment(bundle: OrderBundle, settings: EngineSettings) -> ReceiptPayment | None:
    planned = [
        plan_payment(p, bundle.order.id, settings)
        for p in sorted(bundle.payments, key=lambda p: p.id)
        if not p.is_refund and p.amount != 0
    ]
    if not planned:
        return None
    return ReceiptPayment(
        ref=planned[0].ref,
        method=planned[0].method,
        payment_ids=tuple(p.payment_id for p in planned),
        refs=tuple(dict.fromkeys(p.ref for p in planned)),
    )


def _not_posted(bundle: OrderBundle, payments: PaymentDecisions, posts_payments: bool, outcome: Action) -> OrderPlan:
    """The document is not posted: its payments wait for it; refunds are still reported."""
    reason = f"invoice {bundle.invoice.id} is not in QuickBooks yet" if bundle.invoice else "the order has no invoice yet"
    waiting = tuple(WaitingPayment(p.payment_id, reason) for p in payments.to_post) if posts_payments else ()
    reported = {s.payment_id for s in payments.skipped}
    waiting += tuple(WaitingPayment(p.id, f"refund {p.id}: {reason}") for p in bundle.payments
                     if p.is_refund and p.id not in reported)
    skips = tuple(Skip(s.reason, s.payment_id) for s in payments.skipped)
    return OrderPlan(bundle.order.id, (outcome, *skips), payments.warnings, waiting)

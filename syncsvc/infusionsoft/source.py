"""The interface the sync engine reads Infusionsoft through, and its XML-RPC implementation.

`OrderSource` names what the engine needs in domain terms, so a REST v2
adapter can replace XML-RPC before the XML-RPC sunset without touching the
engine. Every method reads in bulk: ids go out in IN lists of up to 1000 and
results come back a page at a time, never one call per order.
"""

from __future__ import annotations

import logging

from collections import defaultdict
from dataclasses import replace
from datetime import datetime
from typing import Iterable, Iterator, Protocol, Sequence
from zoneinfo import ZoneInfo

from syncsvc.infusionsoft import dates
from syncsvc.infusionsoft.dataservice import DataService
from syncsvc.infusionsoft.errors import NoAccessFault, NoSuchFieldFault
from syncsvc.infusionsoft.records import (
    Charge,
    Contact,
    CreditCard,
    Invoice,
    InvoiceItem,
    InvoicePayment,
    Order,
    OrderItem,
    Payment,
    PayPlan,
    PayPlanItem,
    Product,
)


log = logging.getLogger(__name__)


class OrderSource(Protocol):
    """Bulk reads of orders, invoices and payments (all datetimes aware).

    Payment rows have no LastUpdated: new payments are found by Id
    (`payments_after_id`) or by PayDate (`payments_since`; manual payments are
    stamped at midnight, so a PayDate cursor needs a day of overlap), and
    refunds or voids only show through their invoice's LastUpdated moving
    (re-read with `payments_for_invoices`). Every Payment carries `ref_num`
    (the card charge's merchant reference; None for manual payments), except
    from a scan with `details=False`, whose caller needs only each payment's
    id, date and what it pays: a source may then skip the reads for the rest
    (XML-RPC: the charges and cards, read again with the order's bundle).
    `api` names the Keap API read: "rest" or "xmlrpc".
    """

    api: str

    def orders_changed_since(self, since: datetime) -> Iterator[Order]: ...

    def invoices_changed_since(self, since: datetime) -> Iterator[Invoice]: ...

    def orders_by_ids(self, order_ids: Iterable[int]) -> list[Order]: ...

    def existing_order_ids(self, order_ids: Iterable[int]) -> set[int]: ...

    def invoices_by_ids(self, invoice_ids: Iterable[int]) -> list[Invoice]: ...

    def invoices_for_orders(self, order_ids: Iterable[int]) -> list[Invoice]: ...

    def order_items_for_orders(self, order_ids: Iterable[int]) -> list[OrderItem]: ...

    def invoice_items_for_invoices(self, invoice_ids: Iterable[int]) -> list[InvoiceItem]: ...

    def payments_since(self, since: datetime, details: bool = True) -> Iterator[Payment]: ...

    def payments_after_id(self, last_id: int, details: bool = True) -> Iterator[Payment]: ...

    def payments_for_invoices(self, invoice_ids: Iterable[int]) -> list[Payment]: ...

    def invoice_payments_for_invoices(self, invoice_ids: Iterable[int]) -> list[InvoicePayment]: ...

    def charges_by_ids(self, charge_ids: Iterable[int]) -> dict[int, Charge]: ...

    def contacts_by_ids(self, contact_ids: Iterable[int]) -> list[Contact]: ...

    def products_by_ids(self, product_ids: Iterable[int]) -> list[Product]: ...

    def pay_plans_for_invoices(self, invoice_ids: Iterable[int]) -> list[PayPlan]: ...


class XmlRpcOrderSource:
    """OrderSource over DataService.query.

    Payment rows have no LastUpdated column (nor do OrderItem, InvoiceItem,
    InvoicePayment, CCharge, PayPlan or Product); only Job and Invoice do. So
    "changed since" exists for orders and invoices only; payments are polled
    by Id or PayDate. Lookups by Id use IN lists of 1000; lookups by a foreign
    key (OrderItem.OrderId, Payment.InvoiceId, ...) read id ranges, because the
    API allows IN only on Id (see DataService.rows_for_parents).
    """

    api = "xmlrpc"

    def __init__(self, data: DataService, zone: ZoneInfo) -> None:
        self._data = data
        self._zone = zone

    # -- orders and invoices ----------------------------------------------------

    def orders_changed_since(self, since: datetime) -> Iterator[Order]:
        """Jobs whose LastUpdated is at or after `since` (wall-clock filter widened at DST edges)."""
        query = {"LastUpdated": dates.since(since, self._zone)}
        for row in self._data.iter_query(Order.TABLE, query, Order.FIELDS):
            yield Order.from_row(row, self._zone)

    def invoices_changed_since(self, since: datetime) -> Iterator[Invoice]:
        query = {"LastUpdated": dates.since(since, self._zone)}
        for row in self._data.iter_query(Invoice.TABLE, query, Invoice.FIELDS):
            yield Invoice.from_row(row, self._zone)

    def orders_by_ids(self, order_ids: Iterable[int]) -> list[Order]:
        return self._where_in(Order, "Id", order_ids)

    def invoices_by_ids(self, invoice_ids: Iterable[int]) -> list[Invoice]:
        return self._where_in(Invoice, "Id", invoice_ids)

    def existing_order_ids(self, order_ids: Iterable[int]) -> set[int]:
        """Which of these orders Keap still has: Job ids only, 1000 per call."""
        return {int(row["Id"]) for row in self._data.rows_for_parents(Order.TABLE, "Id", order_ids, ["Id"])}

    def invoices_for_orders(self, order_ids: Iterable[int]) -> list[Invoice]:
        return self._where_in(Invoice, "JobId", order_ids)

    def order_items_for_orders(self, order_ids: Iterable[int]) -> list[OrderItem]:
        return self._where_in(OrderItem, "OrderId", order_ids)

    def invoice_items_for_invoices(self, invoice_ids: Iterable[int]) -> list[InvoiceItem]:
        return self._where_in(InvoiceItem, "InvoiceId", invoice_ids)

    # -- payments -------------------------------------------------------------------

    def payments_since(self, since: datetime, details: bool = True) -> Iterator[Payment]:
        """Payments whose PayDate is at or after `since`, with ref_num resolved, as a generator."""
        yield from self._payments({"PayDate": dates.since(since, self._zone)}, details)

    def payments_after_id(self, last_id: int, details: bool = True) -> Iterator[Payment]:
        """Payments with Id greater than `last_id` (new ones: Ids only grow), as a generator."""
        yield from self._payments({"Id": dates.id_above(last_id)}, details)

    def payments_for_invoices(self, invoice_ids: Iterable[int]) -> list[Payment]:
        payments = self._where_in(Payment, "InvoiceId", invoice_ids)
        return self._attach_charges(payments)

    def invoice_payments_for_invoices(self, invoice_ids: Iterable[int]) -> list[InvoicePayment]:
        return self._where_in(InvoicePayment, "InvoiceId", invoice_ids)

    def charges_by_ids(self, charge_ids: Iterable[int]) -> dict[int, Charge]:
        return {charge.id: charge for charge in self._where_in(Charge, "Id", charge_ids)}

    # -- reference data ------------------------------------------------------------

    def contacts_by_ids(self, contact_ids: Iterable[int]) -> list[Contact]:
        return self._where_in(Contact, "Id", contact_ids)

    def products_by_ids(self, product_ids: Iterable[int]) -> list[Product]:
        return self._where_in(Product, "Id", product_ids)

    def pay_plans_for_invoices(self, invoice_ids: Iterable[int]) -> list[PayPlan]:
        """Each invoice's payment plan with its PayPlanItems (seed 000's 'payment plan details')."""
        plans = self._where_in(PayPlan, "InvoiceId", invoice_ids)
        items_by_plan: dict[int, list[PayPlanItem]] = defaultdict(list)
        for item in self._where_in(PayPlanItem, "PayPlanId", (plan.id for plan in plans)):
            items_by_plan[item.pay_plan_id].append(item)
        return [replace(plan, items=tuple(items_by_plan.get(plan.id, ()))) for plan in plans]

    # -- internals -------------------------------------------------------------------

    def _where_in(self, record, field: str, ids: Iterable[int]) -> list:
        rows = self._data.rows_for_parents(record.TABLE, field, ids, record.FIELDS)
        return [record.from_row(row, self._zone) for row in rows]

    def _payments(self, query: dict, details: bool) -> Iterator[Payment]:
        # A page of payments, then (with details) one bulk CCharge read for that page:
        # memory stays bounded and no payment costs a call of its own.
        for page in self._data.iter_pages(Payment.TABLE, query, Payment.FIELDS):
            payments = [Payment.from_row(row, self._zone) for row in page]
            yield from self._attach_charges(payments) if details else payments

    def _attach_charges(self, payments: Sequence[Payment]) -> list[Payment]:
        charge_ids = [p.charge_id for p in payments if p.charge_id]
        charges = self.charges_by_ids(charge_ids) if charge_ids else {}
        last_four = self._card_last_fours(c.card_id for c in charges.values() if c.card_id)
        return [p.with_charge(charge, last_four.get(charge.card_id, "") if charge else "") if p.charge_id else p
                for p in payments for charge in (charges.get(p.charge_id),)]

    def _card_last_fours(self, card_ids: Iterable[int]) -> dict[int, str]:
        """CreditCard.Last4 by card id, for the payments' memos. Only the readable columns are asked for; an
        account whose key may not read CreditCard gives none (the memo goes without)."""
        card_ids = sorted(set(card_ids))
        if not card_ids:
            return {}
        try:
            return {card.id: card.last_four for card in self._where_in(CreditCard, "Id", card_ids) if card.last_four}
        except (NoAccessFault, NoSuchFieldFault) as exc:
            log.warning("card last four digits not readable (%s): payment memos go without them", exc)
            return {}


__all__ = ["OrderSource", "XmlRpcOrderSource"]

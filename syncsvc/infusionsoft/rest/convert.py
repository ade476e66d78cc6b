"""Keap REST v2 SDK models -> the records the engine reads (pure: no I/O).

The same order must give the engine the same records as XML-RPC gives, so the
switch from one API to the other posts nothing twice. Choices where the
contract is silent:

Money
- `CurrencyValue.amount` is an integer in minor units: Decimal(amount)
  scaled by the currency's ISO 4217 exponent (USD 2, JPY 0, KWD 3, ...). A
  currency code not in the table is an error naming it, never a guess. An
  amount without a code is taken in the books' currency ([sync].currency);
  an absent CurrencyValue or amount is 0 (proto3 JSON omits zero values).
- `Payment.amount` / `TransactionV2.amount` are decimal dollars (JSON
  doubles): Decimal(str(x)) turns the shortest repr into the Decimal the
  user typed (12.34 stays 12.34), with no float arithmetic.
- `Invoice.currency` is every currency code the order's amounts state,
  sorted and joined with "/" ("EUR/USD" when they disagree), or the books'
  currency when none is stated; the engine holds an order whose
  currency is not the books'.

Time
- REST times are ISO-8601 UTC; each becomes an aware datetime in the account
  zone ([infusionsoft].timezone) so `.date()` is the account's calendar day.
  A time without a zone is taken as UTC (logged once per field).
- Dates without time (plan dates) become 00:00 in the account zone.

Orders and their invoice (REST has no invoice object)
- Order: date_created = order_time (the user-set order date, as XML-RPC's
  Job.DateCreated), else creation_time; order_type ONLINE/OFFLINE is spelled
  "Online"/"Offline" as XML-RPC's Job.OrderType; order_status 0 (REST has no
  such field); source_type as Keap states it.
- Invoice: id = invoice_id (no invoice_id: no invoice); pay_status 1 when
  status is PAID, 0 for DRAFT/SENT/VIEWED, and for a missing or unknown status
  1 when total_paid >= total; refund_status from refund_total as XML-RPC
  counts it (0 none, 1 part of what was paid, 2 all of it); pay_plan_status
  1 when the order has a payment plan; credit_status 0; invoice_type =
  order_type.
- OrderItem: quantity and price_per_unit as stated. A line's `discount` and
  `special` are not folded into its price: if Keap ever carries a discount
  only there, the lines no longer add up to the order total and the engine
  holds the order instead of posting a wrong amount.
- Item types: names -> the XML-RPC codes (ItemType); TIP and FEE are sales
  lines on their product's item (SERVICE); OTHER and names the SDK does not
  know are UNKNOWN (logged once per name).
- PayPlan: REST plans and installments have no ids: the plan takes its
  invoice's id and each installment its 1-based position. Installment status
  PAID -> 2, partly paid -> 3, otherwise 1 (XML-RPC's codes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from syncsvc.infusionsoft.errors import InfusionsoftError
from syncsvc.infusionsoft.records import (
    Contact,
    Invoice,
    InvoicePayment,
    ItemType,
    Order,
    OrderItem,
    Payment,
    PayPlan,
    PayPlanItem,
    Product,
)
from syncsvc.infusionsoft.rest.notices import NOTICES, Notices
from syncsvc.infusionsoft.rest.tolerant import raw_value

ZERO = Decimal("0")

# ISO 4217 minor-unit exponents; everything else is refused by name.
MINOR_UNIT_EXPONENTS = {
    **dict.fromkeys(
        ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV",
         "XAF", "XOF", "XPF"),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(
        ("USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "RON",
         "BGN", "MXN", "BRL", "ARS", "COP", "PEN", "ZAR", "INR", "SGD", "HKD", "CNY", "TWD", "THB", "MYR",
         "PHP", "IDR", "ILS", "AED", "SAR", "QAR", "TRY", "NGN", "KES", "EGP", "PKR", "BDT", "LKR", "JMD",
         "TTD", "DOP", "CRC", "GTQ", "UAH", "GEL", "MAD"),
        2,
    ),
}

ITEM_TYPES = {
    "UNKNOWN": ItemType.UNKNOWN,
    "SHIPPING": ItemType.SHIPPING,
    "TAX": ItemType.TAX,
    "SERVICE": ItemType.SERVICE,
    "PRODUCT": ItemType.PRODUCT,
    "UPSELL": ItemType.UPSELL,
    "FINANCE_CHARGE": ItemType.FINANCE_CHARGE,
    "DISCOUNT": ItemType.SPECIAL,
    "PROGRAM": ItemType.PROGRAM,
    "SUBSCRIPTION": ItemType.SUBSCRIPTION,
    "DISCOUNT_FREE_TRIAL": ItemType.SPECIAL_FREE_TRIAL_DAYS,
    "DISCOUNT_ORDER_TOTAL": ItemType.SPECIAL_ORDER_TOTAL,
    "DISCOUNT_PRODUCT": ItemType.SPECIAL_PRODUCT,
    "DISCOUNT_PRODUCT_CATEGORY": ItemType.SPECIAL_CATEGORY,
    "DISCOUNT_SHIPPING": ItemType.SPECIAL_SHIPPING,
    "TIP": ItemType.SERVICE,
    "FEE": ItemType.SERVICE,
    "OTHER": ItemType.UNKNOWN,
}

ORDER_TYPES = {"ONLINE": "Online", "OFFLINE": "Offline"}
PAID_STATUS = "PAID"
UNPAID_STATUSES = frozenset({"DRAFT", "SENT", "VIEWED"})
REFUND_TYPE = "Refund"


class ConversionError(InfusionsoftError):
    """A Keap value this converter cannot turn into a record without guessing."""


@dataclass(frozen=True)
class Account:
    """What a conversion needs to know: the account's zone, and the currency of amounts Keap states none for."""

    zone: ZoneInfo
    currency: str = "USD"
    notices: Notices = NOTICES


# -- values --------------------------------------------------------------------------------


def identifier(value: Any, what: str) -> int:
    """A Keap id (a digit string) as int; 0 when absent."""
    if value is None or value == "":
        return 0
    text = str(value).strip()
    if not text.lstrip("-").isdigit():
        raise ConversionError(f"Keap {what} {text!r} is not a numeric id")
    return int(text)


def optional_identifier(value: Any, what: str) -> int | None:
    return identifier(value, what) or None


def minor_units(value: Any, account: Account, what: str) -> Decimal:
    """A CurrencyValue (integer minor units) as Decimal in major units."""
    if value is None or value.amount is None:
        return ZERO
    code = (value.currency_code or account.currency).strip().upper()
    exponent = MINOR_UNIT_EXPONENTS.get(code)
    if exponent is None:
        raise ConversionError(
            f"Keap states {what} in currency {code!r}, whose minor unit syncsvc does not know; "
            f"nothing in this order is converted"
        )
    return Decimal(value.amount).scaleb(-exponent)


def decimal_amount(value: float | int | None) -> Decimal:
    """A JSON double (Payment.amount) as the Decimal its shortest repr spells."""
    if value is None:
        return ZERO
    return Decimal(str(value))


def in_zone(moment: datetime | None, account: Account, what: str) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        account.notices.once(("naive", what), "Keap sent %s without a time zone (%s); read as UTC", what, moment)
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(account.zone)


def midnight(day: date | None, account: Account) -> datetime | None:
    if day is None:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=account.zone)


def item_type(name: Any, account: Account) -> ItemType:
    if name is None or name == "":
        return ItemType.UNKNOWN
    code = ITEM_TYPES.get(str(name).upper())
    if code is None:
        # The same key as the loader's enum notice: a type the SDK does not list is reported once, there.
        account.notices.once(("enum", "OrderItem", "item_type", str(name)),
                             "Keap order item type %r is unknown; read as UNKNOWN (0)", name)
        return ItemType.UNKNOWN
    return code


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


# -- orders --------------------------------------------------------------------------------


def order_record(order, account: Account) -> Order:
    order_type = _text(raw_value(order, "order_type"))
    return Order(
        id=identifier(order.id, "order id"),
        contact_id=identifier(order.contact.id if order.contact else None, f"order {order.id} contact id"),
        title=_text(order.title),
        date_created=_order_date(order, account),
        last_updated=in_zone(order.modification_time, account, "OrderV2.modification_time"),
        order_type=ORDER_TYPES.get(order_type.upper(), order_type),
        order_status=0,
        due_date=in_zone(order.due_time, account, "OrderV2.due_time"),
        source_type=_text(raw_value(order, "source_type")),
    )


def _order_date(order, account: Account) -> datetime | None:
    if order.order_time is not None:
        return in_zone(order.order_time, account, "OrderV2.order_time")
    return in_zone(order.creation_time, account, "OrderV2.creation_time")


def order_currency(order, account: Account) -> str:
    """The codes the order's amounts state, joined with '/' when they disagree."""
    amounts = [order.total, order.total_paid, order.total_due, order.refund_total]
    for item in order.order_items or ():
        amounts += [item.price_per_unit, item.cost_per_unit, item.discount]
    codes = sorted({a.currency_code.strip().upper() for a in amounts if a is not None and a.currency_code})
    return "/".join(codes) if codes else account.currency


def invoice_record(order, account: Account) -> Invoice | None:
    invoice_id = identifier(order.invoice_id, f"order {order.id} invoice id")
    if not invoice_id:
        return None
    what = f"order {order.id}"
    total = minor_units(order.total, account, f"{what} total")
    total_paid = minor_units(order.total_paid, account, f"{what} total_paid")
    refunded = abs(minor_units(order.refund_total, account, f"{what} refund_total"))
    order_type = _text(raw_value(order, "order_type"))
    return Invoice(
        id=invoice_id,
        order_id=identifier(order.id, "order id"),
        contact_id=identifier(order.contact.id if order.contact else None, f"{what} contact id"),
        date_created=_order_date(order, account),
        last_updated=in_zone(order.modification_time, account, "OrderV2.modification_time"),
        total=total,
        total_paid=total_paid,
        total_due=minor_units(order.total_due, account, f"{what} total_due"),
        pay_status=_pay_status(_text(raw_value(order, "status")).upper(), total, total_paid),
        refund_status=0 if refunded <= 0 else (2 if refunded >= total_paid else 1),
        pay_plan_status=1 if order.payment_plan is not None else 0,
        credit_status=0,
        description=_text(order.title),
        invoice_type=ORDER_TYPES.get(order_type.upper(), order_type),
        promo_code=_text(order.promo_code),
        currency=order_currency(order, account),
    )


def _pay_status(status: str, total: Decimal, total_paid: Decimal) -> int:
    if status == PAID_STATUS:
        return 1
    if status in UNPAID_STATUSES:
        return 0
    return 1 if total_paid >= total else 0


def order_item_records(order, account: Account) -> list[OrderItem]:
    order_id = identifier(order.id, "order id")
    records = []
    for item in order.order_items or ():
        what = f"order {order.id} item {item.id}"
        records.append(OrderItem(
            id=identifier(item.id, f"{what} id"),
            order_id=order_id,
            product_id=optional_identifier(item.product.id if item.product else None, f"{what} product id"),
            subscription_plan_id=optional_identifier(
                item.subscription_plan.id if item.subscription_plan else None, f"{what} subscription plan id"),
            name=_text(item.name),
            description=_text(item.description),
            quantity=Decimal(item.quantity or 0),
            cost_per_unit=minor_units(item.cost_per_unit, account, f"{what} cost_per_unit"),
            price_per_unit=minor_units(item.price_per_unit, account, f"{what} price_per_unit"),
            item_type=item_type(raw_value(item, "item_type"), account),
            notes=_text(item.notes),
        ))
    return records


def pay_plan_record(order, account: Account) -> PayPlan | None:
    plan = order.payment_plan
    invoice_id = identifier(order.invoice_id, f"order {order.id} invoice id")
    if plan is None or not invoice_id:
        return None
    what = f"order {order.id} payment plan"
    items = []
    for position, installment in enumerate(plan.payment_plan_items or (), start=1):
        due = minor_units(installment.amount_due, account, f"{what} installment {position} amount_due")
        paid = minor_units(installment.amount_paid, account, f"{what} installment {position} amount_paid")
        items.append(PayPlanItem(
            id=position,
            pay_plan_id=invoice_id,
            date_due=midnight(installment.due_date, account),
            amount_due=due,
            status=_installment_status(_text(raw_value(installment, "status")).upper(), due, paid),
            amount_paid=paid,
        ))
    first_due = plan.initial_payment_date or plan.plan_start_date
    return PayPlan(
        id=invoice_id,
        invoice_id=invoice_id,
        date_due=midnight(first_due, account),
        amount_due=sum((item.amount_due for item in items), ZERO),
        plan_type=1 if plan.auto_charge else 0,
        init_date=midnight(plan.initial_payment_date, account),
        start_date=midnight(plan.plan_start_date, account),
        first_payment_amount=minor_units(plan.initial_payment_amount, account, f"{what} initial_payment_amount"),
        items=tuple(items),
    )


def _installment_status(status: str, due: Decimal, paid: Decimal) -> int:
    if status == "PAID" or (due > 0 and paid >= due):
        return 2
    return 3 if paid > 0 else 1


# -- contacts and products --------------------------------------------------------------


def _by_field(entries: Iterable[Any] | None, wanted: str):
    """The entry whose `field` is `wanted`, else the first; None for none."""
    entries = list(entries or ())
    for entry in entries:
        if _text(raw_value(entry, "var_field")).upper() == wanted:
            return entry
    return entries[0] if entries else None


def contact_record(contact) -> Contact:
    email = _by_field(contact.email_addresses, "EMAIL1")
    address = _by_field(contact.addresses, "BILLING")
    phone = next((p for p in contact.phone_numbers or () if _text(raw_value(p, "var_field")).upper() == "PHONE1"), None)
    return Contact(
        id=identifier(contact.id, "contact id"),
        first_name=_text(contact.given_name),
        last_name=_text(contact.family_name),
        email=_text(email.email if email else None),
        company=_text(contact.company.company_name if contact.company else None),
        city=_text(address.locality if address else None),
        state=_text((address.region or address.region_code) if address else None),
        postal_code=_text(address.postal_code if address else None),
        country=_text((address.country or address.country_code) if address else None),
        street1=_text(address.line1 if address else None),
        street2=_text(address.line2 if address else None),
        phone=_text(phone.number if phone else None),
    )


def product_record(product, account: Account) -> Product:
    return Product(
        id=identifier(product.id, "product id"),
        name=_text(product.name),
        sku=_text(product.sku),
        price=minor_units(product.price, account, f"product {product.id} price"),
        taxable=bool(product.taxable),
        active=bool(product.active),
        short_description=_text(product.short_description),
    )


# -- payments ------------------------------------------------------------------------------


def payment_record(
    payment,
    account: Account,
    *,
    invoice_id: int,
    order_id: int | None,
    ref_num: str | None,
    is_refund: bool,
    refund_of: int | None = None,
) -> Payment:
    """`is_refund` (decided by the source, which sees the other payments and transactions)
    makes the amount negative and the pay type "Refund" when Keap gave none, as XML-RPC shows a refund."""
    amount = decimal_amount(payment.amount)
    pay_type = _text(payment.type)
    if is_refund:
        amount = -abs(amount)
        pay_type = pay_type or REFUND_TYPE
    return Payment(
        id=identifier(payment.id, "payment id"),
        invoice_id=invoice_id,
        contact_id=identifier(payment.contact_id, f"payment {payment.id} contact id"),
        pay_date=in_zone(payment.payment_time, account, "Payment.payment_time"),
        amount=amount,
        pay_type=pay_type,
        note=_text(payment.note),
        charge_id=None,
        refund_id=refund_of,
        user_id=0,
        ref_num=ref_num,
        order_id=order_id,
        card_last_four=_card_last_four(payment),
    )


def _card_last_four(payment) -> str:
    """payment_method.card_info.last_four, where Keap gives it (card payments); "" otherwise."""
    card_info = getattr(getattr(payment, "payment_method", None), "card_info", None)
    return _text(getattr(card_info, "last_four", None))


def invoice_payment_record(allocation, account: Account) -> InvoicePayment:
    return InvoicePayment(
        id=identifier(allocation.id, "invoice payment id"),
        invoice_id=identifier(allocation.invoice_id, f"invoice payment {allocation.id} invoice id"),
        payment_id=identifier(allocation.payment_id, f"invoice payment {allocation.id} payment id"),
        amount=decimal_amount(allocation.amount),
        pay_date=in_zone(allocation.pay_time, account, "InvoiceOrderPayment.pay_time"),
        pay_status=_text(raw_value(allocation, "pay_status")),
    )


__all__ = [
    "Account",
    "ConversionError",
    "ITEM_TYPES",
    "MINOR_UNIT_EXPONENTS",
    "contact_record",
    "decimal_amount",
    "identifier",
    "in_zone",
    "invoice_payment_record",
    "invoice_record",
    "item_type",
    "minor_units",
    "order_currency",
    "order_item_records",
    "order_record",
    "pay_plan_record",
    "payment_record",
    "product_record",
]

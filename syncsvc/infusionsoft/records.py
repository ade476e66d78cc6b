"""Typed read models of the Infusionsoft billing tables the sync needs.

Rows arrive as XML-RPC structs with naive datetimes in the account's zone,
doubles for money and any field possibly missing. `from_row` turns them into
these records: Decimal money, zone-aware datetimes, None for absent values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import IntEnum
from typing import Any, Mapping
from zoneinfo import ZoneInfo

CENT = Decimal("0.01")


class ItemType(IntEnum):
    """OrderItem.ItemType codes, numbered as Workato's connector page (seed 000) numbers them."""

    UNKNOWN = 0
    SHIPPING = 1
    TAX = 2
    SERVICE = 3
    PRODUCT = 4
    UPSELL = 5
    FINANCE_CHARGE = 6
    SPECIAL = 7
    PROGRAM = 8
    SUBSCRIPTION = 9
    SPECIAL_FREE_TRIAL_DAYS = 10
    SPECIAL_ORDER_TOTAL = 11
    SPECIAL_PRODUCT = 12
    SPECIAL_CATEGORY = 13
    SPECIAL_SHIPPING = 14

    @classmethod
    def parse(cls, value: Any) -> "ItemType":
        try:
            return cls(int(value))
        except (TypeError, ValueError):
            return cls.UNKNOWN

    @property
    def is_special(self) -> bool:
        """Specials are Infusionsoft's discounts (promo codes, free trial days, ...)."""
        return self in _SPECIALS


_SPECIALS = frozenset(
    {
        ItemType.SPECIAL,
        ItemType.SPECIAL_FREE_TRIAL_DAYS,
        ItemType.SPECIAL_ORDER_TOTAL,
        ItemType.SPECIAL_PRODUCT,
        ItemType.SPECIAL_CATEGORY,
        ItemType.SPECIAL_SHIPPING,
    }
)


# --- field converters -------------------------------------------------------


def money(value: Any) -> Decimal:
    """A double from the wire as Decimal, via its shortest repr (5.06, not 5.0599999...)."""
    if value is None or value == "":
        return Decimal("0")
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def integer(value: Any) -> int:
    if value is None or value == "":
        return 0
    return int(value)


def text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def optional_int(value: Any) -> int | None:
    number = integer(value)
    return number or None


def localize(value: Any, zone: ZoneInfo) -> datetime | None:
    """A naive account-local datetime (or 'YYYYMMDDTHH:MM:SS' text) made zone-aware."""
    if value is None or value == "":
        return None
    if hasattr(value, "value") and not isinstance(value, (datetime, date)):  # xmlrpc.client.DateTime
        value = value.value
    if isinstance(value, str):
        value = value.strip()
        value = datetime.strptime(value, "%Y%m%dT%H:%M:%S") if "T" in value and "-" not in value else datetime.fromisoformat(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        return value.astimezone(zone)
    # fold=0: in the repeated November hour take the first (daylight) occurrence.
    return value.replace(tzinfo=zone)


# --- records ------------------------------------------------------------------


@dataclass(frozen=True)
class Order:
    """A Job row: the order. Its Id is the 'invoice number' printed on the invoice."""

    TABLE = "Job"
    FIELDS = ("Id", "ContactId", "JobTitle", "DateCreated", "LastUpdated", "OrderType", "OrderStatus", "DueDate")

    id: int
    contact_id: int
    title: str
    date_created: datetime | None
    last_updated: datetime | None
    order_type: str
    order_status: int
    due_date: datetime | None
    # Where Keap says the order came from (REST v2's source_type, e.g. "QUICKBOOKS"); "" when unknown.
    source_type: str = ""

    @classmethod
    def from_row(cls, row: Mapping[str, Any], zone: ZoneInfo) -> "Order":
        return cls(
            id=integer(row.get("Id")),
            contact_id=integer(row.get("ContactId")),
            title=text(row.get("JobTitle")),
            date_created=localize(row.get("DateCreated"), zone),
            last_updated=localize(row.get("LastUpdated"), zone),
            order_type=text(row.get("OrderType")),
            order_status=integer(row.get("OrderStatus")),
            due_date=localize(row.get("DueDate"), zone),
        )


@dataclass(frozen=True)
class Invoice:
    TABLE = "Invoice"
    FIELDS = (
        "Id", "JobId", "ContactId", "DateCreated", "LastUpdated", "InvoiceTotal", "TotalPaid",
        "TotalDue", "PayStatus", "RefundStatus", "PayPlanStatus", "CreditStatus", "Description",
        "InvoiceType", "PromoCode",
    )

    id: int
    order_id: int
    contact_id: int
    date_created: datetime | None
    last_updated: datetime | None
    total: Decimal
    total_paid: Decimal
    total_due: Decimal
    pay_status: int
    refund_status: int
    pay_plan_status: int
    credit_status: int
    description: str
    invoice_type: str
    promo_code: str
    # ISO code of the amounts, where the API states one (REST v2 does; XML-RPC does not: "").
    currency: str = ""

    @property
    def paid_in_full(self) -> bool:
        return self.pay_status == 1

    @classmethod
    def from_row(cls, row: Mapping[str, Any], zone: ZoneInfo) -> "Invoice":
        return cls(
            id=integer(row.get("Id")),
            order_id=integer(row.get("JobId")),
            contact_id=integer(row.get("ContactId")),
            date_created=localize(row.get("DateCreated"), zone),
            last_updated=localize(row.get("LastUpdated"), zone),
            total=money(row.get("InvoiceTotal")),
            total_paid=money(row.get("TotalPaid")),
            total_due=money(row.get("TotalDue")),
            pay_status=integer(row.get("PayStatus")),
            refund_status=integer(row.get("RefundStatus")),
            pay_plan_status=integer(row.get("PayPlanStatus")),
            credit_status=integer(row.get("CreditStatus")),
            description=text(row.get("Description")),
            invoice_type=text(row.get("InvoiceType")),
            promo_code=text(row.get("PromoCode")),
        )


@dataclass(frozen=True)
class OrderItem:
    TABLE = "OrderItem"
    FIELDS = ("Id", "OrderId", "ProductId", "SubscriptionPlanId", "ItemName", "ItemDescription", "Qty", "CPU", "PPU", "ItemType", "Notes")

    id: int
    order_id: int
    product_id: int | None
    subscription_plan_id: int | None
    name: str
    description: str
    quantity: Decimal
    cost_per_unit: Decimal
    price_per_unit: Decimal
    item_type: ItemType
    notes: str

    @property
    def amount(self) -> Decimal:
        return (self.price_per_unit * self.quantity).quantize(CENT)

    @classmethod
    def from_row(cls, row: Mapping[str, Any], zone: ZoneInfo) -> "OrderItem":
        return cls(
            id=integer(row.get("Id")),
            order_id=integer(row.get("OrderId")),
            product_id=optional_int(row.get("ProductId")),
            subscription_plan_id=optional_int(row.get("SubscriptionPlanId")),
            name=text(row.get("ItemName")),
            description=text(row.get("ItemDescription")),
            quantity=money(row.get("Qty")),
            cost_per_unit=money(row.get("CPU")),
            price_per_unit=money(row.get("PPU")),
            item_type=ItemType.parse(row.get("ItemType")),
            notes=text(row.get("Notes")),
        )


@dataclass(frozen=True)
class InvoiceItem:
    TABLE = "InvoiceItem"
    FIELDS = ("Id", "InvoiceId", "OrderItemId", "InvoiceAmt", "Discount", "Description", "DateCreated")

    id: int
    invoice_id: int
    order_item_id: int
    amount: Decimal
    discount: Decimal
    description: str
    date_created: datetime | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any], zone: ZoneInfo) -> "InvoiceItem":
        return cls(
            id=integer(row.get("Id")),
            invoice_id=integer(row.get("InvoiceId")),
            order_item_id=integer(row.get("OrderItemId")),
            amount=money(row.get("InvoiceAmt")),
            discount=money(row.get("Discount")),
            description=text(row.get("Description")),
            date_created=localize(row.get("DateCreated"), zone),
        )


@dataclass(frozen=True)
class Charge:
    """A CCharge row: the card charge behind a payment, with the merchant's RefNum."""

    TABLE = "CCharge"
    FIELDS = ("Id", "PaymentId", "RefNum", "ApprCode", "Amt", "MerchantId", "OrderNum", "CCId")

    id: int
    payment_id: int
    ref_num: str
    approval_code: str
    amount: Decimal
    merchant_id: int
    order_num: str
    card_id: int = 0  # CCId: the CreditCard charged (its Last4 goes in the payment's memo)

    @classmethod
    def from_row(cls, row: Mapping[str, Any], zone: ZoneInfo) -> "Charge":
        return cls(
            id=integer(row.get("Id")),
            payment_id=integer(row.get("PaymentId")),
            ref_num=text(row.get("RefNum")),
            approval_code=text(row.get("ApprCode")),
            amount=money(row.get("Amt")),
            merchant_id=integer(row.get("MerchantId")),
            order_num=text(row.get("OrderNum")),
            card_id=integer(row.get("CCId")),
        )


@dataclass(frozen=True)
class CreditCard:
    """The readable part of a CreditCard row: its last four digits (CardNumber and CVV2 are write-only)."""

    TABLE = "CreditCard"
    FIELDS = ("Id", "Last4")

    id: int
    last_four: str

    @classmethod
    def from_row(cls, row: Mapping[str, Any], zone: ZoneInfo) -> "CreditCard":
        return cls(id=integer(row.get("Id")), last_four=text(row.get("Last4")))


@dataclass(frozen=True)
class Payment:
    """A Payment row. `ref_num` is the merchant RefNum from its CCharge; None for manual payments."""

    TABLE = "Payment"
    FIELDS = ("Id", "InvoiceId", "ContactId", "PayDate", "PayAmt", "PayType", "PayNote", "ChargeId", "RefundId", "UserId")

    id: int
    invoice_id: int
    contact_id: int
    pay_date: datetime | None
    amount: Decimal
    pay_type: str
    note: str
    charge_id: int | None
    refund_id: int | None
    user_id: int
    ref_num: str | None = None
    # The order the payment was taken against, where the API says so directly (REST v2's
    # order_ids); None when only the invoice is known (XML-RPC).
    order_id: int | None = None
    # The last four digits of the card charged, where Keap says (REST v2's payment_method.card_info,
    # XML-RPC's CreditCard.Last4 through the CCharge); "" otherwise.
    card_last_four: str = ""

    @property
    def is_manual(self) -> bool:
        return self.charge_id is None

    @property
    def is_refund(self) -> bool:
        return self.pay_type.lower() == "refund" or self.amount < 0

    def with_charge(self, charge: Charge | None, card_last_four: str = "") -> "Payment":
        from dataclasses import replace

        return replace(self, ref_num=(charge.ref_num or None) if charge else None,
                       card_last_four=card_last_four if charge else "")

    @classmethod
    def from_row(cls, row: Mapping[str, Any], zone: ZoneInfo) -> "Payment":
        return cls(
            id=integer(row.get("Id")),
            invoice_id=integer(row.get("InvoiceId")),
            contact_id=integer(row.get("ContactId")),
            pay_date=localize(row.get("PayDate"), zone),
            amount=money(row.get("PayAmt")),
            pay_type=text(row.get("PayType")),
            note=text(row.get("PayNote")),
            charge_id=optional_int(row.get("ChargeId")),
            refund_id=optional_int(row.get("RefundId")),
            user_id=integer(row.get("UserId")),
        )


@dataclass(frozen=True)
class InvoicePayment:
    """The allocation of a payment to an invoice."""

    TABLE = "InvoicePayment"
    FIELDS = ("Id", "InvoiceId", "PaymentId", "Amt", "PayDate", "PayStatus")

    id: int
    invoice_id: int
    payment_id: int
    amount: Decimal
    pay_date: datetime | None
    pay_status: str

    @classmethod
    def from_row(cls, row: Mapping[str, Any], zone: ZoneInfo) -> "InvoicePayment":
        return cls(
            id=integer(row.get("Id")),
            invoice_id=integer(row.get("InvoiceId")),
            payment_id=integer(row.get("PaymentId")),
            amount=money(row.get("Amt")),
            pay_date=localize(row.get("PayDate"), zone),
            pay_status=text(row.get("PayStatus")),
        )


@dataclass(frozen=True)
class Contact:
    TABLE = "Contact"
    FIELDS = (
        "Id", "FirstName", "LastName", "Email", "Company", "City", "State", "PostalCode",
        "Country", "StreetAddress1", "StreetAddress2", "Phone1",
    )

    id: int
    first_name: str
    last_name: str
    email: str
    company: str
    city: str
    state: str
    postal_code: str
    country: str
    street1: str
    street2: str
    phone: str

    @classmethod
    def from_row(cls, row: Mapping[str, Any], zone: ZoneInfo) -> "Contact":
        return cls(
            id=integer(row.get("Id")),
            first_name=text(row.get("FirstName")),
            last_name=text(row.get("LastName")),
            email=text(row.get("Email")),
            company=text(row.get("Company")),
            city=text(row.get("City")),
            state=text(row.get("State")),
            postal_code=text(row.get("PostalCode")),
            country=text(row.get("Country")),
            street1=text(row.get("StreetAddress1")),
            street2=text(row.get("StreetAddress2")),
            phone=text(row.get("Phone1")),
        )


@dataclass(frozen=True)
class Product:
    TABLE = "Product"
    FIELDS = ("Id", "ProductName", "Sku", "ProductPrice", "Taxable", "Status", "ShortDescription")

    id: int
    name: str
    sku: str
    price: Decimal
    taxable: bool
    active: bool
    short_description: str

    @classmethod
    def from_row(cls, row: Mapping[str, Any], zone: ZoneInfo) -> "Product":
        return cls(
            id=integer(row.get("Id")),
            name=text(row.get("ProductName")),
            sku=text(row.get("Sku")),
            price=money(row.get("ProductPrice")),
            taxable=bool(integer(row.get("Taxable"))),
            active=bool(integer(row.get("Status"))),
            short_description=text(row.get("ShortDescription")),
        )


@dataclass(frozen=True)
class PayPlanItem:
    TABLE = "PayPlanItem"
    FIELDS = ("Id", "PayPlanId", "DateDue", "AmtDue", "Status", "AmtPaid")

    id: int
    pay_plan_id: int
    date_due: datetime | None
    amount_due: Decimal
    status: int
    amount_paid: Decimal

    @classmethod
    def from_row(cls, row: Mapping[str, Any], zone: ZoneInfo) -> "PayPlanItem":
        return cls(
            id=integer(row.get("Id")),
            pay_plan_id=integer(row.get("PayPlanId")),
            date_due=localize(row.get("DateDue"), zone),
            amount_due=money(row.get("AmtDue")),
            status=integer(row.get("Status")),
            amount_paid=money(row.get("AmtPaid")),
        )


@dataclass(frozen=True)
class PayPlan:
    TABLE = "PayPlan"
    FIELDS = ("Id", "InvoiceId", "DateDue", "AmtDue", "Type", "InitDate", "StartDate", "FirstPayAmt")

    id: int
    invoice_id: int
    date_due: datetime | None
    amount_due: Decimal
    plan_type: int
    init_date: datetime | None
    start_date: datetime | None
    first_payment_amount: Decimal
    items: tuple[PayPlanItem, ...] = ()

    @classmethod
    def from_row(cls, row: Mapping[str, Any], zone: ZoneInfo) -> "PayPlan":
        return cls(
            id=integer(row.get("Id")),
            invoice_id=integer(row.get("InvoiceId")),
            date_due=localize(row.get("DateDue"), zone),
            amount_due=money(row.get("AmtDue")),
            plan_type=integer(row.get("Type")),
            init_date=localize(row.get("InitDate"), zone),
            start_date=localize(row.get("StartDate"), zone),
            first_payment_amount=money(row.get("FirstPayAmt")),
        )

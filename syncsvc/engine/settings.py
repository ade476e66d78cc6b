"""EngineSettings: every choice the planner makes that a user can change.

One frozen dataclass with defaults, so the engine stays a function of its
inputs. config.py builds it from the [sync] section of the TOML file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from syncsvc.errors import ConfigError

POSTING_MODES = ("invoice_and_payments", "invoice", "sales_receipt")
DOC_NUMBER_SOURCES = ("order_id", "invoice_id")
ITEM_MATCH_FIELDS = ("name", "sku")
TAX_MODES = ("line", "txn_tax_detail")
ITEM_TYPES = ("NonInventory", "Service")
REFUND_MODES = ("refund_receipt", "credit_memo", "report")

# Infusionsoft PayType (compared case-insensitively) -> QBO payment method name.
DEFAULT_PAYMENT_METHODS: tuple[tuple[str, str], ...] = (
    ("credit card", "Credit Card"),
    ("credit card (manual)", "Credit Card"),
    ("visa", "Visa"),
    ("mastercard", "MasterCard"),
    ("american express", "American Express"),
    ("discover", "Discover"),
    ("check", "Check"),
    ("cash", "Cash"),
    ("money order", "Money Order"),
    ("paypal", "PayPal"),
    ("ach", "ACH"),
    ("bank transfer", "ACH"),
    ("credit", "Credit"),
)


@dataclass(frozen=True)
class EngineSettings:
    # How an order reaches QBO: "invoice_and_payments" (an Invoice, then one
    # Payment per Infusionsoft payment as it is paid), "invoice" (Invoices
    # only, never payments) or "sales_receipt" (one SalesReceipt once the
    # invoice is paid in full).
    posting_mode: str = "invoice_and_payments"
    # Post only orders whose invoice is paid in full, so a declined charge
    # (an invoice with no payment) never books a sale.
    paid_only: bool = False

    # QBO DocNumber: "order_id" (the invoice number printed on the Infusionsoft
    # invoice) or "invoice_id". They differ once orders have been deleted.
    doc_number_source: str = "order_id"
    # Put before the DocNumber (e.g. "IS-") so it cannot clash with numbers
    # QBO or people assigned. DocNumber must fit 21 characters.
    doc_number_prefix: str = ""

    # Orders/invoices are re-read from this many minutes before the last
    # LastUpdated seen (clock skew, DST edges, second resolution).
    order_overlap_minutes: int = 120
    # Payments are re-read from this many hours before the last PayDate seen:
    # manual payments are stamped 12:00 AM of their day, so one entered at
    # 3 pm must still fall inside the next window.
    payment_lookback_hours: int = 20
    # Nothing older than this is read, on the first run or after. None: no bound.
    # Zone-aware (the account's zone).
    start_date: datetime | None = None

    # Which QBO item field an Infusionsoft product SKU is matched against:
    # "name" (the item Name, as the connector we replace did) or "sku".
    match_items_on: str = "name"
    # Item for order items without product, SKU or name. The order still
    # posts, with a warning naming what to fix in Infusionsoft.
    unknown_item_name: str = "unknown do not delete"
    # A SKU with no QBO item: create the item (Name = Sku = the SKU) when
    # true; post on the unknown item with a warning when false.
    create_missing_items: bool = True
    # Income account (name) and type of the items the sync creates.
    item_income_account: str = "Sales of Product Income"
    item_type: str = "NonInventory"
    # Items that carry the non-product order lines.
    shipping_item_name: str = "Shipping"
    finance_charge_item_name: str = "Finance Charge"
    # Specials (promo codes, free trial days, ...) post as negative lines on
    # this item, which keeps the QBO total exactly equal to Infusionsoft's.
    discount_item_name: str = "Discount"
    # Tax: "line" (a sales line on tax_item_name: the QBO total always equals
    # Infusionsoft's) or "txn_tax_detail" (the document's TxnTaxDetail.TotalTax;
    # QBO automated sales tax may recompute it).
    tax_mode: str = "line"
    tax_item_name: str = "Sales Tax"

    # Accounts the items above post to (created when QuickBooks has none of that name). Sales tax
    # collected is owed to the state, not earned: it goes to a liability ("Other Current Liability"),
    # so the P&L is not overstated and the balance sheet shows what is owed. Shipping charged is
    # income of its own, and discounts go to QBO's own contra-income account "Discounts given"
    # (type Income), so gross sales, shipping and discounts each read on their own P&L line.
    tax_account: str = "Sales Tax Payable"
    shipping_account: str = "Shipping Income"
    discount_account: str = "Discounts given"

    # Infusionsoft PayType -> QBO payment method name (case-insensitive keys).
    payment_methods: tuple[tuple[str, str], ...] = field(default=DEFAULT_PAYMENT_METHODS)
    # Method for pay types not in payment_methods; "" posts no method (with a warning).
    default_payment_method: str = ""
    # Reference of a manual payment (no card charge): this prefix + payment id.
    manual_payment_ref_prefix: str = "IS-PAY-"
    # The currency the QuickBooks books are kept in. An order whose amounts Keap
    # states in another currency (REST v2 does; XML-RPC does not) is held.
    currency: str = "USD"

    # How a refund in Keap is booked (engine/refunds.py): "refund_receipt" (money returned: a
    # RefundReceipt out of the deposit account; where the order's payments are not posted, a credit
    # memo applied to the open invoice), "credit_memo" (always a CreditMemo: the customer's credit, applied
    # to the invoice only where payments are not posted) or "report" (not booked, reported as skipped).
    refunds: str = "refund_receipt"
    # Item a partial refund's single line posts on (a full refund repeats the order's lines).
    refund_item_name: str = "Refunds"

    def validate(self, where: str = "[sync]") -> None:
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise ConfigError(f"{where}: currency = {self.currency!r} is not a 3-letter ISO code such as \"USD\"")
        _one_of(where, "posting_mode", self.posting_mode, POSTING_MODES)
        _one_of(where, "doc_number_source", self.doc_number_source, DOC_NUMBER_SOURCES)
        _one_of(where, "match_items_on", self.match_items_on, ITEM_MATCH_FIELDS)
        _one_of(where, "tax_mode", self.tax_mode, TAX_MODES)
        _one_of(where, "item_type", self.item_type, ITEM_TYPES)
        _one_of(where, "refunds", self.refunds, REFUND_MODES)
        if self.order_overlap_minutes < 0 or self.payment_lookback_hours < 0:
            raise ConfigError(f"{where}: order_overlap_minutes and payment_lookback_hours must be >= 0")
        if len(self.doc_number_prefix) > 12:
            raise ConfigError(f"{where}: doc_number_prefix {self.doc_number_prefix!r} leaves too little of QBO's 21 characters")
        if self.start_date is not None and self.start_date.tzinfo is None:
            raise ConfigError(f"{where}: start_date needs a time zone")
        for name in ("unknown_item_name", "shipping_item_name", "finance_charge_item_name", "discount_item_name", "tax_item_name",
                     "refund_item_name"):
            value = getattr(self, name)
            if not value.strip() or ":" in value or len(value) > 100:
                raise ConfigError(f"{where}: {name} = {value!r} must be 1-100 characters without ':'")
        for name in ("item_income_account", "tax_account", "shipping_account", "discount_account"):
            value = getattr(self, name)
            if not value.strip() or ":" in value or '"' in value or len(value) > 100:
                raise ConfigError(f"{where}: {name} = {value!r} must name a QuickBooks account "
                                  f"(1-100 characters without ':' or '\"')")

    def payment_method_for(self, pay_type: str) -> str:
        wanted = pay_type.strip().casefold()
        for infusionsoft_type, qbo_method in self.payment_methods:
            if infusionsoft_type.strip().casefold() == wanted:
                return qbo_method
        return self.default_payment_method


def _one_of(where: str, name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(f"{where}: {name} = {value!r} is not one of {', '.join(allowed)}")

"""InvoiceService: one typed method per XML-RPC method (seed 001, plus seed 002's id lookups).

Money goes out as <double> from Decimal and comes back as Decimal; dates go
out as aware datetimes rendered in the account's zone; ids are ints. Note
that order (Job) ids and invoice ids differ: `create_blank_order` returns the
INVOICE id, which every other invoice method takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Mapping

from syncsvc.infusionsoft.records import ItemType, Payment, money, text
from syncsvc.infusionsoft.transport import XmlRpcTransport


@dataclass(frozen=True)
class ChargeResult:
    """chargeInvoice's answer. `code` is APPROVED, DECLINED, ERROR or SKIPPED (nothing due)."""

    successful: bool
    code: str
    ref_num: str | None
    message: str

    @classmethod
    def from_struct(cls, struct: Mapping[str, Any]) -> "ChargeResult":
        ref = text(struct.get("RefNum"))
        return cls(
            successful=_truthy(struct.get("Successful")),
            code=text(struct.get("Code")).upper(),
            ref_num=ref if ref and ref != "0" else None,
            message=" ".join(text(struct.get("Message")).split()),  # undo pretty-print line breaks
        )


@dataclass(frozen=True)
class CardValidation:
    valid: bool
    message: str

    @classmethod
    def from_struct(cls, struct: Mapping[str, Any]) -> "CardValidation":
        return cls(valid=_truthy(struct.get("Valid")), message=" ".join(text(struct.get("Message")).split()))


@dataclass(frozen=True)
class NewCard:
    """Card details for validateCreditCard's second form. The repr hides number and CVV."""

    card_type: str
    contact_id: int
    card_number: str
    expiration_month: str
    expiration_year: str
    cvv2: str

    def __repr__(self) -> str:
        return f"NewCard(card_type={self.card_type!r}, contact_id={self.contact_id}, last4={self.card_number[-4:]!r})"

    def to_struct(self) -> dict[str, Any]:
        return {
            "CardType": self.card_type,
            "ContactId": int(self.contact_id),
            "CardNumber": self.card_number,
            "ExpirationMonth": self.expiration_month,
            "ExpirationYear": self.expiration_year,
            "CVV2": self.cvv2,
        }


def _truthy(value: Any) -> bool:
    """Booleans arrive as <boolean>, as ints, or as untyped text ('false' in validateCreditCard)."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def _money_param(amount: Decimal | int | str) -> Decimal:
    if isinstance(amount, float):
        raise TypeError("pass money as Decimal, not float")
    return Decimal(amount)


def _moment(value: datetime | date) -> datetime | date:
    if isinstance(value, datetime) and value.tzinfo is None:
        raise ValueError("pass an aware datetime (or a date); Infusionsoft dates are rendered in the account's zone")
    return value


class InvoiceService:
    def __init__(self, transport: XmlRpcTransport) -> None:
        self._transport = transport

    def _call(self, method: str, *params: Any) -> Any:
        return self._transport.call(f"InvoiceService.{method}", *params)

    # -- orders and items ---------------------------------------------------------

    def create_blank_order(
        self, contact_id: int, description: str, order_date: datetime | date,
        lead_affiliate_id: int = 0, sale_affiliate_id: int = 0,
    ) -> int:
        """A one-time order with no items; returns its INVOICE id."""
        return int(self._call(
            "createBlankOrder", int(contact_id), description, _moment(order_date),
            int(lead_affiliate_id), int(sale_affiliate_id),
        ))

    def add_order_item(
        self, invoice_id: int, product_id: int, item_type: ItemType, price: Decimal, quantity: int,
        description: str, notes: str = "",
    ) -> bool:
        return _truthy(self._call(
            "addOrderItem", int(invoice_id), int(product_id), int(ItemType(item_type)),
            _money_param(price), int(quantity), description, notes,
        ))

    def delete_invoice(self, invoice_id: int) -> bool:
        """Deletes the invoice and its order (Job)."""
        return _truthy(self._call("deleteInvoice", int(invoice_id)))

    def recalculate_tax(self, invoice_id: int) -> bool:
        return _truthy(self._call("recalculateTax", int(invoice_id)))

    def get_invoice_id(self, order_id: int) -> int:
        return int(self._call("getInvoiceId", int(order_id)))

    def get_order_id(self, invoice_id: int) -> int:
        return int(self._call("getOrderId", int(invoice_id)))

    # -- money ----------------------------------------------------------------------

    def calculate_amount_owed(self, invoice_id: int) -> Decimal:
        return money(self._call("calculateAmountOwed", int(invoice_id)))

    def charge_invoice(
        self, invoice_id: int, notes: str, credit_card_id: int, merchant_account_id: int,
        bypass_commissions: bool = False,
    ) -> ChargeResult:
        return ChargeResult.from_struct(self._call(
            "chargeInvoice", int(invoice_id), notes, int(credit_card_id), int(merchant_account_id),
            bool(bypass_commissions),
        ) or {})

    def add_manual_payment(
        self, invoice_id: int, amount: Decimal, payment_date: datetime | date, payment_type: str,
        description: str = "", bypass_commissions: bool = False,
    ) -> bool:
        return _truthy(self._call(
            "addManualPayment", int(invoice_id), _money_param(amount), _moment(payment_date),
            payment_type, description, bool(bypass_commissions),
        ))

    def add_payment_plan(
        self, invoice_id: int, auto_charge: bool, credit_card_id: int, merchant_account_id: int,
        days_between_retry: int, max_retry: int, initial_payment_amount: Decimal,
        initial_payment_date: datetime | date, plan_start_date: datetime | date,
        number_of_payments: int, days_between_payments: int,
    ) -> bool:
        return _truthy(self._call(
            "addPaymentPlan", int(invoice_id), bool(auto_charge), int(credit_card_id),
            int(merchant_account_id), int(days_between_retry), int(max_retry),
            _money_param(initial_payment_amount), _moment(initial_payment_date), _moment(plan_start_date),
            int(number_of_payments), int(days_between_payments),
        ))

    def get_payments(self, invoice_id: int) -> list[Payment]:
        rows = self._call("getPayments", int(invoice_id)) or []
        return [Payment.from_row(row, self._transport.zone) for row in rows]

    def get_all_payment_options(self) -> dict[str, str]:
        """The PayType strings configured in the app (name -> label)."""
        return {str(k).strip(): text(v) for k, v in (self._call("getAllPaymentOptions") or {}).items()}

    def get_all_shipping_options(self) -> Any:
        """Documented as returning the shipping options; the seed sample shows a bare boolean."""
        return self._call("getAllShippingOptions")

    # -- cards ------------------------------------------------------------------------

    def locate_existing_card(self, contact_id: int, last4: str) -> int | None:
        """The card id on file whose number ends in `last4`; None when there is none."""
        card_id = int(self._call("locateExistingCard", int(contact_id), str(last4)))
        return card_id or None

    def validate_credit_card(self, card: int | NewCard) -> CardValidation:
        """Validate a stored card (by id) or new card details, without charging."""
        param = int(card) if isinstance(card, int) else card.to_struct()
        return CardValidation.from_struct(self._call("validateCreditCard", param) or {})

    # -- subscriptions and commissions --------------------------------------------

    def add_recurring_order(
        self, contact_id: int, allow_duplicate: bool, subscription_plan_id: int, quantity: int,
        price: Decimal, taxable: bool, merchant_account_id: int, credit_card_id: int,
        affiliate_id: int = 0, days_till_charge: int = 0,
    ) -> int:
        """A subscription; returns its RecurringOrder id."""
        return int(self._call(
            "addRecurringOrder", int(contact_id), bool(allow_duplicate), int(subscription_plan_id),
            int(quantity), _money_param(price), bool(taxable), int(merchant_account_id),
            int(credit_card_id), int(affiliate_id), int(days_till_charge),
        ))

    def create_invoice_for_recurring(self, recurring_order_id: int) -> int | None:
        """An invoice for all due cycles; None when nothing was due (the API's 0)."""
        return int(self._call("createInvoiceForRecurring", int(recurring_order_id))) or None

    def delete_subscription(self, recurring_order_id: int) -> bool:
        return _truthy(self._call("deleteSubscription", int(recurring_order_id)))

    def update_job_recurring_next_bill_date(self, recurring_order_id: int, next_bill_date: datetime | date) -> bool:
        return _truthy(self._call("updateJobRecurringNextBillDate", int(recurring_order_id), _moment(next_bill_date)))

    def add_order_commission_override(
        self, invoice_id: int, affiliate_id: int, product_id: int, percentage: int, amount: Decimal,
        payout_type: int, description: str, commission_date: datetime | date,
    ) -> bool:
        """payout_type: 4 = paid up front in full, 5 = earned when the customer pays."""
        return _truthy(self._call(
            "addOrderCommissionOverride", int(invoice_id), int(affiliate_id), int(product_id),
            int(percentage), _money_param(amount), int(payout_type), description, _moment(commission_date),
        ))

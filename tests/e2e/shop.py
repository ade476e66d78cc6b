"""Building Infusionsoft data in the sandbox the way a shop would (through billing, like the API does)."""

from __future__ import annotations

from decimal import Decimal

from syncsvc.sandbox.infusionsoft import billing
from syncsvc.sandbox.infusionsoft.store import DECLINE_CARD


class Shop:
    def __init__(self, store) -> None:
        self.store = store

    def contact(self, first="Jane", last="Smith", email="jane@example.com", company="", city="") -> int:
        return self.store.add_contact(FirstName=first, LastName=last, Email=email, Company=company, City=city)

    def product(self, name="Widget", sku="WID-1", price="40.00") -> int:
        return self.store.add_product(ProductName=name, Sku=sku, ProductPrice=price)

    def order(self, contact_id: int, *lines: tuple[int, str, int], title="Web order") -> tuple[int, int]:
        """An order with (product_id, price, quantity) product lines; returns (order_id, invoice_id)."""
        invoice_id = billing.create_order(self.store, contact_id, title)
        for product_id, price, qty in lines:
            name = self.store.get("Product", product_id)["ProductName"] if product_id else ""
            billing.add_item(self.store, invoice_id, product_id, 4, price, qty, name)
        return self.store.get("Invoice", invoice_id)["JobId"], invoice_id

    def charge(self, invoice_id: int, contact_id: int, amount=None, declined=False) -> billing.ChargeResult:
        card = self.store.add_credit_card(contact_id, DECLINE_CARD) if declined else self.store.add_credit_card(contact_id)
        due = self.store.get("Invoice", invoice_id)["TotalDue"]
        return billing.charge_card(self.store, invoice_id, card, Decimal(amount) if amount else due)

    def pay_manually(self, invoice_id: int, amount, when, pay_type="Check") -> int:
        return billing.add_manual_payment(self.store, invoice_id, amount, when, pay_type)

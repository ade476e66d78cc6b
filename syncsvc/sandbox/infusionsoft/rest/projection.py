"""Views -> the JSON objects of Keap's REST v2 contract (OrderV2, Payment, TransactionV2, ...).

Absent values (None) are left out; strings are written as stored, "" included.
Ids are strings, times UTC "Z" strings, plan dates account-zone dates, and money
a CurrencyValue except where the contract types it as a number of dollars.
"""

from __future__ import annotations

from decimal import Decimal

from ..store import AccountStore
from .encoding import currency_value, date_text, dollars, id_text, utc_text, without_absent
from .views import (
    DISCOUNT_ITEM_TYPES, ITEM_TYPES, MERCHANT_ACCOUNT_TYPE, SUBSCRIPTION_ITEM_TYPE, AllocationView, ContactView,
    OrderView, PaymentView, TransactionView,
)

# Country names the generator and fixtures use -> ISO 3166-1 alpha-3 (Address.country_code).
COUNTRY_CODES = {
    "united states": "USA", "usa": "USA", "us": "USA", "united states of america": "USA", "canada": "CAN",
    "mexico": "MEX", "united kingdom": "GBR", "great britain": "GBR", "ireland": "IRL", "australia": "AUS",
    "new zealand": "NZL", "germany": "DEU", "france": "FRA", "spain": "ESP", "italy": "ITA",
    "netherlands": "NLD", "sweden": "SWE", "norway": "NOR", "denmark": "DNK", "switzerland": "CHE",
    "india": "IND", "japan": "JPN", "brazil": "BRA",
}

CONTACT_DEFAULT_FIELDS = ("id", "given_name", "family_name", "email_addresses")
# Contact properties the contract lets `fields=` name (ContactApi.list_contacts).
CONTACT_SELECTABLE_FIELDS = frozenset({
    "addresses", "anniversary_date", "birth_date", "company", "contact_type", "create_time", "custom_fields",
    "email_addresses", "family_name", "fax_numbers", "given_name", "id", "job_title", "leadsource_id", "links",
    "middle_name", "notes", "origin", "owner_id", "phone_numbers", "preferred_locale", "preferred_name", "prefix",
    "referral_code", "score_value", "social_accounts", "source_type", "spouse_name", "suffix", "tag_ids",
    "time_zone", "update_time", "utm_parameters", "website", "account_id", "assistant_name", "assistant_phone",
    "billing_information", "created_by", "groups", "last_updated_by",
})


def _flag(value) -> bool | None:
    return None if value is None else bool(value)


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


# --- orders -----------------------------------------------------------------


def order(view: OrderView) -> dict:
    invoice = view.invoice or {}
    plan = payment_plan(view)
    return without_absent({
        "id": id_text(view.id),
        "title": view.title,
        "status": view.status,
        "order_type": view.order_type,
        "source_type": view.source_type,
        "contact": order_contact(view),
        "notes": view.row.get("JobNotes"),
        "creation_time": utc_text(view.creation_time),
        "order_time": utc_text(view.creation_time),
        "modification_time": utc_text(view.modification_time),
        "due_time": utc_text(view.due_time),
        "total": currency_value(view.money("InvoiceTotal")),
        "total_paid": currency_value(view.money("TotalPaid")),
        "total_due": currency_value(view.money("TotalDue")),
        "refund_total": currency_value(view.refund_total),
        "promo_code": invoice.get("PromoCode"),
        "lead_affiliate_id": id_text(invoice.get("LeadAffiliateId")),
        "sales_affiliate_id": id_text(invoice.get("AffiliateId")),
        "synced": _flag(invoice.get("Synced")),
        "invoice_id": id_text(view.invoice_id),
        "order_items": [order_item(view, item) for item in view.items],
        "payment_plan": plan,
    })


def order_contact(view: OrderView) -> dict | None:
    if not view.contact_id:
        return None
    contact = view.contact or {}
    return without_absent({
        "id": id_text(view.contact_id), "email": contact.get("Email"),
        "given_name": contact.get("FirstName"), "family_name": contact.get("LastName"),
    })


def order_item(view: OrderView, item: dict) -> dict:
    item_type = item.get("ItemType", 0)
    price, quantity = item.get("PPU"), item.get("Qty", 0)
    discount = abs(price * quantity) if item_type in DISCOUNT_ITEM_TYPES and price is not None else None
    subscription_id = view.row.get("JobRecurringId") if item_type == SUBSCRIPTION_ITEM_TYPE else None
    return without_absent({
        "id": id_text(item["Id"]),
        "name": item.get("ItemName"),
        "description": item.get("ItemDescription"),
        "notes": item.get("Notes"),
        "quantity": quantity,
        "item_type": ITEM_TYPES.get(item_type, "UNKNOWN"),
        "price_per_unit": currency_value(price),
        "cost_per_unit": currency_value(item.get("CPU")),
        "discount": currency_value(discount),
        "product": item_product(view.store, item.get("ProductId")),
        "subscription_id": id_text(subscription_id),
    })


def item_product(store: AccountStore, product_id: int | None) -> dict | None:
    if not product_id:
        return None
    product = store.get("Product", product_id) or {}
    return without_absent({
        "id": id_text(product_id), "name": product.get("ProductName"), "sku": product.get("Sku"),
        "description": product.get("Description"), "shippable": _flag(product.get("Shippable")),
        "taxable": _flag(product.get("Taxable")),
    })


def payment_plan(view: OrderView) -> dict | None:
    plan = view.pay_plan
    if plan is None:
        return None
    items = view.pay_plan_items()
    auto_charge = bool(plan.get("Type"))
    return without_absent({
        "auto_charge": auto_charge,
        "initial_payment_amount": currency_value(plan.get("FirstPayAmt")),
        "initial_payment_date": date_text(plan.get("InitDate")),
        "plan_start_date": date_text(plan.get("StartDate") or plan.get("InitDate")),
        "number_of_payments": len(items),
        "days_between_payments": days_between_payments(plan, items),
        "payment_plan_items": [plan_item(item, auto_charge) for item in items],
    })


def days_between_payments(plan: dict, items: list[dict]) -> int:
    """The gap between the first two installments from StartDate on (0 with fewer than two)."""
    start = plan.get("StartDate")
    installments = [item["DateDue"] for item in items if start is None or item["DateDue"] >= start]
    if len(installments) < 2:
        return 0
    return (installments[1].date() - installments[0].date()).days


def plan_item(item: dict, auto_charge: bool) -> dict:
    due, paid = item.get("AmtDue", Decimal(0)), item.get("AmtPaid", Decimal(0))
    if paid >= due:
        status = "PAID"
    else:
        status = "UNPAID_AUTOCHARGE" if auto_charge else "UNPAID_MANUAL"
    return {
        "status": status, "due_date": date_text(item.get("DateDue")),
        "amount_due": currency_value(due), "amount_paid": currency_value(paid),
    }


def order_payment(view: AllocationView) -> dict:
    payment = view.payment or {}
    return without_absent({
        "id": id_text(view.id),
        "amount": dollars(view.amount),
        "note": payment.get("PayNote"),
        "invoice_id": id_text(view.row.get("InvoiceId")),
        "payment_id": id_text(view.row.get("PaymentId")),
        "pay_time": utc_text(view.pay_time),
        "pay_status": view.row.get("PayStatus"),
        # InvoicePayment has no LastUpdated and the sandbox never edits an allocation.
        "last_updated_time": utc_text(view.pay_time),
        "skip_commission": _flag(view.row.get("SkipCommission")),
        "refund_invoice_payment_id": id_text(view.refunded_allocation_id),
    })


# --- sales ------------------------------------------------------------------


def payment(view: PaymentView) -> dict:
    row = view.row
    return without_absent({
        "id": id_text(view.id),
        "type": row.get("PayType"),
        "amount": dollars(view.amount),
        "note": row.get("PayNote"),
        "status": "APPROVED" if view.is_card else "COMPLETED",
        "commissioned": _flag(row.get("Commission")),
        "synced": _flag(row.get("Synced")),
        "payment_time": utc_text(view.payment_time),
        "update_time": utc_text(view.payment_time),
        "refund_payment_id": id_text(view.refund_payment_id),
        "contact_id": id_text(view.contact_id),
        "order_ids": [id_text(view.order_id)] if view.order_id else [],
        "external_transaction_id": view.external_transaction_id,
        "merchant_account_id": id_text(view.merchant_id),
        "merchant_account_type": MERCHANT_ACCOUNT_TYPE if view.is_card else None,
        "payment_method": _payment_method(view),
    })


def _payment_method(view: PaymentView) -> dict | None:
    """The card charged (CCharge.CCId -> CreditCard): its id and card_info (brand, last_four, expiry)."""
    card = view.store.get("CreditCard", view.charge.get("CCId")) if view.charge and view.charge.get("CCId") else None
    if card is None:
        return None
    return without_absent({
        "contact_id": id_text(card.get("ContactId")),
        "credit_card_id": id_text(card.get("Id")),
        "payment_method_type": "CARD",
        "card_info": without_absent({
            "brand": card.get("CardType") or None, "last_four": card.get("Last4") or None,
            "expiration_month": card.get("ExpirationMonth") or None,
            "expiration_year": card.get("ExpirationYear") or None,
        }),
    })


def transaction(found: TransactionView) -> dict:
    return without_absent({
        "amount": dollars(found.amount),
        "status": found.status,
        "transaction_method": found.method,
        "transaction_time": utc_text(found.transaction_time),
        "contact_id": id_text(found.contact_id),
        "order_ids": [id_text(found.order_id)] if found.order_id else [],
        "payment_id": id_text(found.payment_id),
        "is_successful": found.successful,
        "external_reference_id": found.reference,
        "external_response_code": found.response_code,
        "error_details": found.error,
        "merchant_account_id": id_text(found.merchant_id),
        "merchant_account_type": MERCHANT_ACCOUNT_TYPE if found.merchant_id else None,
    })


# --- contacts and products ----------------------------------------------------


def contact(view: ContactView, fields: frozenset[str]) -> dict:
    """The selected properties (id always); a property with no data (an empty list too) is left out."""
    row = view.row
    every = {
        "id": id_text(view.id),
        "given_name": row.get("FirstName"),
        "family_name": row.get("LastName"),
        "middle_name": row.get("MiddleName"),
        "company": contact_company(row),
        "email_addresses": [{"email": email, "field": slot} for slot, email in view.emails],
        "addresses": contact_addresses(row),
        "phone_numbers": [{"number": row[field], "field": slot}
                          for slot, field in (("PHONE1", "Phone1"), ("PHONE2", "Phone2")) if row.get(field)],
        "create_time": utc_text(view.create_time),
        "update_time": utc_text(view.update_time),
    }
    selected = {name: value for name, value in every.items() if name == "id" or name in fields}
    return without_absent({name: value if value != [] else None for name, value in selected.items()})


def contact_company(row: dict) -> dict | None:
    if not row.get("Company"):
        return None
    return without_absent({"id": id_text(row.get("CompanyID")), "company_name": row["Company"]})


def contact_addresses(row: dict) -> list[dict]:
    parts = {
        "line1": row.get("StreetAddress1"), "line2": row.get("StreetAddress2"), "locality": row.get("City"),
        "region": row.get("State"), "postal_code": row.get("PostalCode"), "country": row.get("Country"),
    }
    if not any(parts.values()):
        return []
    present = {name: value for name, value in parts.items() if value}
    country_code = COUNTRY_CODES.get((row.get("Country") or "").strip().casefold())
    return [without_absent({"field": "BILLING", **present, "country_code": country_code})]


def product(row: dict) -> dict:
    return without_absent({
        "id": id_text(row["Id"]),
        "name": row.get("ProductName"),
        "sku": row.get("Sku"),
        "price": currency_value(row.get("ProductPrice")),
        "active": _flag(row["Status"] == 1 if row.get("Status") is not None else None),
        "description": row.get("Description"),
        "short_description": row.get("ShortDescription"),
        "taxable": _flag(row.get("Taxable")),
        "country_taxable": _flag(row.get("CountryTaxable")),
        "state_taxable": _flag(row.get("StateTaxable")),
        "city_taxable": _flag(row.get("CityTaxable")),
        "shippable": _flag(row.get("Shippable")),
        "weight": _number(row.get("Weight")),
        "is_package": _flag(row.get("IsPackage")),
        "needs_digital_delivery": _flag(row.get("NeedsDigitalDelivery")),
        "storefront_hidden": _flag(row.get("HideInStore")),
    })

"""SDK models -> engine records: money exact, dates in the account's zone, item types as XML-RPC codes."""

from __future__ import annotations

import logging
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from keap_core_v2_client.models import Contact, OrderV2, Payment, RestV2ProductList

from syncsvc.infusionsoft.records import ItemType
from syncsvc.infusionsoft.rest import convert
from syncsvc.infusionsoft.rest.convert import Account, ConversionError
from syncsvc.infusionsoft.rest.notices import Notices
from syncsvc.infusionsoft.rest.tolerant import load

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def notices():
    return Notices(logging.getLogger("test.rest.convert"))


@pytest.fixture
def account(notices):
    return Account(zone=NEW_YORK, currency="USD", notices=notices)


def usd(cents: int) -> dict:
    return {"amount": cents, "currency_code": "USD"}


def order_json(**overrides) -> dict:
    raw = {
        "id": "1001",
        "title": "Web order #1",
        "status": "PAID",
        "contact": {"id": "55", "given_name": "Ann"},
        "order_type": "ONLINE",
        "source_type": "CHECKOUT_FORM",
        "creation_time": "2025-01-02T03:30:00Z",
        "order_time": "2025-01-02T03:30:00Z",
        "modification_time": "2025-01-02T15:00:00Z",
        "due_time": "2025-01-10T05:00:00Z",
        "total": usd(5394),
        "total_paid": usd(5394),
        "total_due": usd(0),
        "invoice_id": "2002",
        "promo_code": "SAVE",
        "order_items": [
            {"id": "1", "name": "Brake Pads", "description": "Front", "quantity": 2, "item_type": "PRODUCT",
             "price_per_unit": usd(2450), "cost_per_unit": usd(1000),
             "product": {"id": "17", "name": "Brake Pads", "sku": "SKU-100"}},
            {"id": "2", "name": "Shipping", "quantity": 1, "item_type": "SHIPPING", "price_per_unit": usd(495)},
            {"id": "3", "name": "Promo code SAVE", "quantity": 1, "item_type": "DISCOUNT",
             "price_per_unit": usd(-1)},
        ],
    }
    raw.update(overrides)
    return raw


def order_model(notices, **overrides) -> OrderV2:
    return load(OrderV2, order_json(**overrides), "order", notices)


# -- money ---------------------------------------------------------------------------------


@pytest.mark.parametrize("code, amount, expected", [
    ("USD", 4900, Decimal("49.00")),
    ("USD", -1, Decimal("-0.01")),
    ("EUR", 123456, Decimal("1234.56")),
    ("GBP", 5, Decimal("0.05")),
    ("CAD", 0, Decimal("0.00")),
    ("AUD", 1999, Decimal("19.99")),
    ("JPY", 4900, Decimal("4900")),
    ("KWD", 1234, Decimal("1.234")),
])
def test_minor_units_scale_by_the_currency_exponent(account, code, amount, expected):
    value = load(OrderV2, {"total": {"amount": amount, "currency_code": code}}, "o", account.notices).total
    result = convert.minor_units(value, account, "total")
    assert result == expected and str(result) == str(expected)


def test_unknown_currency_code_is_an_error_naming_it(account, notices):
    value = load(OrderV2, {"total": {"amount": 100, "currency_code": "XYZ"}}, "o", notices).total
    with pytest.raises(ConversionError, match="'XYZ'"):
        convert.minor_units(value, account, "order 1 total")


def test_amount_without_a_code_is_in_the_account_currency_and_absent_is_zero(account, notices):
    order = load(OrderV2, {"total": {"amount": 250}}, "o", notices)
    assert convert.minor_units(order.total, account, "total") == Decimal("2.50")
    assert convert.minor_units(order.total_paid, account, "total_paid") == 0


@pytest.mark.parametrize("value, expected", [(12.34, "12.34"), (0.1, "0.1"), (5.06, "5.06"), (100, "100"),
                                             (-19.99, "-19.99"), (None, "0")])
def test_payment_amounts_are_exact_decimals(value, expected):
    assert str(convert.decimal_amount(value)) == expected


def test_invoice_currency_is_the_order_code_and_names_both_when_amounts_disagree(account, notices):
    assert convert.invoice_record(order_model(notices), account).currency == "USD"
    mixed = order_model(notices, total_paid={"amount": 5394, "currency_code": "EUR"})
    assert convert.invoice_record(mixed, account).currency == "EUR/USD"


# -- time ----------------------------------------------------------------------------------


def test_utc_early_morning_is_the_previous_day_in_the_account_zone(account, notices):
    order = convert.order_record(order_model(notices), account)
    assert order.date_created == datetime(2025, 1, 1, 22, 30, tzinfo=NEW_YORK)
    assert order.date_created.date() == date(2025, 1, 1)
    assert order.date_created.utcoffset() is not None


def test_a_time_without_zone_is_taken_as_utc_and_logged_once(account, notices, caplog):
    caplog.set_level(logging.WARNING)
    first = convert.order_record(order_model(notices, modification_time="2025-06-01T12:00:00"), account)
    convert.order_record(order_model(notices, modification_time="2025-06-02T12:00:00"), account)
    assert first.last_updated == datetime(2025, 6, 1, 12, tzinfo=timezone.utc)
    assert first.last_updated.tzinfo == NEW_YORK
    assert len([r for r in caplog.records if "without a time zone" in r.getMessage()]) == 1


# -- item types ----------------------------------------------------------------------------


@pytest.mark.parametrize("name, code", [
    ("UNKNOWN", 0), ("SHIPPING", 1), ("TAX", 2), ("SERVICE", 3), ("PRODUCT", 4), ("UPSELL", 5),
    ("FINANCE_CHARGE", 6), ("DISCOUNT", 7), ("PROGRAM", 8), ("SUBSCRIPTION", 9), ("DISCOUNT_FREE_TRIAL", 10),
    ("DISCOUNT_ORDER_TOTAL", 11), ("DISCOUNT_PRODUCT", 12), ("DISCOUNT_PRODUCT_CATEGORY", 13),
    ("DISCOUNT_SHIPPING", 14), ("TIP", 3), ("FEE", 3), ("OTHER", 0),
])
def test_every_item_type_name_maps_to_its_xmlrpc_code(account, name, code):
    assert convert.item_type(name, account) == ItemType(code)


def test_the_sdk_item_type_list_is_fully_mapped():
    from keap_core_v2_client.models import OrderItem

    with pytest.raises(ValueError) as error:
        OrderItem(item_type="NOT_A_TYPE")
    listed = str(error.value).split("(")[1].split(")")[0]
    names = {name.strip(" '") for name in listed.split(",")}
    assert names == set(convert.ITEM_TYPES)


def test_an_unknown_item_type_is_unknown_and_logged_once(account, notices, caplog):
    caplog.set_level(logging.WARNING)
    items = [{"id": str(n), "item_type": "GIFT_WRAP", "quantity": 1, "price_per_unit": usd(100)} for n in (1, 2)]
    records = convert.order_item_records(order_model(notices, order_items=items), account)
    assert [r.item_type for r in records] == [ItemType.UNKNOWN, ItemType.UNKNOWN]
    assert len([r for r in caplog.records if "GIFT_WRAP" in r.getMessage()]) == 1  # one line, not one per record or layer


# -- records -------------------------------------------------------------------------------


def test_order_record(account, notices):
    order = convert.order_record(order_model(notices), account)
    assert (order.id, order.contact_id, order.title, order.order_type, order.order_status) == (
        1001, 55, "Web order #1", "Online", 0)
    assert order.last_updated == datetime(2025, 1, 2, 10, tzinfo=NEW_YORK)
    assert order.due_date == datetime(2025, 1, 10, 0, tzinfo=NEW_YORK)
    assert order.source_type == "CHECKOUT_FORM"


def test_order_date_falls_back_to_creation_time(account, notices):
    raw = order_json()
    del raw["order_time"]
    raw["creation_time"] = "2025-02-01T12:00:00Z"
    order = convert.order_record(load(OrderV2, raw, "o", notices), account)
    assert order.date_created == datetime(2025, 2, 1, 7, tzinfo=NEW_YORK)


def test_quickbooks_born_order_keeps_its_source_type(account, notices):
    assert convert.order_record(order_model(notices, source_type="QUICKBOOKS"), account).source_type == "QUICKBOOKS"


def test_invoice_is_synthesised_from_the_order(account, notices):
    invoice = convert.invoice_record(order_model(notices), account)
    assert (invoice.id, invoice.order_id, invoice.contact_id) == (2002, 1001, 55)
    assert (invoice.total, invoice.total_paid, invoice.total_due) == (Decimal("53.94"), Decimal("53.94"), 0)
    assert invoice.pay_status == 1 and invoice.paid_in_full
    assert invoice.date_created == datetime(2025, 1, 1, 22, 30, tzinfo=NEW_YORK)
    assert (invoice.description, invoice.promo_code, invoice.refund_status) == ("Web order #1", "SAVE", 0)


def test_no_invoice_id_means_no_invoice(account, notices):
    raw = order_json()
    del raw["invoice_id"]
    assert convert.invoice_record(load(OrderV2, raw, "o", notices), account) is None


@pytest.mark.parametrize("status, paid, expected", [
    ("PAID", 0, 1), ("SENT", 5394, 0), ("DRAFT", 0, 0), ("VIEWED", 0, 0),
    (None, 5394, 1), (None, 100, 0), ("REFUNDED", 5394, 1), ("REFUNDED", 0, 0),
])
def test_pay_status(account, notices, status, paid, expected):
    raw = order_json(total_paid=usd(paid))
    if status is None:
        del raw["status"]
    else:
        raw["status"] = status
    assert convert.invoice_record(load(OrderV2, raw, "o", notices), account).pay_status == expected


@pytest.mark.parametrize("refunded, expected", [(0, 0), (1000, 1), (5394, 2)])
def test_refund_status_as_xmlrpc_counts_it(account, notices, refunded, expected):
    invoice = convert.invoice_record(order_model(notices, refund_total=usd(refunded)), account)
    assert invoice.refund_status == expected


def test_order_items(account, notices):
    items = convert.order_item_records(order_model(notices), account)
    product, shipping, special = items
    assert (product.id, product.order_id, product.product_id, product.quantity) == (1, 1001, 17, Decimal(2))
    assert (product.price_per_unit, product.cost_per_unit, product.amount) == (
        Decimal("24.50"), Decimal("10.00"), Decimal("49.00"))
    assert (product.name, product.description, product.item_type) == ("Brake Pads", "Front", ItemType.PRODUCT)
    assert shipping.product_id is None and shipping.item_type == ItemType.SHIPPING
    assert special.price_per_unit == Decimal("-0.01") and special.item_type.is_special


def test_pay_plan(account, notices):
    plan = {
        "auto_charge": True, "initial_payment_amount": usd(1500), "initial_payment_date": "2025-01-02",
        "plan_start_date": "2025-01-16", "number_of_payments": 2, "days_between_payments": 14,
        "payment_plan_items": [
            {"due_date": "2025-01-02", "amount_due": usd(1500), "amount_paid": usd(1500), "status": "PAID"},
            {"due_date": "2025-01-16", "amount_due": usd(1947), "amount_paid": usd(500), "status": "UNPAID_AUTOCHARGE"},
            {"due_date": "2025-01-30", "amount_due": usd(1947), "status": "UNPAID_AUTOCHARGE"},
        ],
    }
    record = convert.pay_plan_record(order_model(notices, payment_plan=plan), account)
    assert (record.id, record.invoice_id, record.plan_type) == (2002, 2002, 1)
    assert record.first_payment_amount == Decimal("15.00") and record.amount_due == Decimal("53.94")
    assert record.start_date == datetime(2025, 1, 16, tzinfo=NEW_YORK)
    assert [item.id for item in record.items] == [1, 2, 3]
    assert [item.status for item in record.items] == [2, 3, 1]
    first = record.items[0]
    assert first.date_due == datetime(2025, 1, 2, 0, 0, tzinfo=NEW_YORK) and first.date_due.date() == date(2025, 1, 2)
    assert (first.amount_due, first.amount_paid, first.pay_plan_id) == (Decimal("15.00"), Decimal("15.00"), 2002)


def test_order_without_plan_has_no_pay_plan(account, notices):
    assert convert.pay_plan_record(order_model(notices), account) is None


def test_contact_prefers_email1_and_the_billing_address(notices):
    raw = {
        "id": "55", "given_name": "Zoë", "family_name": "D'Angelo", "company": {"id": "3", "company_name": "Café"},
        "email_addresses": [{"email": "two@example.com", "field": "EMAIL2"},
                            {"email": "one@example.com", "field": "EMAIL1"}],
        "addresses": [{"field": "SHIPPING", "line1": "1 Ship St", "locality": "Austin"},
                      {"field": "BILLING", "line1": "2 Bill Ave", "line2": "Suite 3", "locality": "Boston",
                       "region_code": "US-MA", "postal_code": "02110", "country_code": "USA"}],
        "phone_numbers": [{"field": "PHONE2", "number": "555-0002"}, {"field": "PHONE1", "number": "555-0001"}],
    }
    contact = convert.contact_record(load(Contact, raw, "contact 55", notices))
    assert (contact.id, contact.first_name, contact.last_name, contact.company) == (55, "Zoë", "D'Angelo", "Café")
    assert contact.email == "one@example.com"
    assert (contact.street1, contact.street2, contact.city, contact.state, contact.postal_code, contact.country) == (
        "2 Bill Ave", "Suite 3", "Boston", "US-MA", "02110", "USA")
    assert contact.phone == "555-0001"


def test_contact_falls_back_to_the_first_email_and_address_and_prefers_long_names(notices):
    raw = {"id": "56", "email_addresses": [{"email": "only@example.com", "field": "EMAIL3"}],
           "addresses": [{"field": "OTHER", "locality": "Denver", "region": "Colorado", "region_code": "US-CO",
                          "country": "United States", "country_code": "USA"}]}
    contact = convert.contact_record(load(Contact, raw, "contact 56", notices))
    assert (contact.email, contact.city, contact.state, contact.country, contact.phone) == (
        "only@example.com", "Denver", "Colorado", "United States", "")


def test_product(account, notices):
    raw = {"id": "17", "name": "Brake Pads", "sku": "SKU-100", "price": usd(1747), "active": True, "taxable": True}
    product = convert.product_record(load(RestV2ProductList, raw, "product 17", notices), account)
    assert (product.id, product.name, product.sku, product.price, product.taxable, product.active) == (
        17, "Brake Pads", "SKU-100", Decimal("17.47"), True, True)


def test_payment_record_and_refund(account, notices):
    raw = {"id": "300", "type": "Credit Card", "amount": 12.34, "note": "Order payment", "contact_id": "55",
           "payment_time": "2025-01-02T03:30:00Z", "order_ids": ["1001"]}
    payment = load(Payment, raw, "payment 300", notices)
    record = convert.payment_record(payment, account, invoice_id=2002, order_id=1001, ref_num="ch_1", is_refund=False)
    assert (record.id, record.invoice_id, record.order_id, record.contact_id) == (300, 2002, 1001, 55)
    assert record.amount == Decimal("12.34") and str(record.amount) == "12.34"
    assert record.pay_date.date() == date(2025, 1, 1) and record.pay_date.tzinfo == NEW_YORK
    assert (record.pay_type, record.ref_num, record.is_refund) == ("Credit Card", "ch_1", False)

    refund = convert.payment_record(load(Payment, {**raw, "type": None}, "p", notices), account, invoice_id=2002,
                                    order_id=1001, ref_num=None, is_refund=True, refund_of=299)
    assert (refund.amount, refund.pay_type, refund.refund_id, refund.is_refund) == (
        Decimal("-12.34"), "Refund", 299, True)
    already_negative = convert.payment_record(load(Payment, {**raw, "amount": -5.0, "type": "Refund"}, "p", notices),
                                              account, invoice_id=0, order_id=None, ref_num=None, is_refund=True)
    assert (already_negative.amount, already_negative.pay_type) == (Decimal("-5.0"), "Refund")


def test_non_numeric_id_is_an_error_naming_it():
    with pytest.raises(ConversionError, match="'abc'"):
        convert.identifier("abc", "order id")

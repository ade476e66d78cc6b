"""Loading raw REST v2 records into the SDK's models: API drift is tolerated and logged once, never a lost record."""

from __future__ import annotations

import logging

import pytest
from keap_core_v2_client.models import Contact, OrderV2, Payment, TransactionV2

from syncsvc.infusionsoft.rest.notices import Notices
from syncsvc.infusionsoft.rest.tolerant import SET_ASIDE, UnreadableRecord, load, raw_value, record_name


@pytest.fixture
def notices():
    return Notices(logging.getLogger("test.rest.tolerant"))


def warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_a_record_as_the_contract_shows_it_loads_as_the_sdk_would(notices, caplog):
    raw = {"id": "7", "status": "PAID", "total": {"amount": 4900, "currency_code": "USD"},
           "order_items": [{"id": "1", "item_type": "PRODUCT", "quantity": 2}]}
    order = load(OrderV2, raw, "order 7", notices)
    assert order == OrderV2.from_dict(raw)
    assert warnings(caplog) == []


def test_unknown_enum_value_is_set_aside_and_logged_once_per_model_field_value(notices, caplog):
    caplog.set_level(logging.WARNING)
    first = load(OrderV2, {"id": "1", "status": "REFUNDED"}, "order 1", notices)
    second = load(OrderV2, {"id": "2", "status": "REFUNDED"}, "order 2", notices)
    third = load(OrderV2, {"id": "3", "status": "CANCELLED"}, "order 3", notices)

    assert first.status is None and raw_value(first, "status") == "REFUNDED"
    assert raw_value(second, "status") == "REFUNDED" and raw_value(third, "status") == "CANCELLED"
    logged = warnings(caplog)
    assert len(logged) == 2
    assert "OrderV2.status = 'REFUNDED'" in logged[0] and "'CANCELLED'" in logged[1]


def test_the_transaction_method_the_contract_itself_shows_is_tolerated(notices):
    # K2's own example for transaction_method is "ONLINE", which the SDK's enum refuses.
    transaction = load(TransactionV2, {"payment_id": "9", "transaction_method": "ONLINE"}, "t", notices)
    assert transaction.payment_id == "9"
    assert raw_value(transaction, "transaction_method") == "ONLINE"


def test_enum_failure_deep_inside_a_list_keeps_every_line(notices):
    raw = {"id": "5", "order_items": [{"id": "1", "item_type": "GIFT_WRAP"}, {"id": "2", "item_type": "TAX"}]}
    order = load(OrderV2, raw, "order 5", notices)
    assert [raw_value(item, "item_type") for item in order.order_items] == ["GIFT_WRAP", "TAX"]
    assert order.order_items[0].item_type is None


def test_unknown_fields_land_in_additional_properties(notices):
    order = load(OrderV2, {"id": "1", "brand_new_field": {"x": 1}}, "order 1", notices)
    assert order.additional_properties == {"brand_new_field": {"x": 1}}
    assert SET_ASIDE not in order.additional_properties


def test_numeric_ids_are_read_as_text_and_logged_once_per_field(notices, caplog):
    caplog.set_level(logging.WARNING)
    a = load(Payment, {"id": 101, "order_ids": [5, 6], "contact_id": 3, "amount": 12.34}, "payment 101", notices)
    b = load(Payment, {"id": 102, "order_ids": [7], "contact_id": 4}, "payment 102", notices)
    assert (a.id, a.order_ids, a.contact_id) == ("101", ["5", "6"], "3")
    assert b.id == "102"
    assert len([m for m in warnings(caplog) if "Payment.id" in m]) == 1
    assert a.amount == 12.34


def test_a_whole_number_minor_unit_amount_sent_as_float_or_text_is_read_exactly(notices):
    order = load(OrderV2, {"id": "1", "total": {"amount": 4900.0}, "total_paid": {"amount": "-250"}}, "o", notices)
    assert order.total.amount == 4900 and order.total_paid.amount == -250


def test_a_fractional_minor_unit_amount_is_an_error_naming_the_record_and_field(notices):
    with pytest.raises(UnreadableRecord) as error:
        load(OrderV2, {"id": "44", "total": {"amount": 49.5}}, "order 44", notices)
    assert "order 44" in str(error.value) and "total.amount" in str(error.value)


def test_payment_plan_missing_a_required_field_is_dropped_with_one_warning(notices, caplog):
    caplog.set_level(logging.WARNING)
    plan = {"number_of_payments": 3, "days_between_payments": 14}  # no plan_start_date
    first = load(OrderV2, {"id": "1", "payment_plan": plan}, "order 1", notices)
    second = load(OrderV2, {"id": "2", "payment_plan": plan}, "order 2", notices)
    assert first.payment_plan is None and second.payment_plan is None
    logged = [m for m in warnings(caplog) if "payment_plan" in m]
    assert len(logged) == 1 and "plan_start_date" in logged[0]


def test_a_complete_payment_plan_is_kept(notices):
    plan = {"plan_start_date": "2025-03-01", "number_of_payments": 2, "days_between_payments": 30,
            "payment_plan_items": [{"due_date": "2025-03-01", "status": "PAID"}]}
    order = load(OrderV2, {"id": "1", "payment_plan": plan}, "order 1", notices)
    assert order.payment_plan.number_of_payments == 2
    assert order.payment_plan.payment_plan_items[0].status == "PAID"


def test_a_time_that_does_not_parse_fails_the_record_by_name(notices):
    with pytest.raises(UnreadableRecord) as error:
        load(OrderV2, {"id": "9", "modification_time": "yesterday"}, "order 9", notices)
    assert "order 9" in str(error.value) and "modification_time" in str(error.value)


def test_a_record_that_is_not_an_object_fails_by_name(notices):
    with pytest.raises(UnreadableRecord, match="payment 3"):
        load(Payment, ["not", "an", "object"], "payment 3", notices)


def test_aliased_fields_are_read_by_their_json_name(notices):
    contact = load(Contact, {"id": "1", "email_addresses": [{"email": "a@example.com", "field": "EMAIL1"}]},
                   "contact 1", notices)
    assert contact.email_addresses[0].var_field == "EMAIL1"


def test_record_name_reads_the_raw_id():
    assert record_name("order", {"id": 12}) == "order 12"
    assert record_name("order", {}) == "order without id"
    assert record_name("transaction of payment", {"payment_id": "8"}, "payment_id") == "transaction of payment 8"

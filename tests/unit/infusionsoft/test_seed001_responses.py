"""Every sample response printed in seed 001, parsed exactly as printed, through the typed methods."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from syncsvc.infusionsoft import wire
from syncsvc.infusionsoft.invoiceservice import CardValidation, ChargeResult, InvoiceService, NewCard
from syncsvc.infusionsoft.records import ItemType, Payment

from .conftest import FIXTURES, NEW_YORK, fixture_bytes

SEED = "seed001/"
ALL_SAMPLES = sorted(p.stem for p in (FIXTURES / "seed001").glob("*.xml"))

RAW_EXPECTED = {
    "createBlankOrder": 8,
    "addOrderItem": True,
    "deleteSubscription": True,
    "deleteInvoice": True,
    "addRecurringOrder": 6,
    "createInvoiceForRecurring": 10,
    "addManualPayment": True,
    "addPaymentPlan": True,
    "calculateAmountOwed": 41.14,
    "locateExistingCard": 0,
    "recalculateTax": True,
    "getAllShippingOptions": True,
    "updateJobRecurringNextBillDate": True,
    "addOrderCommissionOverride": True,
    "chargeInvoice": {
        "Successful": False,
        "Message": "\n              (TESTMODE) The merchant login ID or password is invalid or the\n"
        "              account is inactive. (13)\n            ",
        "RefNum": "\n              0\n            ",
        "Code": "\n              ERROR\n            ",
    },
    "validateCreditCard": {"Message": "Card has expired", "Valid": "false"},
    "getAllPaymentOptions": {
        name: name
        for name in (
            "Credit Card (Manual)", "Check", "Cash", "Money Order", "Adjustment", "Credit Card", "Credit", "Refund",
        )
    },
    "getPayments": [
        {
            "Id": 2,
            "PayDate": datetime(2012, 3, 14, tzinfo=NEW_YORK),
            "UserId": 14,
            "PayAmt": 5.0,
            "PayType": "Credit Card (Manual)",
            "ContactId": 22,
            "PayNote": "",
            "InvoiceId": 6,
            "RefundId": 0,
            "ChargeId": 0,
            "Synced": 0,
        }
    ],
}


def test_every_sample_in_the_seed_has_a_fixture_and_an_expectation():
    assert len(ALL_SAMPLES) == 18
    assert set(ALL_SAMPLES) == set(RAW_EXPECTED)


@pytest.mark.parametrize("method", ALL_SAMPLES)
def test_sample_response_parses_exactly_as_printed(method):
    value = wire.loads_response(fixture_bytes(f"{SEED}{method}.xml"), NEW_YORK, method)
    assert value == RAW_EXPECTED[method]
    assert type(value) is type(RAW_EXPECTED[method])


def test_parsed_dates_carry_the_account_zone():
    [row] = wire.loads_response(fixture_bytes(SEED + "getPayments.xml"), NEW_YORK)
    assert row["PayDate"].tzinfo is NEW_YORK
    assert row["PayDate"].utcoffset().total_seconds() == -4 * 3600  # 14 March 2012 is daylight time


def _service(api, make_transport, sample: str) -> InvoiceService:
    api.answer(fixture_bytes(SEED + sample + ".xml"))
    return InvoiceService(make_transport())


def test_charge_invoice_sample_becomes_a_typed_result(api, make_transport):
    result = _service(api, make_transport, "chargeInvoice").charge_invoice(16, "API Upsell Payment", 2, 1)
    assert result == ChargeResult(
        successful=False,
        code="ERROR",
        ref_num=None,
        message="(TESTMODE) The merchant login ID or password is invalid or the account is inactive. (13)",
    )
    assert api.calls() == [
        ("InvoiceService.chargeInvoice", ("keap-header-auth", 16, "API Upsell Payment", 2, 1, False))
    ]


def test_get_payments_sample_becomes_payment_records(api, make_transport):
    [payment] = _service(api, make_transport, "getPayments").get_payments(6)
    assert isinstance(payment, Payment)
    assert payment.id == 2 and payment.invoice_id == 6 and payment.contact_id == 22
    assert payment.amount == Decimal("5.0")
    assert payment.pay_type == "Credit Card (Manual)"
    assert payment.pay_date == datetime(2012, 3, 14, tzinfo=NEW_YORK)
    assert payment.charge_id is None and payment.is_manual and payment.ref_num is None
    assert payment.note == ""


def test_validate_credit_card_reads_the_untyped_false(api, make_transport):
    service = _service(api, make_transport, "validateCreditCard")
    card = NewCard("Visa", 123, "4111111111111111", "12", "2009", "123")
    assert service.validate_credit_card(card) == CardValidation(valid=False, message="Card has expired")
    method, params = api.calls()[0]
    assert params[1] == {
        "CardType": "Visa", "ContactId": 123, "CardNumber": "4111111111111111",
        "ExpirationMonth": "12", "ExpirationYear": "2009", "CVV2": "123",
    }
    assert "4111111111111111" not in repr(card) and "123'" not in repr(card)


def test_calculate_amount_owed_is_decimal(api, make_transport):
    assert _service(api, make_transport, "calculateAmountOwed").calculate_amount_owed(43) == Decimal("41.14")


def test_payment_options_and_ints(api, make_transport):
    assert list(_service(api, make_transport, "getAllPaymentOptions").get_all_payment_options())[:2] == [
        "Credit Card (Manual)", "Check",
    ]
    assert _service(api, make_transport, "locateExistingCard").locate_existing_card(22, "1234") is None
    assert _service(api, make_transport, "createInvoiceForRecurring").create_invoice_for_recurring(3) == 10
    assert _service(api, make_transport, "addRecurringOrder").add_recurring_order(
        22, False, 23, 2, Decimal("2.95"), True, 1, 16, 0, 0
    ) == 6


def test_request_wire_types(api, make_transport):
    """ints as <int>, money as <double>, dates as dateTime.iso8601 in account time."""
    from datetime import timezone

    service = _service(api, make_transport, "createBlankOrder")
    assert service.create_blank_order(22, "hello world", datetime(2008, 9, 8, 4, 0, tzinfo=timezone.utc), 2, 2) == 8
    body = api.requests[-1].content.decode()
    assert "<int>22</int>" in body
    assert "<dateTime.iso8601>20080908T00:00:00</dateTime.iso8601>" in body  # 04:00 UTC = midnight EDT

    api.answer(fixture_bytes(SEED + "addOrderItem.xml"))
    assert service.add_order_item(8, 17, ItemType.FINANCE_CHARGE, Decimal("23.07"), 2, "Turbo", "notes")
    body = api.requests[-1].content.decode()
    assert "<int>6</int>" in body and "<double>23.07</double>" in body and "<int>2</int>" in body


def test_naive_dates_and_float_money_are_refused(api, make_transport):
    service = InvoiceService(make_transport())
    with pytest.raises(ValueError, match="aware"):
        service.add_manual_payment(43, Decimal("5.06"), datetime(2007, 1, 12), "Check")
    with pytest.raises(TypeError, match="Decimal"):
        service.add_manual_payment(43, 5.06, datetime(2007, 1, 12, tzinfo=NEW_YORK), "Check")
    assert api.requests == []

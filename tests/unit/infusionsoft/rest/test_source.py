"""RestOrderSource's own decisions over scripted pages: refunds, the transaction window, items read when missing."""

from __future__ import annotations

import logging
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from syncsvc.infusionsoft.errors import MalformedResponse
from syncsvc.infusionsoft.rest.caller import RestNotFound
from syncsvc.infusionsoft.rest.convert import Account, ConversionError
from syncsvc.infusionsoft.rest.notices import Notices
from syncsvc.infusionsoft.rest.source import RestOrderSource

NEW_YORK = ZoneInfo("America/New_York")


class ScriptedCaller:
    """Answers each operationId from a function of its parameters; records every call."""

    def __init__(self, **answers):
        self.answers = answers
        self.calls: list[tuple[str, dict]] = []
        self.orders = SimpleNamespace(list_orders_without_preload_content=None, get_order_without_preload_content=None,
                                      list_order_payments_without_preload_content=None)
        self.sales = SimpleNamespace(list_payments_without_preload_content=None,
                                     list_transactions_without_preload_content=None)
        self.contacts = SimpleNamespace(list_contacts_without_preload_content=None)
        self.products = SimpleNamespace(list_products_without_preload_content=None)

    def call(self, operation, send, **params):
        self.calls.append((operation, params))
        return self.answers[operation](**params)

    def count(self, operation):
        return sum(1 for name, _ in self.calls if name == operation)


def source_over(caller) -> RestOrderSource:
    return RestOrderSource(caller, Account(NEW_YORK, "USD", Notices(logging.getLogger("test.rest.source"))))


def payment(pid, amount, when="2025-03-01T15:00:00Z", **fields):
    return {"id": str(pid), "amount": amount, "type": "Credit Card", "payment_time": when, "order_ids": ["1"],
            "contact_id": "9", **fields}


def transaction(pid, method="CAPTURE", when="2025-03-01T15:00:00Z", **fields):
    return {"payment_id": str(pid), "transaction_method": method, "status": "APPROVED", "is_successful": True,
            "transaction_time": when, **fields}


def test_refunds_are_found_four_ways_and_read_as_xmlrpc_shows_them():
    payments = [
        payment(10, 50.0, external_transaction_id="ch_10", refund_payment_id="13"),
        payment(11, 20.0, type="REFUND"),          # by type, any case
        payment(12, -5.0, type="Adjustment"),      # by sign
        payment(13, 50.0, type=None),              # named as payment 10's refund
        payment(14, 30.0),                         # its transaction is a VOID
        payment(15, 25.0),                         # an ordinary card payment, RefNum from its CAPTURE
    ]
    transactions = [transaction(14, "VOID"), transaction(15, external_reference_id="txn_15"),
                    {"transaction_method": "CAPTURE", "status": "FAILED", "is_successful": False,
                     "transaction_time": "2025-03-01T15:00:00Z", "external_reference_id": "declined"}]
    caller = ScriptedCaller(listPayments=lambda **p: {"payments": payments},
                            listTransactions=lambda **p: {"transactions": transactions})
    by_id = {p.id: p for p in source_over(caller).payments_after_id(0)}

    assert not by_id[10].is_refund and by_id[10].ref_num == "ch_10"
    assert (by_id[11].amount, by_id[11].pay_type) == (Decimal("-20.0"), "REFUND")
    assert by_id[12].is_refund and by_id[12].amount == Decimal("-5.0")
    assert (by_id[13].amount, by_id[13].pay_type, by_id[13].refund_id) == (Decimal("-50.0"), "Refund", 10)
    assert by_id[14].is_refund and by_id[14].amount == Decimal("-30.0")
    assert not by_id[15].is_refund and by_id[15].ref_num == "txn_15"
    assert all(p.order_id == 1 and p.invoice_id == 0 for p in by_id.values())
    [(_, params)] = [c for c in caller.calls if c[0] == "listTransactions"]
    assert params["filter"] == "since_time==2025-02-28T15:00:00Z;until_time==2025-03-02T15:00:00Z"


def test_a_page_whose_payments_all_carry_a_reference_reads_no_transactions():
    caller = ScriptedCaller(listPayments=lambda **p: {"payments": [payment(1, 5.0, external_transaction_id="a")]})
    assert [p.ref_num for p in source_over(caller).payments_after_id(0)] == ["a"]
    assert caller.count("listTransactions") == 0


def test_payments_inside_a_window_already_read_cost_no_new_read():
    pages = {None: {"payments": [payment(1, 5.0, "2025-03-01T10:00:00Z"), payment(2, 5.0, "2025-03-05T10:00:00Z")],
                    "next_page_token": "p2"},
             "p2": {"payments": [payment(3, 5.0, "2025-03-09T10:00:00Z")]}}
    caller = ScriptedCaller(
        listPayments=lambda page_token=None, **p: pages[page_token],
        listTransactions=lambda **p: {"transactions": [transaction(n, external_reference_id=f"r{n}") for n in (1, 2, 3)]},
        listOrders=lambda **p: {"orders": [{"id": "1", "invoice_id": "7", "order_items": []}]},
    )
    source = source_over(caller)
    assert [p.ref_num for p in source.payments_after_id(0)] == ["r1", "r2", "r3"]
    assert caller.count("listTransactions") == 2  # one per page of payments

    caller.answers["listPayments"] = lambda **p: {"payments": [payment(2, 5.0, "2025-03-05T10:00:00Z")]}
    [again] = source.payments_for_invoices([7])
    assert (again.ref_num, again.invoice_id) == ("r2", 7)
    assert caller.count("listTransactions") == 2
    caller.answers["listPayments"] = lambda **p: {"payments": [payment(4, 5.0, "2025-03-20T10:00:00Z")]}
    source.payments_for_invoices([7])
    assert caller.count("listTransactions") == 3  # later than anything read: a new window


def test_a_listed_order_without_items_is_read_by_id_and_one_deleted_meanwhile_is_left_out():
    listed = [{"id": "1", "invoice_id": "11"}, {"id": "2", "invoice_id": "12"}, {"id": "3", "invoice_id": "13",
                                                                               "order_items": []}]

    def get_order(order_id):
        if order_id == "2":
            raise RestNotFound("gone", 404)
        return {"id": order_id, "invoice_id": "11",
                "order_items": [{"id": "5", "quantity": 1, "price_per_unit": {"amount": 100}}]}

    caller = ScriptedCaller(listOrders=lambda **p: {"orders": listed}, getOrder=get_order)
    source = source_over(caller)
    assert [o.id for o in source.orders_by_ids([1, 2, 3])] == [1, 3]
    assert source.order_detail_reads == 2
    assert [i.price_per_unit for i in source.order_items_for_orders([1, 3])] == [Decimal("1.00")]
    assert [i.id for i in source.invoices_for_orders([1, 3])] == [11, 13]
    assert caller.count("listOrders") == 1  # the batch answers the rest


def test_ids_go_out_in_bulk_and_the_batch_answers_later_reads():
    caller = ScriptedCaller(listOrders=lambda **p: {"orders": [{"id": "1", "invoice_id": "11", "order_items": []},
                                                               {"id": "2", "order_items": []}]})
    source = source_over(caller)
    source.orders_by_ids([2, 1, 1])
    assert caller.calls[0][1]["filter"] == "ids==1,2" and caller.calls[0][1]["order_by"] == "id asc"
    assert [i.id for i in source.invoices_by_ids([11])] == [11]
    assert source.pay_plans_for_invoices([11]) == []
    assert caller.count("listOrders") == 1


def test_an_invoice_never_seen_is_looked_up_by_its_own_filter():
    caller = ScriptedCaller(listOrders=lambda **p: {"orders": [{"id": "4", "invoice_id": "40", "order_items": []}]})
    assert [i.order_id for i in source_over(caller).invoices_by_ids([40])] == [4]
    assert caller.calls[0][1]["filter"] == "invoice_id==40"


def test_changed_orders_filter_by_modification_time_in_utc_rounded_down():
    from datetime import datetime

    caller = ScriptedCaller(listOrders=lambda **p: {"orders": [{"id": "1", "source_type": "QUICKBOOKS"}]})
    source = source_over(caller)
    orders = list(source.orders_changed_since(datetime(2025, 1, 1, 22, 30, 15, 900000, tzinfo=NEW_YORK)))
    params = caller.calls[0][1]
    assert params["filter"] == "modified_since_time==2025-01-02T03:30:15Z"
    assert params["order_by"] == "modification_time asc" and params["page_size"] == 1000
    assert orders[0].source_type == "QUICKBOOKS"


def test_a_page_token_sent_twice_is_an_error_not_a_loop():
    caller = ScriptedCaller(listOrders=lambda **p: {"orders": [], "next_page_token": "same"})
    with pytest.raises(MalformedResponse, match="same next_page_token"):
        list(source_over(caller).orders_changed_since(__import__("datetime").datetime(2025, 1, 1, tzinfo=NEW_YORK)))


def test_contacts_ask_for_the_fields_the_converter_reads():
    caller = ScriptedCaller(listContacts=lambda **p: {"contacts": [{"id": "9", "given_name": "Ann"}]})
    [contact] = source_over(caller).contacts_by_ids([9])
    assert contact.first_name == "Ann"
    params = caller.calls[0][1]
    assert params["filter"] == "ids==9" and "email_addresses" in params["fields"] and "addresses" in params["fields"]


def test_an_order_part_that_cannot_be_read_fails_when_asked_for_and_the_rest_of_the_batch_reads():
    # The batch keeps each order as its records, converted as it is read; a part that does not convert
    # (an item id that is not one) raises where converting it then would have, and nothing else fails.
    listed = [{"id": "1", "invoice_id": "11", "order_items": [{"id": "x5", "quantity": 1,
                                                                "price_per_unit": {"amount": 100}}]},
              {"id": "2", "invoice_id": "12", "order_items": [{"id": "6", "quantity": 2,
                                                                "price_per_unit": {"amount": 250}}]}]
    source = source_over(ScriptedCaller(listOrders=lambda **p: {"orders": listed}))

    assert [o.id for o in source.orders_by_ids([1, 2])] == [1, 2]
    assert [i.id for i in source.invoices_for_orders([1, 2])] == [11, 12]
    assert [(i.id, i.quantity) for i in source.order_items_for_orders([2])] == [(6, 2)]
    with pytest.raises(ConversionError, match="item x5 id 'x5' is not a numeric id"):
        source.order_items_for_orders([1])
